"""The rules of a recorded intervention, shared by ingest, the CLI, the API and the page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipelines.contract import EARLIEST_DATE, LATEST_DATE
from pipelines.interventions import (
    FILE_RULES,
    FIRST_DAY,
    LAST_DAY,
    ROW_RULES,
    InterventionRefusedError,
    check_row,
    intervention_ids,
    make_intervention_id,
)

TEAMS = {"T1": "hr", "T2": "it"}


def row(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "team_id": "T1",
        "start_date": "2026-10-01",
        "intervention": "buffer",
        "action_id": "no_overtime_day",
        "departments": TEAMS,
        "recorded_by": "cli",
    }
    return {**values, **changes}


def test_the_id_is_made_from_the_content_and_stable() -> None:
    # given the same content twice, and content that differs in the note only
    day = dt.date(2026, 10, 1)
    first = make_intervention_id("T1", day, "buffer", "no_overtime_day", None, None)
    again = make_intervention_id("T1", "2026-10-01", "buffer", "no_overtime_day", None, None)
    other = make_intervention_id("T1", day, "buffer", "no_overtime_day", "note", None)
    # then the same content gives the same id, "iv-" and 16 hex digits
    assert first == again != other
    assert first.startswith("iv-") and len(first) == 19


def test_a_file_row_and_a_single_row_get_the_same_id() -> None:
    # given the same fact as a table row without id and as a checked single row
    frame = pd.DataFrame(
        {
            "team_id": ["T1"],
            "start_date": [pd.Timestamp("2026-10-01")],
            "intervention": ["buffer"],
            "action_id": ["no_overtime_day"],
            "note": [None],
            "intervention_id": [None],
            "cancels": [None],
        }
    ).astype({"note": "str", "intervention_id": "str", "cancels": "str"})
    # when both are given their ids
    from_file = intervention_ids(frame).iloc[0]
    single = check_row(**row())  # type: ignore[arg-type]
    # then they are the same fact
    assert from_file == single.intervention_id


def test_a_good_row_is_recorded_with_the_team_department() -> None:
    # when a good row is checked
    checked = check_row(**row(note="  ", start_date=dt.date(2026, 10, 1)))  # type: ignore[arg-type]
    # then it carries the department, a blank note is no note, and the time is UTC
    assert (checked.department, checked.note, checked.recorded_by) == ("hr", None, "cli")
    assert checked.recorded_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"team_id": "T9"}, "team_id", "must reference teams.team_id"),
        ({"start_date": "2026-13-01"}, "start_date", "an ISO date YYYY-MM-DD"),
        ({"intervention": "party"}, "intervention", "one of buffer, recognition"),
        ({"action_id": "free_pizza"}, "action_id", "an action id of the catalogue"),
        ({"action_id": "peer_bonus"}, "action_id", "intervention type is the row's"),
        ({"note": "x" * 501}, "note", "at most 500 characters"),
        ({"intervention_id": "A", "cancels": "A"}, "cancels", "does not cancel itself"),
    ],
)
def test_each_broken_rule_names_its_field(
    changes: dict[str, object], field: str, message: str
) -> None:
    # when a row breaking one rule is checked
    with pytest.raises(InterventionRefusedError) as refused:
        check_row(**row(**changes))  # type: ignore[arg-type]
    # then the refusal names the field and the rule
    assert refused.value.field == field
    assert message in str(refused.value)


def test_single_rows_keep_to_the_contract_dates() -> None:
    # given the contract's plausible date range
    # then a single row is held to the same range
    assert (EARLIEST_DATE.date(), LATEST_DATE.date()) == (FIRST_DAY, LAST_DAY)
    with pytest.raises(InterventionRefusedError, match="a plausible date"):
        check_row(**row(start_date="0001-01-01"))  # type: ignore[arg-type]


def test_every_rule_has_its_own_text() -> None:
    # given the rules the contract checks on files (problems find their columns by text)
    texts = [rule.rule for rule in (*ROW_RULES, *FILE_RULES)]
    # then no two share one
    assert len(texts) == len(set(texts))
