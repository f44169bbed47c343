"""Membership rules and team features: headcount, tenure, exits, hires, transfers."""

from __future__ import annotations

import numpy as np
import pytest

from features.tables import Tables
from tests.features.tiny import features, row, tiny_tables

OLD = "2020-04-01"


def _assigned_tables(with_future_period: bool = False) -> Tables:
    assignments = [
        ("E1", "T1", OLD, "2025-04-30"),  # moves to T2 on 1 May
        ("E1", "T2", "2025-05-01", None),
        ("E4", "T1", OLD, "2025-03-31"),  # between teams in April and May
        ("E4", "T2", "2025-06-01", None),
    ]
    if with_future_period:
        assignments.append(("E3", "T2", "2025-07-01", None))
    return tiny_tables(
        employees=[
            ("E1", "T2", OLD, None, None, None),
            ("E2", "T1", OLD, None, None, None),  # no periods: employees.team_id
            ("E3", "T1", "2025-01-01", None, None, None),
            ("E4", "T2", OLD, None, None, None),
        ],
        assignments=assignments,
    )


def test_membership_comes_from_the_period_covering_the_month_end() -> None:
    # given assignment periods (see _assigned_tables)
    table = features(_assigned_tables(), ["2025-04", "2025-05", "2025-06"])
    # then April: T1 has E1, E2, E3 (E4 between teams); May: E1 has moved to T2
    assert row(table, "T1", "2025-04")["headcount"] == 3.0
    assert row(table, "T2", "2025-04")["headcount"] == 0.0
    assert row(table, "T1", "2025-05")["headcount"] == 2.0
    assert row(table, "T2", "2025-05")["headcount"] == 1.0
    # June: E4 joins T2
    assert row(table, "T2", "2025-06")["headcount"] == 2.0
    # transfers over M-2..M: E1's move counts once for each team; E4's return to T2 is a
    # new period after one in T1, so it counts too
    assert row(table, "T1", "2025-06")["transfers_3m"] == 2.0
    assert row(table, "T2", "2025-06")["transfers_3m"] == 2.0
    assert row(table, "T1", "2025-04")["transfers_3m"] == 0.0


def test_a_future_period_does_not_rewrite_the_past() -> None:
    # given the same tables, once with a period for E3 starting in July
    months = ["2025-04", "2025-05", "2025-06"]
    before = features(_assigned_tables(), months)
    after = features(_assigned_tables(with_future_period=True), months)
    # then E3 still counts in T1 (employees.team_id) until then
    assert (after["headcount"] == before["headcount"]).all()


def test_without_assignments_transfers_are_missing() -> None:
    tables = tiny_tables(employees=[("E1", "T1", OLD, None, None, None)])
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    assert np.isnan(june["transfers_3m"])
    assert june["department"] == "accounting"


def test_exits_hires_and_tenure_over_the_last_three_months() -> None:
    # given T1: two long-serving members, one hired in May, one who quit in April,
    # one who retired in February (outside Apr-Jun), one hired in July (after June)
    tables = tiny_tables(
        employees=[
            ("E1", "T1", OLD, None, None, None),
            ("E2", "T1", "2021-06-30", None, None, None),
            ("E3", "T1", "2025-05-12", None, None, None),
            ("E4", "T1", OLD, "2025-04-15", "voluntary", None),
            ("E5", "T1", OLD, "2025-02-28", "retirement", None),
            ("E6", "T1", "2025-07-01", None, None, None),
            ("E7", "T2", OLD, "2025-06-30", "involuntary", None),
        ]
    )
    # when June is built
    table = features(tables, ["2025-06"])
    t1, t2 = row(table, "T1", "2025-06"), row(table, "T2", "2025-06")
    # then
    assert t1["headcount"] == 3.0
    assert t1["exits_3m"] == 1.0
    assert t1["voluntary_exits_3m"] == 1.0
    assert t1["hires_3m"] == 1.0
    assert t1["tenure_share_under_1y"] == pytest.approx(1 / 3)
    # tenure at 30 June 2025: E1 5.25 y, E2 4.0 y, E3 0.13 y -> median E2
    assert t1["tenure_median_years"] == pytest.approx(1461 / 365.25)
    # E7 left on June's last day: exited on or before it, so not counted, but an exit
    assert t2["headcount"] == 0.0
    assert t2["exits_3m"] == 1.0
    assert t2["voluntary_exits_3m"] == 0.0
