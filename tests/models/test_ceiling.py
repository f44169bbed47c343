"""The observable ceiling's regressor: team-grouped folds and a faithful E[p_true | X]."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.ceiling import cross_fitted, team_folds, truth_target
from models.dataset import FeatureSchema
from models.metrics import roc_auc


def test_team_folds_keep_each_team_in_one_fold_and_are_deterministic() -> None:
    # given 30 teams over 4 months
    teams = np.repeat([f"T{i:02d}" for i in range(30)], 4)
    # when
    folds = team_folds(teams, 5, seed=3)
    # then
    per_team = pd.Series(folds).groupby(teams).nunique()
    assert (per_team == 1).all()
    assert sorted(np.bincount(folds).tolist()) == [24, 24, 24, 24, 24]
    assert (folds == team_folds(teams, 5, seed=3)).all()


def test_truth_target_is_a_clipped_logit() -> None:
    # given / when
    target = truth_target(np.array([0.0, 0.5, 1.0]))
    # then
    assert np.isfinite(target).all()
    assert target[1] == 0.0
    assert target[0] == pytest.approx(-target[2])
    assert target[2] == pytest.approx(np.log(0.999 / 0.001))


def test_cross_fitted_regressor_recovers_a_known_risk_from_the_features() -> None:
    # given 200 teams x 6 months whose true risk depends on x1 only; x2 is noise
    rng = np.random.default_rng(0)
    n = 1200
    matrix = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    p_true = 1 / (1 + np.exp(-(2 * matrix["x1"].to_numpy() - 3)))
    teams = np.repeat([f"T{i:03d}" for i in range(200)], 6)
    label = (rng.random(n) < p_true).astype(int)
    schema = FeatureSchema(names=("x1", "x2"), categorical=())
    # when
    estimate = cross_fitted(matrix, p_true, teams, schema, seed=1)
    # then: every row is predicted, ranks as the truth does, and its AUC is the truth's
    assert np.isfinite(estimate).all()
    assert pd.Series(estimate).corr(pd.Series(p_true), method="spearman") > 0.97
    assert abs(roc_auc(label, estimate) - roc_auc(label, p_true)) < 0.01
