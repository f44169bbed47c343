"""Leave features: the statutory table, uptake pace, the 5-day floor, days since last leave."""

from __future__ import annotations

import numpy as np
import pytest

from features.build import compute_features
from features.leave import statutory_leave_days
from features.tables import Tables
from tests.features.tiny import features, row, tiny_tables


def test_statutory_table_by_years_of_service() -> None:
    # given years of service around every step of Labor Standards Act art. 39
    years = np.array([0.0, 0.49, 0.5, 1.49, 1.5, 2.5, 3.5, 4.5, 5.5, 6.49, 6.5, 30.0])
    # when the days granted are looked up
    days = statutory_leave_days(years)
    # then they follow 0 / 10, 11, 12, 14, 16, 18, 20
    assert days.tolist() == [0, 0, 10, 10, 11, 12, 14, 16, 18, 18, 20, 20]


def _june_tables() -> Tables:
    return tiny_tables(
        employees=[
            # E1 granted 20 days explicitly; E2 statutory: 3.49 years at 30 June 2025 -> 12
            ("E1", "T1", "2020-04-01", None, None, 20.0),
            ("E2", "T1", "2022-01-01", None, None, None),
            # E3 under 6 months of service: nothing granted yet
            ("E3", "T1", "2025-03-01", None, None, None),
        ],
        leave=[
            ("E1", "2025-03-10", "annual_paid", 1.0),  # previous fiscal year
            ("E1", "2025-03-11", "annual_paid", 1.0),
            ("E1", "2025-04-14", "annual_paid", 1.0),
            ("E1", "2025-05-07", "annual_paid", 1.0),
            ("E1", "2025-06-09", "annual_paid", 0.5),
            ("E1", "2025-06-10", "annual_paid", 0.5),
            ("E2", "2025-05-20", "sick", 1.0),
            ("E2", "2025-05-21", "sick", 1.0),
            ("E3", "2025-06-02", "special", 1.0),
        ],
    )


def test_uptake_pace_is_days_taken_over_days_granted_pro_rated_to_date() -> None:
    # given June 2025: a quarter of fiscal year 2025 has elapsed
    june = row(features(_june_tables(), ["2025-06"]), "T1", "2025-06")
    # then pace = taken (E1 3, E2 0) / granted x 3/12 (E1 5, E2 3) = 3 / 8; E3 is not counted
    assert june["leave_uptake_pace"] == pytest.approx(3.0 / 8.0)


def test_off_track_means_behind_a_straight_line_to_five_days() -> None:
    june = row(features(_june_tables(), ["2025-06"]), "T1", "2025-06")
    # then the line stands at 5 x 3/12 = 1.25 days: E1 (3) is on track, E2 (0) is not;
    # E3 is granted under 10 days and is not counted
    assert june["leave_share_off_track_5day"] == pytest.approx(0.5)


def test_days_since_last_leave_sick_days_and_paid_days() -> None:
    june = row(features(_june_tables(), ["2025-06"]), "T1", "2025-06")
    # then days since last paid leave: E1 20 (10 June), E2 365 (none: capped), E3 121 (hired
    # 1 March, no paid leave) -> median 121
    assert june["leave_median_days_since_last"] == pytest.approx(121.0)
    # sick: E2's 2 days over 3 members
    assert june["sick_days_per_member_3m"] == pytest.approx(2.0 / 3.0)
    # paid days in Apr-Jun: E1 3 -> 1 per member; Jan-Mar: E1 2 -> trend (3 - 2) / 3
    assert june["leave_paid_days_per_member_3m"] == pytest.approx(1.0)
    assert june["leave_trend_3m"] == pytest.approx(1.0 / 3.0)


def test_fiscal_year_restarts_in_april() -> None:
    # given E1's two paid days in March 2025 and one in April
    table = features(_june_tables(), ["2025-03", "2025-04"])
    march, april = row(table, "T1", "2025-03"), row(table, "T1", "2025-04")
    # then in March (12/12 elapsed) E1 has 2 of 20 and E2 0 of 12 (3.2 years: 12 days)
    assert march["leave_uptake_pace"] == pytest.approx(2.0 / 32.0)
    # and in April (1/12 elapsed) only April's day counts: 1 / (20/12 + 12/12)
    assert april["leave_uptake_pace"] == pytest.approx(1.0 / (32.0 / 12.0))


def test_before_the_export_began_nothing_counts_as_zero() -> None:
    # given an export whose history starts in May 2025 (first timesheet row)
    tables = tiny_tables(
        employees=[("E1", "T1", "2020-04-01", None, None, 12.0)],
        timesheets=[("E1", "2025-05-01", 8.0, 8.0)],
        leave=[("E1", "2025-06-10", "annual_paid", 1.0)],
    )
    # when May and June are built with the default history start
    table = compute_features(tables, ["2025-05", "2025-06"])
    june = row(table, "T1", "2025-06")
    # then the pace is pro-rated over May-June only: 1 / (12 x 2/12)
    assert june["leave_uptake_pace"] == pytest.approx(0.5)
    # and 3-month windows reaching back before May are missing, not zero
    assert np.isnan(june["leave_paid_days_per_member_3m"])
    assert np.isnan(june["sick_days_per_member_3m"])
    # days since last leave: 20 (10 June); in May none seen since 1 May: 30, a lower bound
    assert june["leave_median_days_since_last"] == pytest.approx(20.0)
    assert row(table, "T1", "2025-05")["leave_median_days_since_last"] == pytest.approx(30.0)
