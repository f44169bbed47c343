"""Workload features: how much the team handles, how it swings, and whether it surges.

Volumes are in each team's own unit, so most features are scale-free (ratios, coefficients
of variation, slopes as a share of the mean). Weeks are calendar weeks numbered from a
Monday; a week counts for month M only if its Sunday is on or before M's last day. An
N-week statistic uses the N calendar weeks ending with M's last finished week, skips
missing weeks, and needs more than N/2 of them (and at least 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.codes import positions_in
from features.grid import TeamMonthGrid
from features.periods import day_numbers, last_finished_week, week_numbers

RECENT_WEEKS = 4
BASELINE_WEEKS = 26  # the weeks before the recent 4, for the surge ratio
LOOKBACK_WEEKS = RECENT_WEEKS + BASELINE_WEEKS

WORKLOAD_COLUMNS: tuple[str, ...] = (
    "volume_weekly_mean_4w",
    "volume_trend_13w",
    "volume_cv_4w",
    "volume_cv_13w",
    "volume_cv_26w",
    "volume_surge_ratio",
    "volume_per_member",
    "backlog_growth_4w",
    "backlog_weeks",
)


def _window(values: np.ndarray, first_back: int, length: int) -> np.ndarray:
    """Columns ``first_back .. first_back + length - 1`` weeks back, oldest first."""
    return values[:, LOOKBACK_WEEKS - first_back - length : LOOKBACK_WEEKS - first_back]


def _mean_and_count(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the present weeks and their count, adding week by week (oldest first)."""
    present = ~np.isnan(window)
    count = np.zeros(len(window))
    total = np.zeros(len(window))
    for k in range(window.shape[1]):
        count += present[:, k]
        total += np.where(present[:, k], window[:, k], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count, count


def _enough(count: np.ndarray, length: int) -> np.ndarray:
    return (count > length / 2) & (count >= 2)


def coefficient_of_variation(window: np.ndarray) -> np.ndarray:
    """Sample SD over mean of each row's present weeks; NaN when too few or a zero mean."""
    mean, count = _mean_and_count(window)
    squares = np.zeros(len(window))
    for k in range(window.shape[1]):
        squares += np.where(np.isnan(window[:, k]), 0.0, (window[:, k] - mean) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.sqrt(squares / (count - 1)) / mean
    return np.where(_enough(count, window.shape[1]) & (mean > 0), cv, np.nan)


def relative_slope(window: np.ndarray) -> np.ndarray:
    """Least-squares slope per week of each row's present weeks, divided by their mean."""
    mean, count = _mean_and_count(window)
    x = np.arange(window.shape[1], dtype=np.float64)
    present = ~np.isnan(window)
    sum_x = np.zeros(len(window))
    for k in range(window.shape[1]):
        sum_x += np.where(present[:, k], x[k], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = sum_x / count
    covariance = np.zeros(len(window))
    spread = np.zeros(len(window))
    for k in range(window.shape[1]):
        dx = np.where(present[:, k], x[k] - mean_x, 0.0)
        covariance += dx * np.where(present[:, k], window[:, k] - mean, 0.0)
        spread += dx * dx
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = covariance / spread / mean
    return np.where(_enough(count, window.shape[1]) & (mean > 0), slope, np.nan)


def _team_week_values(
    workload: pd.DataFrame,
    column: str,
    team: np.ndarray,
    week: np.ndarray,
    grid: TeamMonthGrid,
    first_week: int,
    n_weeks: int,
) -> np.ndarray:
    """A (teams x weeks) array of one workload column; NaN where a week has no row."""
    values = np.full(grid.n_teams * n_weeks, np.nan)
    keep = (team >= 0) & (week >= first_week) & (week < first_week + n_weeks)
    values[team[keep] * n_weeks + (week[keep] - first_week)] = workload[column].to_numpy(
        dtype=np.float64, na_value=np.nan
    )[keep]
    return values.reshape(grid.n_teams, n_weeks)


def workload_features(workload: pd.DataFrame | None, grid: TeamMonthGrid) -> pd.DataFrame:
    """Workload features for every row of the grid; all missing without a workload table."""
    if workload is None or len(workload) == 0:
        return pd.DataFrame({name: np.full(grid.n_rows, np.nan) for name in WORKLOAD_COLUMNS})
    last_weeks = last_finished_week(grid.months)
    first_week = int(last_weeks.min()) - LOOKBACK_WEEKS + 1
    n_weeks = int(last_weeks.max()) - first_week + 1
    team = positions_in(workload["team_id"], grid.team_ids)
    week = week_numbers(day_numbers(workload["week_start"]))
    volume = _team_week_values(workload, "volume", team, week, grid, first_week, n_weeks)
    has_backlog = "backlog" in workload.columns
    backlog = (
        _team_week_values(workload, "backlog", team, week, grid, first_week, n_weeks)
        if has_backlog
        else None
    )

    # each grid row's last LOOKBACK_WEEKS weeks, oldest first
    grid_team = np.repeat(np.arange(grid.n_teams), grid.n_months)
    grid_last = np.tile(last_weeks - first_week, grid.n_teams)
    columns = grid_last[:, None] + np.arange(-LOOKBACK_WEEKS + 1, 1)[None, :]
    recent = volume[grid_team[:, None], columns]

    mean_4w, count_4w = _mean_and_count(_window(recent, 0, RECENT_WEEKS))
    mean_4w = np.where(_enough(count_4w, RECENT_WEEKS), mean_4w, np.nan)
    baseline, count_base = _mean_and_count(_window(recent, RECENT_WEEKS, BASELINE_WEEKS))
    baseline = np.where(_enough(count_base, BASELINE_WEEKS) & (baseline > 0), baseline, np.nan)
    headcount = grid.headcount
    with np.errstate(invalid="ignore", divide="ignore"):
        per_member = np.where(headcount > 0, mean_4w / headcount, np.nan)
        surge = mean_4w / baseline
    if backlog is not None:
        backlog_now = backlog[grid_team, grid_last]
        backlog_before = backlog[grid_team, grid_last - RECENT_WEEKS]
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = np.where(mean_4w > 0, (backlog_now - backlog_before) / mean_4w, np.nan)
            level = backlog_now / baseline
    else:
        growth = np.full(grid.n_rows, np.nan)
        level = np.full(grid.n_rows, np.nan)
    return pd.DataFrame(
        {
            "volume_weekly_mean_4w": mean_4w,
            "volume_trend_13w": relative_slope(_window(recent, 0, 13)),
            "volume_cv_4w": coefficient_of_variation(_window(recent, 0, 4)),
            "volume_cv_13w": coefficient_of_variation(_window(recent, 0, 13)),
            "volume_cv_26w": coefficient_of_variation(_window(recent, 0, 26)),
            "volume_surge_ratio": surge,
            "volume_per_member": per_member,
            "backlog_growth_4w": growth,
            "backlog_weeks": level,
        }
    )
