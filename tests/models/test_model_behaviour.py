"""The fitted model: deterministic, and never against common sense where the direction is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.backtest import BacktestConfig, final_split
from models.evaluation import TrainingData, fit_on_split, prepare_training_data
from models.train import BoosterParams, FittedModel, contributions
from tests.models.team_months import synthetic_team_months

CONFIG = BacktestConfig(n_folds=3, holdout_months=4, min_fit_months=4)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return prepare_training_data(synthetic_team_months(n_teams=60, n_months=30, seed=3))


@pytest.fixture(scope="module")
def model(data: TrainingData) -> FittedModel:
    return fit_on_split(data, final_split(data.months, CONFIG), BoosterParams(), seed=11)


def _risk_along(model: FittedModel, data: TrainingData, feature: str, grid: np.ndarray):
    """Risk of 50 real rows as ``feature`` sweeps ``grid``, everything else unchanged."""
    rows = data.matrix.iloc[:50]
    risks = []
    for value in grid:
        changed = rows.copy()
        changed[feature] = value
        risks.append(model.predict_proba(changed))
    return np.column_stack(risks)  # (rows, grid)


def test_raising_overtime_never_lowers_risk(data: TrainingData, model: FittedModel) -> None:
    # given 50 teams, all else equal
    grid = np.linspace(0, 120, 25)
    # when overtime per member rises
    risk = _risk_along(model, data, "overtime_mean_hours", grid)
    # then the risk of each team never goes down, and the model did learn something
    assert (np.diff(risk, axis=1) >= -1e-12).all()
    assert (risk[:, -1] - risk[:, 0]).max() > 0


def test_dropping_recognition_never_lowers_risk(data: TrainingData, model: FittedModel) -> None:
    # given
    grid = np.linspace(5, 1, 17)  # from high recognition down to low
    # when
    risk = _risk_along(model, data, "survey_recognition_mean", grid)
    # then
    assert (np.diff(risk, axis=1) >= -1e-12).all()
    assert (risk[:, -1] - risk[:, 0]).max() > 0


def test_same_data_and_seed_give_identical_predictions(data: TrainingData) -> None:
    # given two fits with the same seed and one with another
    split = final_split(data.months, CONFIG)
    params = BoosterParams()
    # when
    first = fit_on_split(data, split, params, seed=5).predict_proba(data.matrix)
    second = fit_on_split(data, split, params, seed=5).predict_proba(data.matrix)
    other = fit_on_split(data, split, params, seed=6).predict_proba(data.matrix)
    # then
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_contributions_add_up_to_the_raw_logit(data: TrainingData, model: FittedModel) -> None:
    # given
    matrix = data.matrix.iloc[:20]
    # when
    parts = contributions(model, matrix)
    # then
    np.testing.assert_allclose(parts.sum(axis=1), model.raw_logit(matrix), atol=1e-9)


def test_unseen_department_is_scored_as_missing(data: TrainingData, model: FittedModel) -> None:
    # given a row whose department was never seen in training
    from models.dataset import encode_features

    rows = data.rows.iloc[:3].copy()
    rows["department"] = pd.Series(["nowhere", None, rows["department"].iloc[2]], dtype="str")
    # when
    matrix = encode_features(rows, data.schema)
    # then
    assert np.isnan(matrix["department"].iloc[0]) and np.isnan(matrix["department"].iloc[1])
    assert np.isfinite(model.predict_proba(matrix)).all()
