"""Months of history per team-month, on hand-made tables."""

from __future__ import annotations

import math

import pandas as pd

from features.history import history_months, team_first_days
from tests.features.tiny import tiny_tables


def counts(rows: pd.DataFrame, first_month: str, first_days: pd.Series) -> dict:
    found = history_months(rows["team_id"], rows["month"], first_month, first_days)
    return dict(zip(zip(rows["team_id"], rows["month"], strict=True), found, strict=True))


def pairs(*items: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"team_id": [t for t, _ in items], "month": [m for _, m in items]})


def test_history_counts_from_the_export_start_or_the_first_member_whichever_is_later() -> None:
    # given T1 with a member since 2019 and T2 whose first member was hired in 2024-03,
    # in an export whose timesheets start in 2024-01
    tables = tiny_tables(
        employees=[
            ("E1", "T1", "2019-04-01", None, None, 10.0),
            ("E2", "T2", "2024-03-15", None, None, 10.0),
            ("E3", "T2", "2024-05-01", None, None, 10.0),
        ]
    )
    rows = pairs(
        ("T1", "2024-01"),
        ("T1", "2024-05"),
        ("T1", "2024-06"),
        ("T2", "2024-02"),
        ("T2", "2024-03"),
        ("T2", "2024-08"),
        ("T2", "2024-09"),
    )
    # when the history is counted
    first_days = team_first_days(tables.employees, tables.assignments)
    found = counts(rows, "2024-01", first_days)
    # then T1 counts from the export's first month, T2 from its first member's month, both
    # months included; a month before the team had anyone holds none
    assert found == {
        ("T1", "2024-01"): 1.0,
        ("T1", "2024-05"): 5.0,
        ("T1", "2024-06"): 6.0,
        ("T2", "2024-02"): 0.0,
        ("T2", "2024-03"): 1.0,
        ("T2", "2024-08"): 6.0,
        ("T2", "2024-09"): 7.0,
    }


def test_with_assignments_a_team_starts_with_its_first_period() -> None:
    # given E1 hired into T1 in 2018 (employees.team_id is its current team, T2) and moved to
    # T2 in 2024-04; E2 hired in 2018 with no period at all (in T1 by employees.team_id);
    # E3 hired in 2017 before its first period (in T3 until then), moved to T2 in 2024-02
    tables = tiny_tables(
        employees=[
            ("E1", "T2", "2018-01-10", None, None, 10.0),
            ("E2", "T1", "2018-06-01", None, None, 10.0),
            ("E3", "T3", "2017-01-01", None, None, 10.0),
        ],
        assignments=[
            ("E1", "T1", "2018-01-10", "2024-03-31"),
            ("E1", "T2", "2024-04-01", None),
            ("E3", "T2", "2024-02-01", None),
        ],
        teams=("T1", "T2", "T3"),
    )
    # when the teams' first days are found
    first = team_first_days(tables.employees, tables.assignments)
    # then T2 starts with E3's period (not with E1's hire date, though T2 is E1's team now),
    # T1 with E1's first period, T3 with E3's hire (the fallback before its first period)
    assert first.to_dict() == {
        "T1": pd.Timestamp("2018-01-10"),
        "T2": pd.Timestamp("2024-02-01"),
        "T3": pd.Timestamp("2017-01-01"),
    }
    months = history_months(
        pd.Series(["T1", "T2", "T3"]), pd.Series(["2024-06"] * 3), "2023-01", first
    )
    assert months.tolist() == [18.0, 5.0, 18.0]


def test_a_period_never_starts_before_the_hire_date() -> None:
    # given a period entered as starting before the employee was hired
    tables = tiny_tables(
        employees=[("E1", "T1", "2024-03-01", None, None, 10.0)],
        assignments=[("E1", "T1", "2023-01-01", None)],
    )
    # then the team's first member day is the hire date
    assert team_first_days(tables.employees, tables.assignments).to_dict() == {
        "T1": pd.Timestamp("2024-03-01")
    }


def test_a_team_without_members_has_no_history_and_no_export_start_means_unknown() -> None:
    # given T2 with nobody in it
    tables = tiny_tables(employees=[("E1", "T1", "2020-01-01", None, None, 10.0)])
    first = team_first_days(tables.employees, tables.assignments)
    rows = pairs(("T1", "2024-06"), ("T2", "2024-06"))
    # then T2 holds 0 months; with no timesheet in the export the count is unknown
    assert history_months(rows["team_id"], rows["month"], "2024-01", first).tolist() == [6.0, 0.0]
    unknown = history_months(rows["team_id"], rows["month"], None, first)
    assert all(math.isnan(v) for v in unknown)
