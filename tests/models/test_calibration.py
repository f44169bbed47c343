from __future__ import annotations

import numpy as np
import pytest

from models.calibration import IDENTITY, PlattCalibration, fit_platt, level_only


def test_platt_recovers_a_known_slope_and_intercept() -> None:
    # given labels drawn from sigmoid(0.5 * raw - 1)
    rng = np.random.default_rng(0)
    raw = rng.normal(0, 2, 20_000)
    label = (rng.random(raw.size) < 1 / (1 + np.exp(-(0.5 * raw - 1.0)))).astype(int)
    # when
    calibration = fit_platt(raw, label)
    # then
    assert calibration.slope == pytest.approx(0.5, abs=0.05)
    assert calibration.intercept == pytest.approx(-1.0, abs=0.08)


def test_one_class_slice_leaves_the_identity() -> None:
    # given / when
    calibration = fit_platt(np.array([0.1, 0.2, 0.3]), np.array([0, 0, 0]))
    # then
    assert calibration == IDENTITY


def test_probability_is_the_sigmoid_of_the_scaled_logit_and_round_trips() -> None:
    # given
    calibration = PlattCalibration(slope=2.0, intercept=-1.0)
    # when
    prob = calibration.probability(np.array([0.5]))
    # then
    assert prob[0] == pytest.approx(0.5)
    assert PlattCalibration.from_dict(calibration.as_dict()) == calibration


def test_a_slice_that_reverses_the_ranking_keeps_it_and_fits_only_the_level() -> None:
    # given a slice where the raw logits rank the events last (a slope would be negative)
    rng = np.random.default_rng(1)
    raw = rng.normal(0, 1, 2_000)
    label = (raw < np.quantile(raw, 0.1)).astype(int)
    # when calibrated
    calibration = fit_platt(raw, label)
    # then the ranking is kept (slope 1) and the mean probability is the slice's event rate
    assert calibration.slope == 1.0 and calibration.method == "level"
    assert calibration.probability(raw).mean() == pytest.approx(label.mean(), abs=1e-6)
    assert calibration == level_only(raw, label)


def test_anchored_finds_the_level_even_when_the_slope_is_steep() -> None:
    # given raw scores a steep slope on a small table makes: +-500, half each, rate 0.3
    from scipy.special import expit

    from models.calibration import anchored

    raw = np.array([500.0] * 10 + [-500.0] * 10)
    labels = np.array([1] * 6 + [0] * 14)
    # when (the root lies near -500, far outside the old +-60 bracket)
    calibration = anchored(1.0, raw, labels)
    # then the mean probability over the anchor rows is their event rate
    mean = np.mean(expit(raw + calibration.intercept))
    assert mean == pytest.approx(0.3, abs=1e-6)
