"""The what-if sliders of a team: which actionable features, their ranges and start values.

A slider starts at the team's current value and spans the values HR could plausibly aim
for (0 to a little above the worst seen in practice). Figures the team page may not show
are not turned into sliders either: per-member features of teams under 5 members (the
slider's position would reveal the figure) and survey features of suppressed months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from features.catalogue import FEATURES, FeatureSpec
from models.driver_texts import label_for
from models.explanations import hidden_for_small_team, is_small_team

# (min, max at least, step): the range widens to twice the current value when it is higher
RANGES: dict[str, tuple[float, float, float]] = {
    "overtime_mean_hours": (0, 80, 1),
    "overtime_p90_hours": (0, 100, 1),
    "overtime_share_over_45h": (0, 1, 0.01),
    "overtime_months_over_45h_6m": (0, 6, 0.1),
    "leave_uptake_pace": (0, 1.5, 0.05),
    "leave_share_off_track_5day": (0, 1, 0.01),
    "leave_median_days_since_last": (0, 365, 1),
    "leave_paid_days_per_member_3m": (0, 10, 0.5),
    "volume_per_member": (0, 0, 1),
    "backlog_growth_4w": (0, 4, 0.1),
    "survey_recognition_mean": (1, 5, 0.1),
}
# scales with a natural top: the range never widens past it
CEILINGS: dict[str, float] = {"survey_recognition_mean": 5.0}
# shown first: what HR most often changes
ORDER = (
    "overtime_mean_hours",
    "leave_uptake_pace",
    "survey_recognition_mean",
    "overtime_share_over_45h",
    "leave_paid_days_per_member_3m",
    "leave_share_off_track_5day",
    "overtime_p90_hours",
    "overtime_months_over_45h_6m",
    "leave_median_days_since_last",
    "volume_per_member",
    "backlog_growth_4w",
)


@dataclass(frozen=True)
class Slider:
    """One what-if control: ``value`` is where it starts (the team's current figure)."""

    feature: str
    label: str
    unit: str
    minimum: float
    maximum: float
    step: float
    value: float
    percent: bool
    decimals: int


@dataclass(frozen=True)
class SliderSet:
    """The sliders of one team-month and the features left out, with why."""

    sliders: list[Slider]
    hidden_small_team: list[str]
    hidden_suppressed: list[str]


def actionable_specs() -> list[FeatureSpec]:
    """Actionable catalogue features in the order the panel shows them."""
    specs = {spec.name: spec for spec in FEATURES if spec.actionable}
    ordered = [specs[name] for name in ORDER if name in specs]
    return ordered + [spec for name, spec in specs.items() if name not in ORDER]


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _snap(value: float, minimum: float, step: float) -> float:
    """``value`` on the slider's grid (so moving and returning gives the same number)."""
    return round(minimum + round((value - minimum) / step) * step, 6)


def sliders_for(row: dict[str, Any], lang: str) -> SliderSet:
    """The what-if sliders for one team-month's feature row (a dict of its columns)."""
    small = is_small_team(_finite(row.get("headcount")))
    suppressed = bool(row.get("survey_suppressed"))
    sliders: list[Slider] = []
    hidden_small: list[str] = []
    hidden_suppressed: list[str] = []
    for spec in actionable_specs():
        if spec.survey_derived and suppressed:
            hidden_suppressed.append(spec.name)
            continue
        if small and hidden_for_small_team(spec):
            hidden_small.append(spec.name)
            continue
        current = _finite(row.get(spec.name))
        if current is None:
            continue
        low, high, step = RANGES.get(spec.name, (0.0, 0.0, 0.1))
        high = max(high, math.ceil(current * 2 / step) * step if current > 0 else step * 10)
        ceiling = 1.0 if "share" in spec.name else CEILINGS.get(spec.name)
        high = min(high, ceiling) if ceiling is not None else high
        value = _snap(min(max(current, low), high), low, step)
        label = label_for(spec.name)
        percent = label.percent
        sliders.append(
            Slider(
                feature=spec.name,
                label=label.ja if lang == "ja" else label.en,
                unit=(label.unit_ja if lang == "ja" else label.unit_en).strip(),
                minimum=float(low),
                maximum=float(round(high, 6)),
                step=float(step),
                value=value,
                percent=percent,
                decimals=label.decimals,
            )
        )
    return SliderSet(sliders, hidden_small, hidden_suppressed)
