"""Integer day, week and month numbers: the axes of every vectorised feature grid.

Feature code works on integers rather than timestamps so that 36M timesheet rows cost a
few array operations. Days count from 1970-01-01, months from 1970-01 (``year * 12 +
month - 1`` minus 1970 * 12), and weeks from the Monday 1970-01-05. A week belongs to the
month that contains its Sunday (``shared/interfaces.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.calendar import parse_month

# 1970-01-05 is a Monday: day number 4
_FIRST_MONDAY = 4
MISSING = np.iinfo(np.int64).min


def month_number(month: str) -> int:
    """Months since 1970-01 of a ``YYYY-MM`` string."""
    period = parse_month(month)
    return (period.year - 1970) * 12 + period.month - 1


def month_label(number: int) -> str:
    """The ``YYYY-MM`` string of a month number."""
    year, month = divmod(int(number), 12)
    return f"{year + 1970:04d}-{month + 1:02d}"


def _datetimes(dates: pd.Series) -> np.ndarray:
    """The series as a numpy datetime64 array in its own unit (ms from snapshots): no copy
    to nanoseconds and never through Python ``date`` objects (the pandas date trap)."""
    values = dates.to_numpy()
    if values.dtype.kind != "M":
        values = pd.to_datetime(dates).to_numpy()
    return values


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of a datetime series; missing dates give ``MISSING``."""
    return _datetimes(dates).astype("datetime64[D]").astype(np.int64)


def date_month_numbers(dates: pd.Series) -> np.ndarray:
    """Month numbers of a datetime series; missing dates give ``MISSING``."""
    return _datetimes(dates).astype("datetime64[M]").astype(np.int64)


def month_end_day(month_numbers: np.ndarray | int) -> np.ndarray:
    """Day number of the last day of each month number."""
    following = (np.asarray(month_numbers, dtype=np.int64) + 1).astype("datetime64[M]")
    return following.astype("datetime64[D]").astype(np.int64) - 1


def month_start_day(month_numbers: np.ndarray | int) -> np.ndarray:
    """Day number of the first day of each month number."""
    months = np.asarray(month_numbers, dtype=np.int64).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def week_numbers(days: np.ndarray) -> np.ndarray:
    """Week number (weeks since Monday 1970-01-05) of each day number."""
    return np.floor_divide(np.asarray(days, dtype=np.int64) - _FIRST_MONDAY, 7)


def last_finished_week(month_numbers: np.ndarray | int) -> np.ndarray:
    """The last week whose Sunday falls on or before the month's last day."""
    # Sunday of week w is day 4 + 7w + 6
    return np.floor_divide(month_end_day(month_numbers) - _FIRST_MONDAY - 6, 7)


def fiscal_year_start_month(month_numbers: np.ndarray) -> np.ndarray:
    """Month number of the April that opens each month's fiscal year (April-March)."""
    numbers = np.asarray(month_numbers, dtype=np.int64)
    calendar_month = np.mod(numbers, 12)  # 0 = January
    return numbers - np.mod(calendar_month - 3, 12)
