"""Request and response shapes of the ``/v1`` API (pydantic, so the OpenAPI documents them).

Input models forbid unknown fields and bound every list, so that a bad request is a 400 with
field-level detail and never reaches the model. Output models document the scored-team shape
fixed in the interfaces; the service writes the dicts of ``models.scoring`` as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from features.calendar import MONTH_PATTERN
from features.catalogue import FEATURES

MAX_RECORDS = 1000
# the contract asks only for a non-blank string: any text up to the store's column size
TEAM_ID_PATTERN = r"\S"
TEAM_ID_MAX = 100
# intervention ids and action ids: the store's column size
ID_FIELD_MAX = 100
Lang = Literal["ja", "en"]
Intervention = Literal["buffer", "recognition"]
# the team's department comes from the snapshot's team table, never from the caller
CALLER_FEATURES = [spec.name for spec in FEATURES if spec.kind == "numeric"]

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class _RecordBase(BaseModel):
    model_config = _STRICT

    team_id: str = Field(
        min_length=1,
        max_length=TEAM_ID_MAX,
        pattern=TEAM_ID_PATTERN,
        description="A team id of the snapshot (any text).",
    )
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM", examples=["2026-10"])
    survey_suppressed: bool = Field(
        default=False,
        description="True when the month has fewer than 5 survey responses: survey-derived "
        "features are then ignored and never given as reasons.",
    )


ScoreRecord: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "ScoreRecord",
    __base__=_RecordBase,
    __doc__="One team-month: its id, month and features (missing ones may be omitted).",
    **{name: (float | None, Field(default=None)) for name in CALLER_FEATURES},
)


class ScoreRequest(BaseModel):
    """``POST /v1/score``: 1 to 1,000 team-months."""

    model_config = _STRICT

    records: list[ScoreRecord] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=MAX_RECORDS, description="1 to 1,000 team-months."
    )
    lang: Lang = "en"


ACTIONABLE = [spec.name for spec in FEATURES if spec.actionable]


class _ChangesBase(BaseModel):
    model_config = _STRICT

    @model_validator(mode="after")
    def _at_least_one(self) -> _ChangesBase:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one actionable feature and its new value")
        return self


WhatIfChanges: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "WhatIfChanges",
    __base__=_ChangesBase,
    __doc__="New values of actionable features (only these can be changed in a what-if).",
    **{
        name: (float | None, Field(default=None, ge=0, le=1 if "share" in name else None))
        for name in ACTIONABLE
    },
)


class WhatIfRequest(BaseModel):
    """``POST /v1/whatif``: a scored team-month and new values of actionable features."""

    model_config = _STRICT

    team_id: str = Field(min_length=1, max_length=TEAM_ID_MAX, pattern=TEAM_ID_PATTERN)
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-10"])
    changes: WhatIfChanges = Field(  # type: ignore[valid-type]
        description='Actionable feature → new value, e.g. {"overtime_mean_hours": 20}.'
    )
    lang: Lang = "en"


# ---- responses -------------------------------------------------------------------------
class Driver(BaseModel):
    """One reason: a feature, its value (hidden for teams under 5 members) and its weight."""

    feature: str
    value: float | None
    previous: float | None
    contribution: float = Field(description="Probability points (SHAP, calibrated).")
    text: str


class Action(BaseModel):
    """A recommended intervention from the catalogue."""

    model_config = ConfigDict(extra="allow")

    id: str
    intervention: Intervention
    title: str
    description: str | None = None
    signals: list[str] = []


class ScoredTeam(BaseModel):
    """A scored team: the ``erisk report --json`` row (no individual-level data)."""

    team_id: str
    team_name: str | None
    department: str | None
    month: str
    risk: float = Field(ge=0, le=1)
    band: Literal["low", "medium", "high"] = Field(
        description="By lift: high from 2.0, medium (watch) from 1.5, else low; always low "
        "for insufficient_history."
    )
    flags: list[Intervention] = Field(description="Set for medium and high teams only.")
    rank: int | None = Field(
        ge=1,
        description="1 = the month's highest risk among the teams with status scored (ties "
        "by team_id), among the key's own teams; null for insufficient_history, for "
        "posted records and what-ifs, and for months scored before ranks were stored.",
    )
    lift: float | None = Field(
        description="Risk over the model's base rate (its training labels' event rate); "
        "null only for months scored before lifts were stored."
    )
    review: bool | None = Field(
        description="On the month's review list (the high teams to act on first, at most "
        "k = ERISK_REVIEW_CAPACITY); null for posted records and what-ifs."
    )
    status: Literal["scored", "insufficient_history"] = Field(
        description="insufficient_history: under 6 months of history in the data (band "
        "low, no flag, no rank)."
    )
    drivers: list[Driver]
    actions: list[Action]
    model_version: int | None


class ScoreResponse(BaseModel):
    model_version: int | None
    results: list[ScoredTeam]


class HistoryPoint(BaseModel):
    month: str
    risk: float
    band: Literal["low", "medium", "high"]


class TeamRiskResponse(BaseModel):
    """A team's scored month with its last 12 scored months (oldest first)."""

    team_id: str
    month: str
    model_version: int | None
    result: ScoredTeam
    history: list[HistoryPoint]


class FlaggedResponse(BaseModel):
    """The review list of a month (review true, by rank), then the other medium and high
    teams (the watch list, by rank)."""

    month: str
    model_version: int | None
    intervention: Intervention | None
    department: str | None
    results: list[ScoredTeam]


class WhatIfResponse(BaseModel):
    team_id: str
    month: str
    changes: dict[str, float]
    before: ScoredTeam
    after: ScoredTeam


class ModelResponse(BaseModel):
    """The model this server resolved at start-up."""

    name: str
    version: int | None
    alias: str
    trained_at: str | None
    run_id: str | None
    metrics: dict[str, float]
    bands: dict[str, Any]
    model_card: str | None
    scored_months: list[str]


class InterventionRequest(BaseModel):
    """``POST /v1/interventions``: what HR did for one team (checked by the contract's rules
    in ``pipelines.interventions``, the same as the CLI and ingest)."""

    model_config = _STRICT

    team_id: str = Field(
        min_length=1,
        max_length=TEAM_ID_MAX,
        pattern=TEAM_ID_PATTERN,
        description="A team id of the current snapshot, in one of the key's departments.",
    )
    start_date: dt.date = Field(description="The first day (YYYY-MM-DD).")
    intervention: Intervention
    action_id: str | None = Field(
        default=None, max_length=ID_FIELD_MAX, description="An action id of the catalogue."
    )
    note: str | None = Field(default=None, description="At most 500 characters.")
    cancels: str | None = Field(
        default=None,
        max_length=ID_FIELD_MAX,
        description="The intervention_id of an earlier row (of the key's departments) that "
        "this row withdraws.",
    )


class RecordedIntervention(BaseModel):
    """A recorded intervention; ``cancelled`` when a later row withdrew it."""

    intervention_id: str
    team_id: str
    department: str | None
    start_date: str
    intervention: Intervention
    action_id: str | None
    note: str | None
    cancels: str | None
    recorded_by: str = Field(description="The key id, 'import' or 'cli'.")
    recorded_at: str = Field(description="UTC, ISO 8601.")
    cancelled: bool


class InterventionsResponse(BaseModel):
    """The recorded interventions of the key's departments, oldest start first."""

    interventions: list[RecordedIntervention]


Outcome = Literal["engagement", "overtime", "leave_uptake", "exits", "risk"]


class EffectRow(BaseModel):
    """The mean effect of one intervention type (``action_id`` null) or action on one
    outcome over the 6 months after the start, against similar teams."""

    intervention: Intervention
    action_id: str | None
    outcome: Outcome
    unit: str
    estimate: float | None = Field(description="Null unless status is estimated.")
    ci90: list[float | None] | None = Field(description="The 90 % interval [low, high].")
    placebo: float | None = Field(
        description="The same comparison on the months before the start (should be ~0)."
    )
    placebo_ci90: list[float | None] | None
    n: int = Field(ge=0, description="How many interventions were measured.")
    status: Literal["estimated", "too_few", "confounded"] = Field(
        description="too_few: fewer than 5 interventions; confounded: the treated and "
        "comparison teams were already moving apart before the start (no estimate)."
    )
    verdict: str = Field(
        description="The status in words (lang): too few to tell yet, confounded, no clear "
        "effect (the interval spans zero) or estimated."
    )


class TeamEffectRow(BaseModel):
    """One measured intervention's effect on one outcome, with its sentence (lang)."""

    intervention_id: str
    team_id: str
    month: str
    intervention: Intervention
    action_id: str | None
    outcome: Outcome
    estimate: float
    comparisons: int = Field(ge=0, description="How many similar teams it was compared with.")
    sentence: str


class EffectsResponse(BaseModel):
    """``GET /v1/effects``: what the key's departments' standing interventions did."""

    effects: list[EffectRow]
    teams: list[TeamEffectRow]
    waiting: list[str] = Field(
        description="Ids of standing interventions not measured: most have fewer than 6 "
        "scored months after their start yet."
    )
    last_month: str | None = Field(description="The last scored month the comparison used.")
    post_months: int


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(description='Where: e.g. ["body", "records", 0, "month"].')
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx answer: what went wrong and, for invalid input, which field."""

    error: str
    detail: list[ErrorDetail] = []


def valid_team_id(text: str) -> bool:
    """Whether ``text`` can be a team id (the rule the API's schema states)."""
    return 0 < len(text) <= TEAM_ID_MAX and not text.isspace()
