"""Month and business-day rules shared by features, labels and the generator.

A month is a zero-padded ``YYYY-MM`` string everywhere. Japanese public holidays and
weekends are not business days; the fiscal year runs April to March.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import jpholiday
import numpy as np
import pandas as pd

MONTH_FORMAT = "%Y-%m"
# the one month pattern (data, API, CLI): zero-padded YYYY-MM; years 1900-2199, since a
# year 0 or 9999 only breaks the date arithmetic of a calendar month
MONTH_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"
FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_month(month: str) -> pd.Period:
    """Parse a strict ``YYYY-MM`` string; raise ValueError for anything else."""
    if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    year, mon = month[:4], month[5:]
    if not (year.isascii() and mon.isascii() and year.isdigit() and mon.isdigit()):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    if not 1 <= int(mon) <= 12 or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise ValueError(
            f"month must be YYYY-MM with a year from {FIRST_YEAR} to {LAST_YEAR}, got {month!r}"
        )
    return pd.Period(year=int(year), month=int(mon), freq="M")


def format_month(period: pd.Period) -> str:
    """Format a monthly period as ``YYYY-MM``."""
    return f"{period.year:04d}-{period.month:02d}"


def shift_month(month: str, months: int) -> str:
    """The month ``months`` after (or before, if negative) ``month``."""
    return format_month(parse_month(month) + months)


def month_range(first: str, last: str) -> list[str]:
    """All months from ``first`` to ``last`` inclusive."""
    start, end = parse_month(first), parse_month(last)
    return [format_month(p) for p in pd.period_range(start, end, freq="M")]


def month_start(month: str) -> pd.Timestamp:
    """Midnight of the month's first day."""
    return parse_month(month).start_time.normalize()


def month_end(month: str) -> pd.Timestamp:
    """Midnight of the month's last day (records dated that day belong to the month)."""
    return parse_month(month).end_time.normalize()


def months_of(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each timestamp in a datetime series (missing stays missing)."""
    return dates.dt.strftime(MONTH_FORMAT)


def fiscal_year(month: str) -> int:
    """Japanese fiscal year (April-March) that a month belongs to, named by its start year."""
    period = parse_month(month)
    return period.year if period.month >= 4 else period.year - 1


@lru_cache(maxsize=64)
def _holidays_in_year(year: int) -> frozenset[dt.date]:
    return frozenset(day for day, _name in jpholiday.year_holidays(year))


def is_business_day(day: dt.date) -> bool:
    """Weekdays that are not Japanese public holidays."""
    return day.weekday() < 5 and day not in _holidays_in_year(day.year)


def business_days(start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp) -> pd.DatetimeIndex:
    """Business days from ``start`` to ``end`` inclusive."""
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    holidays: set[dt.date] = set()
    for year in range(days.min().year, days.max().year + 1) if len(days) else []:
        holidays |= _holidays_in_year(year)
    holiday_index = pd.DatetimeIndex(sorted(holidays))
    mask = (days.day_of_week < 5) & ~days.isin(holiday_index)
    return days[mask]


def business_day_mask(days: pd.DatetimeIndex) -> np.ndarray:
    """Boolean mask of business days for an arbitrary index of days (vectorised)."""
    if len(days) == 0:
        return np.zeros(0, dtype=bool)
    holidays: set[dt.date] = set()
    for year in range(days.min().year, days.max().year + 1):
        holidays |= _holidays_in_year(year)
    return np.asarray((days.day_of_week < 5) & ~days.isin(pd.DatetimeIndex(sorted(holidays))))


def last_business_day(month: str) -> pd.Timestamp:
    """The month's last business day: a month can be scored once timesheets reach it."""
    return business_days(month_start(month), month_end(month))[-1]


def week_month(week_start: pd.Series) -> pd.Series:
    """Month a workload week belongs to: the month containing its last day (the Sunday)."""
    return months_of(week_start + pd.Timedelta(days=6))
