"""Leave features: whether members rest (paid leave, the 5-day floor) and fall sick.

Rules (also in ``docs/features.md``):
- days granted: ``employees.annual_leave_days``, else :func:`statutory_leave_days` by years
  of service at M's end (days of service / 365.25);
- uptake pace: the team's paid days taken in the fiscal year (April-March) up to M's end,
  over its days granted x months elapsed (M included) / 12, for members granted > 0 days;
- off track for the 5-day floor: a member granted >= 10 days who has taken fewer than
  5 x months elapsed / 12 days so far (behind a straight line to 5 days by March's end);
- days since last leave: days from the member's last ``annual_paid`` day (or hire, if
  later) to M's end, capped at 365.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.codes import positions_in
from features.grid import TeamMonthGrid
from features.group_stats import group_mean, group_quantile, group_sum
from features.overtime import employee_month_sums
from features.periods import (
    MISSING,
    date_month_numbers,
    day_numbers,
    fiscal_year_start_month,
    month_start_day,
)

PAID = "annual_paid"
SICK = "sick"
FLOOR_DAYS = 5.0  # Labor Standards Act art. 39(7): members granted >= 10 days take >= 5
FLOOR_APPLIES_FROM_DAYS = 10.0
DAYS_SINCE_CAP = 365
LOOKBACK_MONTHS = 12  # a leave day less than 365 days before M's end lies in M-12..M
DAYS_PER_YEAR = 365.25

# Labor Standards Act art. 39: days granted by completed years of service
_STATUTORY_STEPS_YEARS = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
_STATUTORY_DAYS = np.array([0.0, 10.0, 11.0, 12.0, 14.0, 16.0, 18.0, 20.0])


def statutory_leave_days(years_of_service: np.ndarray) -> np.ndarray:
    """Paid-leave days granted per year by the statutory table (full-time staff).

    0 before 6 months of service, 10 after 6 months, then 11, 12, 14, 16, 18 and 20 days
    at 1.5, 2.5, ... 6.5 years.
    """
    years = np.asarray(years_of_service, dtype=np.float64)
    return _STATUTORY_DAYS[np.searchsorted(_STATUTORY_STEPS_YEARS, years, side="right")]


def _window_sum(grid_values: np.ndarray, employee: np.ndarray, column: np.ndarray, months: range):
    """Sum of an (employee x month) array over ``column - k`` for k in ``months``, in order."""
    total = np.zeros(len(employee))
    for back in months:
        total += grid_values[employee, column - back]
    return total


def leave_features(leave: pd.DataFrame, grid: TeamMonthGrid) -> pd.DataFrame:
    """Leave features for every row of the grid (see the catalogue for definitions)."""
    first_month = int(grid.months.min()) - LOOKBACK_MONTHS
    last_month = int(grid.months.max())
    n_cols = last_month - first_month + 1
    people, members, rows, n_rows = grid.people, grid.members, grid.member_rows, grid.n_rows

    month = date_month_numbers(leave["leave_date"])
    day = day_numbers(leave["leave_date"])
    employee = positions_in(leave["employee_id"], people.employee_ids)
    leave_type = leave["leave_type"].astype("string").fillna("").to_numpy(dtype=object)
    days = np.nan_to_num(leave["days"].to_numpy(dtype=np.float64, na_value=np.nan), nan=0.0)
    is_paid = leave_type == PAID
    is_sick = leave_type == SICK
    paid = employee_month_sums(
        employee, month, np.where(is_paid, days, 0.0), people.count, first_month, last_month
    )
    sick = employee_month_sums(
        employee, month, np.where(is_sick, days, 0.0), people.count, first_month, last_month
    )
    last_paid_day = np.full(people.count * n_cols, MISSING, dtype=np.int64)
    keep = is_paid & (employee >= 0) & (month >= first_month) & (month <= last_month)
    np.maximum.at(last_paid_day, employee[keep] * n_cols + (month[keep] - first_month), day[keep])
    last_paid_day = last_paid_day.reshape(people.count, n_cols)

    who = members.employee
    target_month = grid.months[members.month_pos]
    column = target_month - first_month
    end_day = grid.member_end_days
    service_days = end_day - people.hire_day[who]

    # fiscal year to date: months from April (or the export's first month, if later) to M,
    # summed from M backwards; the pace and the 5-day line are pro-rated to those months
    counted_from = np.maximum(fiscal_year_start_month(target_month), grid.history_start)
    elapsed = target_month - counted_from + 1
    taken = np.zeros(len(who))
    for back in range(12):
        taken += np.where(back < elapsed, paid[who, column - back], 0.0)
    given = people.annual_leave_days[who]
    granted = np.where(np.isnan(given), statutory_leave_days(service_days / DAYS_PER_YEAR), given)
    elapsed_share = elapsed / 12.0
    has_grant = granted > 0
    expected = np.where(has_grant, granted * elapsed_share, 0.0)
    # a month before the export's first month has no observed fiscal year at all
    expected = np.where(elapsed > 0, expected, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = group_sum(rows, np.where(has_grant, taken, 0.0), n_rows) / group_sum(
            rows, expected, n_rows
        )
    floor_applies = granted >= FLOOR_APPLIES_FROM_DAYS
    off_track = np.where(elapsed > 0, floor_applies & (taken < FLOOR_DAYS * elapsed_share), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        off_track_share = group_sum(rows, off_track, n_rows) / group_sum(
            rows, floor_applies.astype(np.float64), n_rows
        )

    latest = np.full(len(who), MISSING, dtype=np.int64)
    for back in range(LOOKBACK_MONTHS + 1):
        latest = np.maximum(latest, last_paid_day[who, column - back])
    since_leave = np.where(latest == MISSING, DAYS_SINCE_CAP, end_day - latest)
    # no leave seen since the export began: at most the days since it began (a lower bound)
    since_export = end_day - month_start_day(grid.history_start)
    since = np.minimum(np.minimum(since_leave, service_days), since_export)
    since = np.minimum(since, DAYS_SINCE_CAP).astype(np.float64)

    # 3-month windows reaching back before the export's first month are unknown
    three_seen = np.where(grid.observed(target_month - 2), 1.0, np.nan)
    six_seen = np.where(grid.observed(target_month - 5), 1.0, np.nan)
    paid_3m = _window_sum(paid, who, column, range(3)) * three_seen
    paid_before = _window_sum(paid, who, column, range(3, 6)) * six_seen
    sick_3m = _window_sum(sick, who, column, range(3)) * three_seen
    return pd.DataFrame(
        {
            "leave_uptake_pace": pace,
            "leave_share_off_track_5day": off_track_share,
            "leave_median_days_since_last": group_quantile(rows, since, 0.5, n_rows),
            "leave_paid_days_per_member_3m": group_mean(rows, paid_3m, n_rows),
            "leave_trend_3m": group_mean(rows, paid_3m - paid_before, n_rows),
            "sick_days_per_member_3m": group_mean(rows, sick_3m, n_rows),
        }
    )
