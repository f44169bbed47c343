"""Workload features: finished weeks only, windows, surge, variance, backlog."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.features.tiny import features, row, tiny_tables

MEMBERS = [(f"E{i}", "T1", "2020-04-01", None, None, None) for i in range(4)]
# June 2025 ends on Monday the 30th: its last finished week is Monday 23 - Sunday 29 June
LAST_FINISHED = pd.Timestamp("2025-06-23")


def _weeks(volumes: list[float], backlogs: list[float | None] | None = None) -> list:
    """Weekly rows for T1 ending with the week of 23 June 2025, oldest first."""
    start = LAST_FINISHED - pd.Timedelta(weeks=len(volumes) - 1)
    backlogs = backlogs or [None] * len(volumes)
    return [
        ("T1", str((start + pd.Timedelta(weeks=i)).date()), v, b)
        for i, (v, b) in enumerate(zip(volumes, backlogs, strict=True))
    ]


def test_a_doubling_after_a_steady_half_year_is_a_surge_of_two() -> None:
    # given 26 weeks at 100 then 4 weeks at 200, and an unfinished week (30 June) at 10,000
    volumes = [100.0] * 26 + [200.0] * 4
    backlogs: list[float | None] = [None] * 30
    backlogs[25], backlogs[29] = 100.0, 500.0
    rows = [*_weeks(volumes, backlogs), ("T1", "2025-06-30", 10_000.0, 9_999.0)]
    tables = tiny_tables(employees=MEMBERS, workload=rows)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then the unfinished week is ignored and the last 4 weeks stand against the 26 before
    assert june["volume_weekly_mean_4w"] == pytest.approx(200.0)
    assert june["volume_surge_ratio"] == pytest.approx(2.0)
    assert june["volume_per_member"] == pytest.approx(50.0)
    assert june["volume_cv_4w"] == pytest.approx(0.0)
    last_26 = np.array(volumes[-26:])
    assert june["volume_cv_26w"] == pytest.approx(last_26.std(ddof=1) / last_26.mean())
    # backlog rose by 400 in 4 weeks: two weeks of recent volume
    assert june["backlog_growth_4w"] == pytest.approx(2.0)
    # and 500 open or booked items are five weeks of the team's baseline volume (100 a week)
    assert june["backlog_weeks"] == pytest.approx(5.0)


def test_trend_is_the_weekly_slope_as_a_share_of_the_mean() -> None:
    # given 13 weeks rising by 10 a week from 100
    tables = tiny_tables(employees=MEMBERS, workload=_weeks([100.0 + 10 * k for k in range(13)]))
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then slope 10 over mean 160
    assert june["volume_trend_13w"] == pytest.approx(10.0 / 160.0)
    # and the coefficient of variation of 4 weeks (130..160) is sd / mean
    last_4 = np.array([200.0, 210.0, 220.0])
    assert june["volume_cv_4w"] == pytest.approx(
        np.std([190.0, *last_4], ddof=1) / np.mean([190.0, *last_4])
    )


def test_too_few_weeks_in_a_window_give_missing_not_a_guess() -> None:
    # given only 2 of the last 4 weeks reported (and no earlier history)
    tables = tiny_tables(
        employees=MEMBERS,
        workload=[("T1", "2025-06-09", 100.0, None), ("T1", "2025-06-23", 150.0, None)],
    )
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then nothing is computed from half a window
    assert np.isnan(june["volume_weekly_mean_4w"])
    assert np.isnan(june["volume_cv_4w"])
    assert np.isnan(june["volume_surge_ratio"])
    assert np.isnan(june["backlog_growth_4w"])


def test_without_a_workload_table_every_workload_feature_is_missing() -> None:
    tables = tiny_tables(employees=MEMBERS, workload=None)
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    assert np.isnan(june["volume_weekly_mean_4w"])
    assert np.isnan(june["volume_per_member"])
