"""What HR did (issue 20): the one home of the rules of a recorded intervention.

The contract's ``interventions`` table (ingest and ``erisk interventions import``), the CLI's
``add``, the API's ``POST /v1/interventions`` and the HR page's form all go through the
rules and the id making here, so that a row is checked the same way wherever it comes from.
Rows are facts: never edited, never deleted; a correction is a new row that ``cancels`` the
wrong one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.interventions import INTERVENTIONS, load_catalogue
from pipelines.errors import UserError
from pipelines.problems import Problem

NOTE_MAX = 500
# the contract's plausible dates (pipelines.contract.EARLIEST_DATE and LATEST_DATE; a test
# checks they agree: the contract imports this module, not the other way round)
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
ID_PREFIX = "iv-"
ID_HEX = 16
ID_MAX = 100
# who recorded a row that did not come through an API key
IMPORT = "import"
CLI = "cli"
# the contract's columns, in its order (``pipelines.contract.INTERVENTIONS``)
COLUMNS: tuple[str, ...] = (
    "team_id",
    "start_date",
    "intervention",
    "action_id",
    "note",
    "intervention_id",
    "cancels",
)

Predicate = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class RowRule:
    """A rule over some columns of each row, with the text users see when it breaks."""

    columns: tuple[str, ...]
    rule: str
    passes: Predicate


def _action_types() -> dict[str, str]:
    return {action.id: action.intervention for action in load_catalogue().actions}


def _known_action(frame: pd.DataFrame) -> pd.Series:
    action = frame["action_id"]
    return action.isna() | action.isin(list(_action_types()))


def _action_of_its_type(frame: pd.DataFrame) -> pd.Series:
    """An action of the other type is refused (an unknown one is the rule above's)."""
    types = frame["action_id"].map(_action_types())
    return types.isna() | (types == frame["intervention"])


def _short_note(frame: pd.DataFrame) -> pd.Series:
    return frame["note"].isna() | (frame["note"].str.len() <= NOTE_MAX)


def _short_id(column: str) -> Predicate:
    def short(frame: pd.DataFrame) -> pd.Series:
        values = frame[column]
        return values.isna() | ((values.str.len() <= ID_MAX) & (values.str.strip() != ""))

    return short


def _given_ids_unique(frame: pd.DataFrame) -> pd.Series:
    """Given ids are unique; rows without one get theirs from their content."""
    given = frame["intervention_id"]
    return given.isna() | ~given.duplicated(keep=False)


def _not_itself(frame: pd.DataFrame) -> pd.Series:
    cancels = frame["cancels"]
    return cancels.isna() | (cancels != intervention_ids(frame))


ROW_RULES: tuple[RowRule, ...] = (
    RowRule(
        ("action_id",),
        "an action id of the catalogue (models/interventions.json)",
        _known_action,
    ),
    RowRule(
        ("intervention", "action_id"),
        "the action's intervention type is the row's intervention",
        _action_of_its_type,
    ),
    RowRule(("note",), f"at most {NOTE_MAX} characters", _short_note),
    # rule texts are distinct: a file's problem finds its columns by its rule's text
    RowRule(
        ("intervention_id",),
        f"an id: not blank, at most {ID_MAX} characters",
        _short_id("intervention_id"),
    ),
    RowRule(
        ("cancels",),
        f"an intervention_id: not blank, at most {ID_MAX} characters",
        _short_id("cancels"),
    ),
    RowRule(("cancels",), "a row does not cancel itself", _not_itself),
)
"""The rules a contract column type cannot say; ``pipelines.contract`` checks them on files
and :func:`check_row` on single rows."""
FILE_RULES: tuple[RowRule, ...] = (RowRule(("intervention_id",), "unique", _given_ids_unique),)
"""Rules over the rows of one file."""
CANCELS_RULE = "must reference an intervention_id of this file or one recorded before"


class InterventionRefusedError(UserError):
    """A row that breaks a rule, with the field it is about (for a 400's ``loc``)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def make_intervention_id(
    team_id: str,
    start_date: dt.date | str,
    intervention: str,
    action_id: str | None,
    note: str | None,
    cancels: str | None,
) -> str:
    """A stable id from the row's content: importing the same history twice adds nothing."""
    day = start_date if isinstance(start_date, str) else start_date.isoformat()
    parts = (team_id, day, intervention, action_id, note, cancels)
    text = "|".join("" if part is None else str(part) for part in parts)
    return ID_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_HEX]


def intervention_ids(frame: pd.DataFrame) -> pd.Series:
    """Each row's given id, or the one made from its content when absent."""
    made = [
        given
        if isinstance(given, str)
        else make_intervention_id(
            str(row.team_id),
            _day(row.start_date),
            str(row.intervention),
            _text(row.action_id),
            _text(row.note),
            _text(row.cancels),
        )
        for given, row in zip(frame["intervention_id"], frame.itertuples(index=False), strict=True)
    ]
    return pd.Series(made, index=frame.index, dtype="str")


def _day(value: Any) -> str:
    """A start date as the id's text (a missing one, which the contract refuses, as '')."""
    stamp = pd.Timestamp(value) if value is not None else pd.NaT
    return "" if pd.isna(stamp) else stamp.date().isoformat()


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


@dataclass(frozen=True)
class NewIntervention:
    """A checked row, ready to record (``department``: the team's at recording, for scope)."""

    intervention_id: str
    team_id: str
    department: str | None
    start_date: dt.date
    intervention: str
    action_id: str | None
    note: str | None
    cancels: str | None
    recorded_by: str
    recorded_at: dt.datetime

    def as_row(self) -> dict[str, Any]:
        return {
            "intervention_id": self.intervention_id,
            "team_id": self.team_id,
            "department": self.department,
            "start_date": self.start_date,
            "intervention": self.intervention,
            "action_id": self.action_id,
            "note": self.note,
            "cancels": self.cancels,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at,
        }


def now() -> dt.datetime:
    """The recording time: UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def check_row(
    *,
    team_id: str,
    start_date: dt.date | str,
    intervention: str,
    action_id: str | None = None,
    note: str | None = None,
    cancels: str | None = None,
    intervention_id: str | None = None,
    departments: Mapping[str, str | None],
    recorded_by: str,
) -> NewIntervention:
    """One row from the CLI, the API or the page, checked by the contract's rules.

    ``departments`` maps the known teams (the current snapshot's) to their department; an
    unknown team is refused. Whether ``cancels`` names a recorded row is the store's check
    (:meth:`pipelines.scores_store.ScoresStore.add_interventions`)."""
    team_id = str(team_id).strip()
    if team_id not in departments:
        raise InterventionRefusedError(
            f"team_id {team_id!r}: must reference teams.team_id (not in the current snapshot)",
            "team_id",
        )
    start = _date(start_date)
    if intervention not in INTERVENTIONS:
        raise InterventionRefusedError(
            f"intervention {intervention!r}: one of {', '.join(INTERVENTIONS)}", "intervention"
        )
    values = {
        "team_id": team_id,
        "start_date": pd.Timestamp(start),
        "intervention": intervention,
        "action_id": _blank_to_none(action_id),
        "note": _blank_to_none(note),
        "intervention_id": _blank_to_none(intervention_id),
        "cancels": _blank_to_none(cancels),
    }
    frame = pd.DataFrame([values]).astype({name: "str" for name in COLUMNS if name != "start_date"})
    for rule in ROW_RULES:
        if not bool(rule.passes(frame).iloc[0]):
            field = rule.columns[-1]
            shown = values[field]
            if isinstance(shown, str) and len(shown) > 40:
                shown = shown[:40] + "…"
            raise InterventionRefusedError(f"{field} {shown!r}: {rule.rule}", field)
    return NewIntervention(
        intervention_id=str(intervention_ids(frame).iloc[0]),
        team_id=team_id,
        department=departments[team_id],
        start_date=start,
        intervention=intervention,
        action_id=values["action_id"],
        note=values["note"],
        cancels=values["cancels"],
        recorded_by=recorded_by,
        recorded_at=now(),
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value if value.strip() else None


def _date(value: dt.date | str) -> dt.date:
    """The start as a date in the contract's plausible range (a file's dates are held to
    the same range by the contract's date kind)."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError as bad:
            raise InterventionRefusedError(
                f"start_date {value!r}: an ISO date YYYY-MM-DD", "start_date"
            ) from bad
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InterventionRefusedError(
            f"start_date {day.isoformat()!r}: a plausible date ({FIRST_DAY} to {LAST_DAY})",
            "start_date",
        )
    return day


def rows_of_table(
    frame: pd.DataFrame,
    departments: Mapping[str, str | None],
    recorded_by: str,
) -> list[NewIntervention]:
    """The rows of a checked ``interventions`` table (see :func:`table_problems`), with their
    ids made where absent; rows of the same content without an id are one fact."""
    ids = intervention_ids(frame)
    recorded_at = now()
    rows: dict[str, NewIntervention] = {}
    for intervention_id, row in zip(ids, frame.itertuples(index=False), strict=True):
        rows.setdefault(
            intervention_id,
            NewIntervention(
                intervention_id=intervention_id,
                team_id=str(row.team_id),
                department=departments.get(str(row.team_id)),
                start_date=pd.Timestamp(row.start_date).date(),
                intervention=str(row.intervention),
                action_id=_text(row.action_id),
                note=_text(row.note),
                cancels=_text(row.cancels),
                recorded_by=recorded_by,
                recorded_at=recorded_at,
            ),
        )
    return list(rows.values())


def cancels_problems(
    frame: pd.DataFrame, recorded: Collection[str], file: str, unit: str, first_line: int
) -> list[Problem]:
    """Rows whose ``cancels`` names neither a row of this file nor one recorded before."""
    known = set(intervention_ids(frame)) | set(recorded)
    cancels = frame["cancels"]
    broken = cancels.notna().to_numpy() & ~cancels.isin(list(known)).to_numpy()
    if not broken.any():
        return []
    return [
        Problem.for_rows(file, "cancels", CANCELS_RULE, np.flatnonzero(broken), unit, first_line)
    ]
