"""Overtime features: how far beyond their schedule the members of a team work.

Overtime for a day is ``max(0, worked_hours - scheduled_hours)``; a member's month sums
their days (a member without rows that month has 0). Team figures are over the members at
M's end (``features.membership``) and read each member's own timesheets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.codes import positions_in
from features.grid import TeamMonthGrid
from features.group_stats import group_mean, group_quantile
from features.periods import date_month_numbers

OVER_CAP_HOURS = 45.0  # monthly cap of a standard 36 agreement (Labor Standards Act art. 36)
LOOKBACK_MONTHS = 5  # months before M that the features read (months over 45 h in the last 6)


def employee_month_sums(
    employee: np.ndarray,
    month: np.ndarray,
    values: np.ndarray,
    n_employees: int,
    first_month: int,
    last_month: int,
) -> np.ndarray:
    """Sum of ``values`` per (employee, month) as an (employees x months) array.

    Rows outside [first_month, last_month] or of unknown employees are ignored; each cell
    adds its rows in input order, so a cell's value does not depend on the other cells.
    """
    n_cols = last_month - first_month + 1
    keep = (employee >= 0) & (month >= first_month) & (month <= last_month)
    keys = employee[keep] * n_cols + (month[keep] - first_month)
    sums = np.bincount(keys, weights=values[keep], minlength=n_employees * n_cols)
    return sums.reshape(n_employees, n_cols)


def monthly_overtime_hours(
    timesheets: pd.DataFrame, grid: TeamMonthGrid, first_month: int, last_month: int
) -> np.ndarray:
    """Overtime hours per (employee, month) over the given month numbers."""
    month = date_month_numbers(timesheets["work_date"])
    employee = positions_in(timesheets["employee_id"], grid.people.employee_ids)
    worked = timesheets["worked_hours"].to_numpy(dtype=np.float64, na_value=np.nan)
    scheduled = timesheets["scheduled_hours"].to_numpy(dtype=np.float64, na_value=np.nan)
    overtime = np.nan_to_num(np.maximum(worked - scheduled, 0.0), nan=0.0)
    return employee_month_sums(
        employee, month, overtime, grid.people.count, first_month, last_month
    )


def overtime_features(timesheets: pd.DataFrame, grid: TeamMonthGrid) -> pd.DataFrame:
    """Overtime features for every row of the grid (see the catalogue for definitions)."""
    first_month = int(grid.months.min()) - LOOKBACK_MONTHS
    hours = monthly_overtime_hours(timesheets, grid, first_month, int(grid.months.max()))
    members, rows, n_rows = grid.members, grid.member_rows, grid.n_rows
    column = grid.months[members.month_pos] - first_month
    current = hours[members.employee, column]
    months_over = np.zeros(len(current))
    for back in range(LOOKBACK_MONTHS + 1):
        months_over += hours[members.employee, column - back] > OVER_CAP_HOURS
    two_months_ago = hours[members.employee, column - 2]
    target = grid.months[members.month_pos]
    # windows reaching back before the export's first month are unknown, not zero
    months_over = np.where(grid.observed(target - LOOKBACK_MONTHS), months_over, np.nan)
    trend = np.where(grid.observed(target - 2), (current - two_months_ago) / 2.0, np.nan)
    return pd.DataFrame(
        {
            "overtime_mean_hours": group_mean(rows, current, n_rows),
            "overtime_p90_hours": group_quantile(rows, current, 0.9, n_rows),
            "overtime_share_over_45h": group_mean(
                rows, (current > OVER_CAP_HOURS).astype(np.float64), n_rows
            ),
            "overtime_months_over_45h_6m": group_mean(rows, months_over, n_rows),
            "overtime_trend_3m": group_mean(rows, trend, n_rows),
        }
    )
