"""Population stability index on hand-made distributions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.drift import (
    EPSILON,
    bins_for,
    categorical_psi,
    feature_drift,
    numeric_psi,
    psi_from_shares,
    seasonal_reference,
)


def test_psi_of_shares_matches_the_formula_by_hand() -> None:
    # given two share vectors
    expected = np.array([0.5, 0.3, 0.2])
    actual = np.array([0.3, 0.3, 0.4])
    # when the PSI is computed
    value = psi_from_shares(expected, actual)
    # then it is sum((a - e) * ln(a / e)), worked out by hand
    by_hand = (0.3 - 0.5) * math.log(0.3 / 0.5) + 0 + (0.4 - 0.2) * math.log(0.4 / 0.2)
    assert value == pytest.approx(by_hand)


def test_empty_bins_get_epsilon_and_stay_finite() -> None:
    # given a bin that is empty in the reference only
    value = psi_from_shares(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    # then the PSI is finite and uses EPSILON for the empty share
    assert value == pytest.approx(
        (0.5 - 1.0) * math.log(0.5) + (0.5 - EPSILON) * math.log(0.5 / EPSILON)
    )


def test_same_distribution_is_stable_and_a_shift_is_flagged() -> None:
    # given a reference and two samples: one from the same law, one shifted by one SD
    rng = np.random.default_rng(3)
    reference = pd.Series(rng.normal(0, 1, 20_000))
    same = pd.Series(rng.normal(0, 1, 5_000))
    shifted = pd.Series(rng.normal(1, 1, 5_000))
    # when PSI is measured on 10 quantile bins of the reference
    # then the same law stays far below 0.1 and a one-SD shift is far above 0.2
    assert numeric_psi(reference, same) < 0.02
    assert numeric_psi(reference, shifted) > 0.5


def test_a_month_where_values_went_missing_is_flagged_apart_from_the_psi() -> None:
    # given a reference with 10 % missing values (early months of short history)
    values = np.linspace(0, 10, 900)
    reference = pd.DataFrame({"a": np.r_[values, np.full(100, np.nan)]})
    # when a month has the same values and none missing, it is not flagged
    complete = pd.DataFrame({"a": np.linspace(0, 10, 300)})
    assert not feature_drift(reference, complete, ["a"])["warning"].iloc[0]
    # when half of a month's values are missing, it is flagged though the PSI is small
    half = pd.DataFrame({"a": np.r_[np.linspace(0, 10, 150), np.full(150, np.nan)]})
    drift = feature_drift(reference, half, ["a"]).iloc[0]
    assert drift["psi"] < 0.05
    assert drift["missing_current"] == pytest.approx(0.5)
    assert drift["missing_reference"] == pytest.approx(0.1)
    assert drift["warning"]


def test_constant_reference_has_one_bin_and_no_error() -> None:
    # given a reference that is constant (all quantile edges equal)
    reference = pd.Series(np.zeros(100))
    # then the same constant gives 0 and other values give a large PSI
    assert numeric_psi(reference, pd.Series(np.zeros(10))) == pytest.approx(0.0)
    assert numeric_psi(reference, pd.Series(np.ones(10))) > 1.0


def test_categorical_psi_over_categories_seen_anywhere() -> None:
    # given department shares 50/50 in the reference and 50/25/25 with a new one
    reference = pd.Series(["hr", "it"] * 50)
    current = pd.Series(["hr"] * 2 + ["it", "new"])
    # then the PSI equals the hand computation with EPSILON for the unseen category
    by_hand = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.25 - EPSILON) * math.log(0.25 / EPSILON)
    assert categorical_psi(reference, current) == pytest.approx(by_hand)


def test_feature_drift_sorts_and_warns_above_the_threshold() -> None:
    # given one stable and one shifted feature
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"a": rng.normal(0, 1, 5000), "b": rng.normal(0, 1, 5000)})
    current = pd.DataFrame({"a": rng.normal(0, 1, 2000), "b": rng.normal(2, 1, 2000)})
    # when drift is measured
    drift = feature_drift(reference, current, ["a", "b", "not_there"])
    # then the shifted feature comes first with a warning; absent features are skipped
    assert drift["feature"].tolist() == ["b", "a"]
    assert drift["warning"].tolist() == [True, False]


def test_small_samples_get_fewer_bins_so_no_drift_stays_quiet() -> None:
    # given 30 teams drawn from the reference's own law, many times over
    rng = np.random.default_rng(11)
    reference = pd.DataFrame({"a": rng.normal(0, 1, 5000)})
    draws = [pd.DataFrame({"a": rng.normal(0, 1, 30)}) for _ in range(200)]
    # when drift is measured with the sample-sized bins
    warned = [feature_drift(reference, draw, ["a"])["warning"].iloc[0] for draw in draws]
    # then false warnings are rare, while 10 fixed bins would warn on most draws
    assert bins_for(30) == 2 and bins_for(60) == 3 and bins_for(4000) == 10
    assert np.mean(warned) < 0.05
    fixed = [numeric_psi(reference["a"], draw["a"], bins=10) > 0.2 for draw in draws]
    assert np.mean(fixed) > 0.3


def _yearly(months: list[str], teams: int, rng: np.random.Generator) -> pd.DataFrame:
    """Team-months whose ``leave_pace`` resets each April (low) and grows over the year."""
    rows = []
    for month in months:
        months_into_year = (int(month[5:7]) - 4) % 12
        for _ in range(teams):
            rows.append({"month": month, "leave_pace": months_into_year + rng.normal(0, 0.5)})
    return pd.DataFrame(rows)


def test_the_reference_is_the_same_calendar_month_of_earlier_years_when_there_are_two() -> None:
    # given two and a half years of training rows
    rng = np.random.default_rng(5)
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)] + ["2026-01"]
    reference = _yearly(months, 10, rng)
    # when the reference for April 2026 is chosen, then it is April 2024 and April 2025
    april = seasonal_reference(reference, "2026-04")
    assert april is not None
    assert sorted(april["month"].unique()) == ["2024-04", "2025-04"]
    # and a calendar month seen in one year only, or no rows at all, give no seasonal reference
    assert seasonal_reference(reference[reference["month"] != "2024-04"], "2026-04") is None
    assert seasonal_reference(pd.DataFrame(), "2026-04") is None


def test_a_yearly_reset_is_not_drift_against_the_same_month_but_is_against_the_year() -> None:
    # given a feature that resets every April and training rows of two years
    rng = np.random.default_rng(6)
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    reference = _yearly(months, 50, rng)
    april = _yearly(["2026-04"], 50, rng)
    # when April 2026 is compared with every training month, it looks like drift
    pooled = feature_drift(reference, april, ["leave_pace"])
    assert pooled["warning"].iloc[0]
    # but compared with earlier Aprils it is the season it always is
    seasonal = seasonal_reference(reference, "2026-04")
    assert seasonal is not None
    assert not feature_drift(seasonal, april, ["leave_pace"])["warning"].iloc[0]
