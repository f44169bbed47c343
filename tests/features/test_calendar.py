"""Month, week and business-day rules of the interfaces."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.calendar import (
    business_day_mask,
    business_days,
    fiscal_year,
    last_business_day,
    month_end,
    month_range,
    parse_month,
    shift_month,
    week_month,
)


@pytest.mark.parametrize("bad", ["2024-1", "2024-13", "24-01", "2024/01", "2024-001", ""])
def test_months_must_be_zero_padded_yyyy_mm(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(bad)


def test_month_arithmetic_crosses_years() -> None:
    assert shift_month("2024-11", 3) == "2025-02"
    assert shift_month("2024-01", -2) == "2023-11"
    assert month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert month_end("2024-02") == pd.Timestamp("2024-02-29")


def test_japanese_holidays_are_not_business_days() -> None:
    # given Golden Week 2024 (3, 4 (Sat), 5 (Sun), 6 (substitute holiday) May)
    days = business_days(dt.date(2024, 5, 1), dt.date(2024, 5, 8))
    # then only 1, 2, 7 and 8 May are business days
    assert [d.day for d in days] == [1, 2, 7, 8]
    mask = business_day_mask(pd.DatetimeIndex(pd.date_range("2024-05-01", "2024-05-08")))
    assert mask.tolist() == [True, True, False, False, False, False, True, True]


def test_last_business_day_skips_weekends_and_holidays() -> None:
    # 2024-08-31 is a Saturday; 2023-12-29 is a Friday (not a public holiday)
    assert last_business_day("2024-08") == pd.Timestamp("2024-08-30")
    assert last_business_day("2023-12") == pd.Timestamp("2023-12-29")


def test_fiscal_year_runs_april_to_march() -> None:
    assert fiscal_year("2024-03") == 2023
    assert fiscal_year("2024-04") == 2024


def test_a_week_belongs_to_the_month_of_its_sunday() -> None:
    # the week of Monday 2024-04-29 ends on Sunday 2024-05-05: it is a May week
    weeks = pd.Series(pd.to_datetime(["2024-04-22", "2024-04-29"]))
    assert week_month(weeks).tolist() == ["2024-04", "2024-05"]


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12", "2200-01"])
def test_months_outside_the_calendar_the_product_can_compute_are_refused(month: str) -> None:
    # given / when / then: a clear ValueError, not an overflow deep in date arithmetic
    with pytest.raises(ValueError, match="year from 1900 to 2199"):
        parse_month(month)
