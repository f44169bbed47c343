"""The whole table: one-month = all-months, point in time, subset invariance, schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.build import (
    build_team_month,
    build_team_months,
    cut_as_of,
    history_start,
    scorable_months,
)
from features.calendar import month_end, month_range
from features.catalogue import feature_names, table_columns
from features.schema import team_month_schema
from features.tables import Tables
from tests.features.world import random_world

FEATURE_COLUMNS = ["team_id", "month", *feature_names(), "survey_suppressed"]
MONTHS = month_range("2024-01", "2025-06")


@lru_cache(maxsize=8)
def world(seed: int, with_assignments: bool) -> Tables:
    return random_world(seed, with_assignments=with_assignments)


def _features(frame: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    kept = frame.loc[frame["month"].isin(months), FEATURE_COLUMNS]
    return kept.sort_values(["month", "team_id"]).reset_index(drop=True)


@pytest.mark.parametrize("with_assignments", [False, True])
def test_one_month_path_equals_all_months_path(with_assignments: bool) -> None:
    # given a random world
    tables = world(11, with_assignments)
    # when every month is built at once and each month alone (cut at its end)
    every = build_team_months(tables)
    # then the rows are identical, bit for bit, labels included
    for month in scorable_months(tables):
        alone = build_team_month(tables, month)
        expected = every.loc[every["month"] == month].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, expected, check_exact=True)


def test_table_has_catalogue_columns_and_passes_its_schema() -> None:
    # given a random world
    tables = world(12, True)
    # when the table is built
    table = build_team_months(tables)
    # then columns follow the catalogue, one row per team and month, and the schema holds
    assert list(table.columns) == table_columns()
    assert len(table) == len(tables.teams) * len(scorable_months(tables))
    assert not table.duplicated(["team_id", "month"]).any()
    team_month_schema().validate(table)


def test_scorable_months_stop_before_a_month_whose_last_business_day_is_missing() -> None:
    # given timesheets ending on Friday 2025-06-27 (June's last business day is Monday the 30th)
    tables = world(12, False)
    cut = cut_as_of(tables, "2025-06")
    early = cut.timesheets.loc[cut.timesheets["work_date"] <= "2025-06-27"]
    shortened = Tables(**{**cut.present(), "timesheets": early})
    # when the scorable months are listed
    months = scorable_months(shortened)
    # then June is not among them, May is the last
    assert months[-1] == "2025-05"


# ---- point in time: later records and later exits change nothing up to M -----------------

_offsets = st.integers(min_value=1, max_value=400)


@dataclass(frozen=True)
class LaterRecords:
    """Records dated after ``month`` (offsets in days after its end) to add to a world."""

    seed: int
    with_assignments: bool
    month: str
    timesheets: list[tuple[int, int, float, float]]
    leave: list[tuple[int, int, str, float]]
    surveys: list[tuple[int, int, float, float]]
    weeks: list[tuple[int, int, float]]
    hires: list[tuple[int, int]]
    moves: list[tuple[int, int, int]]
    exit: tuple[int, int] | None


later_records = st.builds(
    LaterRecords,
    seed=st.integers(0, 2),
    with_assignments=st.booleans(),
    month=st.sampled_from(MONTHS[3:-1]),
    timesheets=st.lists(
        st.tuples(st.integers(0, 39), _offsets, st.floats(0, 24), st.floats(0, 24)), max_size=20
    ),
    leave=st.lists(
        st.tuples(
            st.integers(0, 39),
            _offsets,
            st.sampled_from(["annual_paid", "sick", "special"]),
            st.sampled_from([0.5, 1.0]),
        ),
        max_size=20,
    ),
    surveys=st.lists(
        st.tuples(st.integers(0, 3), _offsets, st.floats(0, 6), st.floats(1, 5)), max_size=30
    ),
    weeks=st.lists(st.tuples(st.integers(0, 3), _offsets, st.floats(0, 1e4)), max_size=8),
    hires=st.lists(st.tuples(st.integers(0, 3), _offsets), max_size=4),
    moves=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 3), _offsets), max_size=4),
    exit=st.one_of(st.none(), st.tuples(st.integers(0, 39), _offsets)),
)


def _frame(columns: dict[str, tuple[str, list[object]]]) -> pd.DataFrame:
    """A frame from ``name -> (dtype, values)``."""
    return pd.DataFrame(
        {name: pd.Series(values, dtype=dtype) for name, (dtype, values) in columns.items()}
    )


def _with_new_hires(
    tables: Tables, later: LaterRecords, after: Callable[[int], pd.Timestamp]
) -> pd.DataFrame:
    team_ids = tables.teams["team_id"].tolist()
    hires = _frame(
        {
            "employee_id": ("str", [f"N{i}" for i in range(len(later.hires))]),
            "team_id": ("str", [team_ids[team] for team, _ in later.hires]),
            "hire_date": ("datetime64[ns]", [after(offset) for _, offset in later.hires]),
            "exit_date": ("datetime64[ns]", [pd.NaT] * len(later.hires)),
            "exit_reason": ("str", [None] * len(later.hires)),
            "annual_leave_days": ("float64", [np.nan] * len(later.hires)),
        }
    )
    employees = pd.concat([tables.employees, hires], ignore_index=True)
    if later.exit is not None:
        who, offset = later.exit
        if not employees.loc[who, "exit_date"] <= after(0):
            employees.loc[who, "exit_date"] = after(offset)
            employees.loc[who, "exit_reason"] = "voluntary"
    return employees


def _with_moves(
    tables: Tables, later: LaterRecords, after: Callable[[int], pd.Timestamp]
) -> pd.DataFrame | None:
    """New assignment periods after M: the open period is closed the day before."""
    if tables.assignments is None:
        return None
    assignments = tables.assignments.copy()
    emp_ids = tables.employees["employee_id"].tolist()
    team_ids = tables.teams["team_id"].tolist()
    for who, team, offset in later.moves:
        start = after(offset)
        mine = assignments["employee_id"] == emp_ids[who]
        if (assignments.loc[mine, "start_date"] >= start).any():
            continue
        open_period = mine & assignments["end_date"].isna()
        if not open_period.any():
            continue
        assignments.loc[open_period, "end_date"] = start - pd.Timedelta(days=1)
        period = _frame(
            {
                "employee_id": ("str", [emp_ids[who]]),
                "team_id": ("str", [team_ids[team]]),
                "start_date": ("datetime64[ns]", [start]),
                "end_date": ("datetime64[ns]", [pd.NaT]),
            }
        )
        assignments = pd.concat([assignments, period], ignore_index=True)
    return assignments


def _append(tables: Tables, later: LaterRecords) -> Tables:
    """``tables`` plus the drawn records, all dated after the drawn month's end."""
    end = month_end(later.month)

    def after(offset: int) -> pd.Timestamp:
        return end + pd.Timedelta(days=offset)

    emp_ids = tables.employees["employee_id"].tolist()
    team_ids = tables.teams["team_id"].tolist()
    timesheets = _frame(
        {
            "employee_id": ("str", [emp_ids[r[0]] for r in later.timesheets]),
            "work_date": ("datetime64[ns]", [after(r[1]) for r in later.timesheets]),
            "scheduled_hours": ("float64", [r[2] for r in later.timesheets]),
            "worked_hours": ("float64", [r[3] for r in later.timesheets]),
        }
    )
    leave = _frame(
        {
            "employee_id": ("str", [emp_ids[r[0]] for r in later.leave]),
            "leave_date": ("datetime64[ns]", [after(r[1]) for r in later.leave]),
            "leave_type": ("str", [r[2] for r in later.leave]),
            "days": ("float64", [r[3] for r in later.leave]),
        }
    )
    surveys = _frame(
        {
            "response_id": ("str", [f"L{i}" for i in range(len(later.surveys))]),
            "team_id": ("str", [team_ids[r[0]] for r in later.surveys]),
            "survey_date": ("datetime64[ns]", [after(r[1]) for r in later.surveys]),
            "vigor": ("float64", [r[2] for r in later.surveys]),
            "dedication": ("float64", [r[2] for r in later.surveys]),
            "absorption": ("float64", [r[2] for r in later.surveys]),
            "recognition": ("float64", [r[3] for r in later.surveys]),
        }
    )
    # a week dated after M starts on a Monday after M's last day
    mondays = [
        after(r[1]) + pd.Timedelta(days=(7 - after(r[1]).day_of_week) % 7) for r in later.weeks
    ]
    weeks = _frame(
        {
            "team_id": ("str", [team_ids[r[0]] for r in later.weeks]),
            "week_start": ("datetime64[ns]", mondays),
            "volume": ("float64", [r[2] for r in later.weeks]),
            "backlog": ("float64", [r[2] / 2 for r in later.weeks]),
        }
    )
    workload = pd.concat([tables.workload, weeks], ignore_index=True)
    return Tables(
        teams=tables.teams,
        employees=_with_new_hires(tables, later, after),
        timesheets=pd.concat([tables.timesheets, timesheets], ignore_index=True),
        leave=pd.concat([tables.leave, leave], ignore_index=True),
        workload=workload.drop_duplicates(["team_id", "week_start"], keep="first"),
        surveys=pd.concat([tables.surveys, surveys], ignore_index=True),
        assignments=_with_moves(tables, later, after),
    )


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(records=later_records)
def test_later_records_leave_every_earlier_month_unchanged_all_months_path(
    records: LaterRecords,
) -> None:
    # given a world, and the same world with records dated after month M appended
    tables = world(records.seed, records.with_assignments)
    later = _append(tables, records)
    month = records.month
    months_up_to = MONTHS[: MONTHS.index(month) + 1]
    # when every month is built on both
    before = build_team_months(tables, MONTHS)
    after = build_team_months(later, MONTHS)
    # then every feature of every month <= M is unchanged
    pd.testing.assert_frame_equal(
        _features(after, months_up_to), _features(before, months_up_to), check_exact=True
    )


@settings(max_examples=40, deadline=None)
@given(records=later_records, back=st.integers(0, 3))
def test_later_records_leave_every_earlier_month_unchanged_one_month_path(
    records: LaterRecords, back: int
) -> None:
    # given a world, and the same world with records dated after month M appended
    tables = world(records.seed, records.with_assignments)
    later = _append(tables, records)
    month = MONTHS[MONTHS.index(records.month) - back]
    # when month M (or one before it) is built alone on both
    before = build_team_month(tables, month)
    after = build_team_month(later, month)
    # then its features are unchanged
    pd.testing.assert_frame_equal(
        _features(after, [month]), _features(before, [month]), check_exact=True
    )


# ---- subsets of teams ---------------------------------------------------------------------


def _subset(tables: Tables, keep: list[str]) -> Tables:
    """The tables a per-team partition would hold: kept teams and everyone ever in them."""
    employees = tables.employees
    in_kept = employees["team_id"].isin(keep)
    if tables.assignments is not None:
        ever = tables.assignments.loc[tables.assignments["team_id"].isin(keep), "employee_id"]
        in_kept |= employees["employee_id"].isin(ever)
    people = employees.loc[in_kept, "employee_id"]
    return Tables(
        teams=tables.teams.loc[tables.teams["team_id"].isin(keep)],
        employees=employees.loc[in_kept],
        timesheets=tables.timesheets.loc[tables.timesheets["employee_id"].isin(people)],
        leave=tables.leave.loc[tables.leave["employee_id"].isin(people)],
        workload=tables.workload.loc[tables.workload["team_id"].isin(keep)],
        surveys=tables.surveys.loc[tables.surveys["team_id"].isin(keep)],
        assignments=None
        if tables.assignments is None
        else tables.assignments.loc[tables.assignments["employee_id"].isin(people)],
    )


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2),
    with_assignments=st.booleans(),
    keep=st.sets(st.integers(0, 3), min_size=1, max_size=3),
)
def test_features_are_identical_on_any_subset_of_teams(
    seed: int, with_assignments: bool, keep: set[int]
) -> None:
    # given a world and a subset of its teams
    tables = world(seed, with_assignments)
    kept = [tables.teams["team_id"].iloc[i] for i in sorted(keep)]
    # when the table is built on the whole world and on the subset alone (a partition is
    # given the whole export's first month, as the Spark engine does)
    whole = build_team_months(tables, MONTHS)
    part = build_team_months(_subset(tables, kept), MONTHS, first_month=history_start(tables))
    # then the subset's rows are identical, labels included
    expected = whole.loc[whole["team_id"].isin(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.reset_index(drop=True), expected, check_exact=True)


def test_schema_rejects_survey_figures_on_a_suppressed_row() -> None:
    # given a valid table where one suppressed row leaks a survey mean
    table = build_team_months(world(12, False))
    suppressed = table.index[table["survey_suppressed"]][0]
    table.loc[suppressed, "survey_vigor_mean"] = 3.0
    # when it is validated, then the schema refuses it
    with pytest.raises(pandera.errors.SchemaError, match="survey features missing"):
        team_month_schema().validate(table)
