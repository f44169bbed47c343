"""Score team-months with a registered model: the one path shared by batch, CLI and HTTP.

``score_team_months`` turns feature rows into the scored-team results of the interfaces
(risk, band, flags, drivers, actions); ``score_records`` does the same for plain dicts (the
service's one-record requests) through the same core. ``what_if`` re-scores one row after
changing actionable features by their public names; anything else is refused with a clear
reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.catalogue import FEATURES, FeatureSpec
from models.dataset import encode_records
from models.driver_texts import Lang
from models.explanations import (
    DEFAULT_FLAG_RULE,
    MIN_TEAM_FOR_FIGURES,
    FlagRule,
    explain_records,
    frame_records,
    hidden_for_small_team,
    is_small_team,
    previous_by_team,
    probability_points,
)
from models.registry import ModelBundle
from models.review import BandRules

SPECS: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURES}


class WhatIfRefused(ValueError):  # noqa: N818 - a refusal, not a crash
    """A requested change names an unknown or immutable feature, or an impossible value;
    ``feature`` names the change refused, when there is one."""

    def __init__(self, message: str, feature: str | None = None) -> None:
        super().__init__(message)
        self.feature = feature


@dataclass(frozen=True)
class WhatIfResult:
    """The team before and after the changes, in the scored-team shape."""

    before: dict[str, object]
    after: dict[str, object]
    changes: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {"changes": self.changes, "before": self.before, "after": self.after}


def score_team_months(
    bundle: ModelBundle,
    rows: pd.DataFrame,
    previous: pd.DataFrame | None,
    bands: BandRules,
    lang: Lang = "en",
    rule: FlagRule = DEFAULT_FLAG_RULE,
) -> list[dict[str, object]]:
    """Calibrated risk, band, drivers, flags and actions for every row of ``rows``."""
    if rows.empty:
        return []
    rows = rows.reset_index(drop=True)
    matrix = bundle.matrix(rows).to_numpy()
    return _scored(
        bundle, frame_records(rows), matrix, previous_by_team(previous), bands, lang, rule
    )


def score_records(
    bundle: ModelBundle,
    records: Sequence[Mapping[str, object]],
    bands: BandRules,
    lang: Lang = "en",
    rule: FlagRule = DEFAULT_FLAG_RULE,
) -> list[dict[str, object]]:
    """:func:`score_team_months` for plain dicts (no month before: no "up from").

    The service's path: a one-record request spent most of its ~2.7 ms of scoring in
    pandas (building, encoding and splitting one-row frames); from dicts through a NumPy
    matrix it takes ~0.15 ms. Both paths meet in :func:`_scored`, so the answers are the
    batch job's.
    """
    if not records:
        return []
    matrix = encode_records(records, bundle.features)
    return _scored(bundle, records, matrix, {}, bands, lang, rule)


def _scored(
    bundle: ModelBundle,
    records: Sequence[Mapping[str, object]],
    matrix: np.ndarray,
    previous: Mapping[str, Mapping[str, object]],
    bands: BandRules,
    lang: Lang,
    rule: FlagRule,
) -> list[dict[str, object]]:
    points, risk = probability_points(
        bundle.contributions_array(matrix),
        bundle.calibration.slope,
        bundle.calibration.intercept,
    )
    return explain_records(
        records,
        previous,
        risk,
        points,
        bundle.features.names,
        FEATURES,
        bands,
        bundle.version,
        lang,
        rule,
    )


def parse_changes(assignments: list[str]) -> dict[str, float]:
    """``["overtime_mean_hours=20", ...]`` → ``{"overtime_mean_hours": 20.0}``."""
    changes: dict[str, float] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise WhatIfRefused(f"--set takes FEATURE=VALUE, got {item!r}")
        try:
            changes[name] = float(raw)
        except ValueError as not_a_number:
            raise WhatIfRefused(f"{name}: {raw!r} is not a number") from not_a_number
    return changes


def check_changes(changes: Mapping[str, float]) -> None:
    """Only actionable catalogue features, with finite values in their natural range."""
    if not changes:
        raise WhatIfRefused("no change given: pass at least one FEATURE=VALUE")
    for name, value in changes.items():
        spec = SPECS.get(name)
        if spec is None:
            raise WhatIfRefused(f"{name}: not a feature (see docs/features.md for the names)")
        if not spec.actionable:
            raise WhatIfRefused(
                f"{name}: cannot be changed in a what-if (it describes the team, not "
                "something HR can act on)"
            )
        if not math.isfinite(value) or value < 0:
            raise WhatIfRefused(f"{name}: {value} is not a possible value (must be >= 0)")
        if "share" in name and value > 1:
            raise WhatIfRefused(f"{name}: {value} is a share and must be between 0 and 1")


def what_if(
    bundle: ModelBundle,
    row: pd.DataFrame,
    previous: pd.DataFrame | None,
    changes: Mapping[str, float],
    bands: BandRules,
    lang: Lang = "en",
    rule: FlagRule = DEFAULT_FLAG_RULE,
) -> WhatIfResult:
    """Risk and reasons of one team-month before and after changing actionable features."""
    if len(row) != 1:
        raise ValueError("what_if scores exactly one team-month")
    check_changes(changes)
    changed = row.copy()
    small = is_small_team(changed["headcount"].iloc[0] if "headcount" in changed else None)
    for name, value in changes.items():
        if SPECS[name].survey_derived and bool(changed["survey_suppressed"].iloc[0]):
            raise WhatIfRefused(
                f"{name}: this team's survey figures are suppressed (fewer than 5 responses)",
                name,
            )
        if small and hidden_for_small_team(SPECS[name]):
            # how the risk moves as the figure moves would reveal it (a binary search did)
            raise WhatIfRefused(
                f"{name}: per-member figures of teams under {MIN_TEAM_FOR_FIGURES} members "
                "are not shown, so they cannot be changed in a what-if either",
                name,
            )
        changed[name] = float(value)
    before = score_team_months(bundle, row, previous, bands, lang, rule)[0]
    after = score_team_months(bundle, changed, previous, bands, lang, rule)[0]
    return WhatIfResult(before=before, after=after, changes=dict(changes))
