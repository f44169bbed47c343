"""Overtime features on hand-made timesheets, values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from features.build import compute_features
from tests.features.tiny import features, row, tiny_tables

HIRED = "2020-04-01"


def _day(employee: str, date: str, overtime: float) -> tuple[str, str, float, float]:
    return (employee, date, 8.0, 8.0 + overtime)


def test_overtime_per_member_counts_only_hours_beyond_the_schedule() -> None:
    # given E1 with 30 h + 20 h of overtime in May, E2 with 50 h and one short day, E3 none
    tables = tiny_tables(
        employees=[
            ("E1", "T1", HIRED, None, None, None),
            ("E2", "T1", HIRED, None, None, None),
            ("E3", "T1", HIRED, None, None, None),
        ],
        timesheets=[
            _day("E1", "2025-05-12", 30.0 / 2),
            _day("E1", "2025-05-13", 30.0 / 2),
            _day("E1", "2025-05-14", 10.0),
            _day("E1", "2025-05-15", 10.0),
            _day("E2", "2025-05-12", 16.0),
            _day("E2", "2025-05-13", 16.0),
            _day("E2", "2025-05-14", 16.0),
            _day("E2", "2025-05-15", 2.0),
            ("E2", "2025-05-16", 8.0, 4.0),  # a short day is not negative overtime
            _day("E3", "2025-05-12", 0.0),
        ],
    )
    # when May is built
    may = row(features(tables, ["2025-05"]), "T1", "2025-05")
    # then: hours per member are E1 50, E2 50, E3 0
    assert may["overtime_mean_hours"] == pytest.approx(100.0 / 3)
    # p90 of [0, 50, 50] with linear interpolation: position 1.8 -> 50
    assert may["overtime_p90_hours"] == pytest.approx(50.0)
    assert may["overtime_share_over_45h"] == pytest.approx(2 / 3)
    # team T2 has no members: missing, not zero
    assert np.isnan(row(features(tables, ["2025-05"]), "T2", "2025-05")["overtime_mean_hours"])


def test_months_over_45h_and_trend_follow_the_current_members() -> None:
    # given E1 over 45 h in Jan and May 2025 (and in Oct 2024, outside the 6 months), 10 h in March
    tables = tiny_tables(
        employees=[
            ("E1", "T1", HIRED, None, None, None),
            ("E2", "T1", HIRED, None, None, None),
        ],
        timesheets=[
            _day("E1", "2024-10-10", 46.0),
            _day("E1", "2025-01-10", 46.0),
            _day("E1", "2025-03-10", 10.0),
            _day("E1", "2025-05-09", 46.0),
        ],
    )
    # when May is built
    may = row(features(tables, ["2025-05"]), "T1", "2025-05")
    # then E1 has 2 months over 45 h in Dec..May, E2 none: mean 1
    assert may["overtime_months_over_45h_6m"] == pytest.approx(1.0)
    # trend: (May - March) / 2 per member: E1 (46 - 10) / 2 = 18, E2 0 -> 9
    assert may["overtime_trend_3m"] == pytest.approx(9.0)


def test_members_who_left_or_have_not_joined_by_month_end_are_not_counted() -> None:
    # given E1 working all May, E2 leaving on 20 May, E3 hired on 1 June
    tables = tiny_tables(
        employees=[
            ("E1", "T1", HIRED, None, None, None),
            ("E2", "T1", HIRED, "2025-05-20", "voluntary", None),
            ("E3", "T1", "2025-06-01", None, None, None),
        ],
        timesheets=[_day("E1", "2025-05-12", 10.0), _day("E2", "2025-05-12", 90.0)],
    )
    # when May is built
    may = row(features(tables, ["2025-05"]), "T1", "2025-05")
    # then only E1 counts
    assert may["headcount"] == 1.0
    assert may["overtime_mean_hours"] == pytest.approx(10.0)


def test_windows_reaching_before_the_export_are_missing() -> None:
    # given an export starting in March 2025
    tables = tiny_tables(
        employees=[("E1", "T1", HIRED, None, None, None)],
        timesheets=[_day("E1", "2025-03-10", 50.0), _day("E1", "2025-05-12", 10.0)],
    )
    # when March to May are built with the default history start
    table = compute_features(tables, ["2025-03", "2025-04", "2025-05"])
    # then the 3-month trend exists from May (March is the first month) and not before
    assert np.isnan(row(table, "T1", "2025-04")["overtime_trend_3m"])
    assert row(table, "T1", "2025-05")["overtime_trend_3m"] == pytest.approx(-20.0)
    # the 6-month count is missing until six months are observed; the month itself is not
    assert np.isnan(row(table, "T1", "2025-05")["overtime_months_over_45h_6m"])
    assert row(table, "T1", "2025-03")["overtime_mean_hours"] == pytest.approx(50.0)
