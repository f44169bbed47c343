"""Risk, band, drivers, flags and actions for scored team-months: one function for every caller.

The batch job, ``erisk explain``/``whatif`` and the HTTP service all call
:func:`explain_team_months`, so a team's reasons are the same wherever HR reads them.

Contributions in probability points. LightGBM's ``pred_contrib`` gives additive SHAP
contributions ``c_i`` in raw log-odds (plus a bias). Platt calibration maps the raw logit
linearly, ``z = a * (bias + sum c_i) + b``, so the calibrated log-odds contributions are
``a * c_i``. The calibrated risk is ``p = sigmoid(z)`` and the risk of a team with no
information is ``p0 = sigmoid(a * bias + b)``. Each feature gets
``a * c_i * (p - p0) / (z - z0)``: its log-odds share of the move from ``p0`` to ``p``,
scaled by the secant slope of the sigmoid. The contributions then add up exactly to
``p - p0`` (and where ``z = z0`` the slope is the derivative ``p (1 - p)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.catalogue import FeatureSpec
from models.driver_texts import Lang, driver_text
from models.interventions import InterventionCatalogue, load_catalogue
from models.review import SCORED, Band, BandRules, history_status

FAMILY_INTERVENTION: dict[str, str] = {"demands": "buffer", "resources": "recognition"}
NOT_A_REASON: frozenset[str] = frozenset({"department"})
MIN_TEAM_FOR_FIGURES = 5
# totals that give a per-member figure once divided by the headcount (weekly volume / members
# = volume per member): hidden, like the per-member figures, for teams under 5 members
PER_MEMBER_TOTALS: frozenset[str] = frozenset({"volume_weekly_mean_4w"})


@dataclass(frozen=True)
class FlagRule:
    """A medium- or high-risk team gets an intervention flag when that intervention's family
    carries at least ``share`` of the risk its features add, and at least ``min_points``
    probability points of it."""

    share: float = 0.4
    min_points: float = 0.01
    top_drivers: int = 5


DEFAULT_FLAG_RULE = FlagRule()


def probability_contributions(
    contributions: pd.DataFrame, slope: float, intercept: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-feature contributions in probability points, and the calibrated risk.

    ``contributions``: raw log-odds SHAP values, the features then ``bias`` (LightGBM's
    ``pred_contrib``). See the module docstring for the derivation.
    """
    features = contributions.drop(columns="bias")
    points, p = _points(
        features.to_numpy(np.float64),
        contributions["bias"].to_numpy(np.float64),
        slope,
        intercept,
    )
    return pd.DataFrame(points, columns=features.columns, index=contributions.index), p


def probability_points(
    raw: np.ndarray, slope: float, intercept: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`probability_contributions` on the booster's own array (features, then the
    bias as the last column): the one-record path of the service skips pandas entirely."""
    raw = np.asarray(raw, dtype=np.float64)
    return _points(raw[:, :-1], raw[:, -1], slope, intercept)


def _points(
    parts: np.ndarray, bias: np.ndarray, slope: float, intercept: float
) -> tuple[np.ndarray, np.ndarray]:
    logit_parts = slope * parts
    z0 = slope * bias + intercept
    z = z0 + logit_parts.sum(axis=1)
    p, p0 = _sigmoid(z), _sigmoid(z0)
    dz = z - z0
    with np.errstate(divide="ignore", invalid="ignore"):
        secant = np.where(np.abs(dz) > 1e-9, (p - p0) / dz, p * (1 - p))
    return logit_parts * secant[:, None], p


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def explain_team_months(
    rows: pd.DataFrame,
    previous: pd.DataFrame | None,
    risk: np.ndarray,
    contributions: pd.DataFrame,
    specs: Sequence[FeatureSpec],
    bands: BandRules,
    model_version: int | str | None,
    lang: Lang = "en",
    rule: FlagRule = DEFAULT_FLAG_RULE,
    catalogue: InterventionCatalogue | None = None,
) -> list[dict[str, object]]:
    """The scored-team results (the ``erisk report --json`` row) for each row of ``rows``.

    ``rows`` holds ``team_id``, ``month``, the features, ``survey_suppressed`` and, when
    known, ``team_name`` and ``department``; ``previous`` the same teams' rows for the month
    before (for "up from ..."), or None. ``contributions`` are in probability points.
    """
    points = contributions.loc[rows.index]
    return explain_records(
        frame_records(rows),
        previous_by_team(previous),
        risk,
        points.to_numpy(np.float64),
        [str(name) for name in points.columns],
        specs,
        bands,
        model_version,
        lang,
        rule,
        catalogue,
    )


def explain_records(
    rows: Sequence[Mapping[str, object]],
    previous: Mapping[str, Mapping[str, object]],
    risk: np.ndarray,
    points: np.ndarray,
    names: Sequence[str],
    specs: Sequence[FeatureSpec],
    bands: BandRules,
    model_version: int | str | None,
    lang: Lang = "en",
    rule: FlagRule = DEFAULT_FLAG_RULE,
    catalogue: InterventionCatalogue | None = None,
) -> list[dict[str, object]]:
    """:func:`explain_team_months` on plain dicts: what every caller ends in.

    ``rows`` as dicts (feature values may be None or NaN when missing), ``previous`` the
    month-before rows by ``team_id``, ``points`` the probability points as an array whose
    columns are ``names``. Dicts and arrays, not frames: per-row pandas access dominated
    one-record requests and large batches alike.
    """
    catalogue = catalogue or load_catalogue()
    by_name = {spec.name: spec for spec in specs}
    # the columns that can be reasons, worked out once for all rows
    reasons = [
        (column, name, by_name[name].survey_derived)
        for column, name in enumerate(names)
        if name in by_name and name not in NOT_A_REASON
    ]
    version = _as_int(model_version)
    results = []
    for position, row in enumerate(rows):
        suppressed = bool(row.get("survey_suppressed", False))
        small_team = is_small_team(row.get("headcount"))
        weights = points[position].tolist()
        # a missing figure is no reason HR can read or act on, whatever the trees made of it
        usable = {
            name: weights[column]
            for column, name, survey in reasons
            if not (suppressed and survey) and _number(row.get(name)) is not None
        }
        status = history_status(row.get("history_months"))
        band = bands.band(float(risk[position])) if status == SCORED else "low"
        flags = _flags(usable, by_name, band, rule)
        prior = previous.get(str(row["team_id"]))
        drivers = _drivers(row, prior, usable, by_name, small_team, lang, rule.top_drivers)
        values = {name: _number(row.get(name)) for name in usable}
        if small_team:
            values = {n: v for n, v in values.items() if not hidden_for_small_team(by_name[n])}
        actions = [
            action
            for flag in flags
            for action in catalogue.recommend(flag, values, usable, lang)  # type: ignore[arg-type]
        ]
        results.append(
            {
                "team_id": str(row["team_id"]),
                "team_name": _text(row.get("team_name")),
                "department": _text(row.get("department")),
                "month": str(row["month"]),
                "risk": round(float(risk[position]), 4),
                "band": band,
                "flags": flags,
                "rank": None,
                "lift": round(bands.lift(float(risk[position])), 2),
                "review": False,
                "status": status,
                "drivers": drivers,
                "actions": actions,
                "model_version": version,
            }
        )
    return results


def previous_by_team(previous: pd.DataFrame | None) -> dict[str, dict[str, object]]:
    """The month-before rows by ``team_id`` (none when there is no previous month)."""
    if previous is None or not len(previous):
        return {}
    return {str(r["team_id"]): r for r in frame_records(previous)}


def _flags(
    usable: Mapping[str, float], specs: Mapping[str, FeatureSpec], band: Band, rule: FlagRule
) -> list[str]:
    if band == "low":
        return []
    # shares of what the two kinds of help explain: context (team size, engagement moving
    # without saying why) raises the risk but points to neither
    positive = {
        name: max(0.0, value)
        for name, value in usable.items()
        if specs[name].family in FAMILY_INTERVENTION
    }
    total = sum(positive.values())
    if total <= 0:
        return []
    flags = []
    for family, intervention in FAMILY_INTERVENTION.items():
        carried = sum(v for n, v in positive.items() if specs[n].family == family)
        if carried >= rule.min_points and carried / total >= rule.share:
            flags.append(intervention)
    return flags


def _drivers(
    row: Mapping[str, object],
    prior: Mapping[str, object] | None,
    usable: Mapping[str, float],
    specs: Mapping[str, FeatureSpec],
    small_team: bool,
    lang: Lang,
    top: int,
) -> list[dict[str, object]]:
    strongest = sorted(usable, key=lambda name: abs(usable[name]), reverse=True)[:top]
    strongest.sort(key=lambda name: usable[name], reverse=True)
    drivers = []
    # a month before when the team was under 5 members hides its per-member figures too
    small_before = prior is not None and is_small_team(prior.get("headcount"))
    for name in strongest:
        hidden = hidden_for_small_team(specs[name])
        hide = small_team and hidden
        value = None if hide else _number(row.get(name))
        previous = (
            None if hide or prior is None or (small_before and hidden) else _number(prior.get(name))
        )
        # a hidden figure's exact weight, swept through POST /v1/score, would narrow the
        # figure down: it is shown to the whole percentage point only
        contribution = round(usable[name], 2 if hide else 4)
        drivers.append(
            {
                "feature": name,
                "value": _rounded(value),
                "previous": _rounded(previous),
                "contribution": contribution,
                "text": driver_text(name, value, previous, str(row["month"]), contribution, lang),
            }
        )
    return drivers


def frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts through one object ndarray (``to_dict`` costs ~1 ms even for one row)."""
    columns = list(frame.columns)
    return [dict(zip(columns, values, strict=True)) for values in frame.to_numpy(dtype=object)]


def is_small_team(headcount: object) -> bool:
    """Under 5 members (or unknown): no per-member figure may be shown or derived."""
    value = _number(headcount)
    return value is None or value < MIN_TEAM_FOR_FIGURES


def hidden_for_small_team(spec: FeatureSpec) -> bool:
    """A per-member figure, or a total that gives one when divided by the headcount."""
    return spec.per_member or spec.name in PER_MEMBER_TOTALS


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _text(value: object) -> str | None:
    return (
        None
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        else str(value)
    )


def _as_int(version: int | str | None) -> int | None:
    if version is None:
        return None
    try:
        return int(version)
    except (TypeError, ValueError):
        return None
