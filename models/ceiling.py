"""The observable ceiling: the best ranking any model on the shipped features could give.

Since E[label | X] = E[p_true | X], the AUC of E[p_true | X] bounds every model that sees only
the features X. It is estimated by regressing logit(p_true) on the features with LightGBM,
*cross-fitted over teams* (a team's rows are predicted by a regressor that never saw that
team). The oracle ceiling (the AUC of ``p_true`` itself) knows every person's latent state,
which no export holds; the observable ceiling is what the data could support.

A diagnostic that reads the synthetic world's truth: training never calls it. Pure functions
on matrices; where the rows come from (the evaluated world, or a larger reference world for
small ones) is decided by :mod:`pipelines.ceiling`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.dataset import FeatureSchema

P_CLIP = 1e-3  # logit(p_true) with p clipped to [0.001, 0.999]
CROSS_FIT_FOLDS = 5
STOPPING_SHARE = 0.2  # share of a fit's teams held back to stop the regressor early


@dataclass(frozen=True)
class RegressorParams:
    """The truth regressor's settings: deeper than the shipped booster, since its target is
    a smooth, noise-free probability rather than a 0/1 outcome."""

    learning_rate: float = 0.05
    num_leaves: int = 15
    max_depth: int = 4
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_rounds: int = 3000
    early_stopping_rounds: int = 100

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (MLflow params)."""
        return asdict(self)


def truth_target(p_true: np.ndarray) -> np.ndarray:
    """logit(p_true), with p clipped to [0.001, 0.999] so certain rows stay finite."""
    clipped = np.clip(np.asarray(p_true, dtype=np.float64), P_CLIP, 1.0 - P_CLIP)
    return np.log(clipped / (1.0 - clipped))


def team_folds(team_ids: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of every row; all rows of a team share one fold."""
    teams = np.unique(np.asarray(team_ids, dtype=object).astype(str))
    order = np.random.default_rng(seed).permutation(len(teams))
    fold_of_team = dict(zip(teams[order].tolist(), np.arange(len(teams)) % folds, strict=True))
    return np.array([fold_of_team[str(t)] for t in team_ids], dtype=np.int64)


def _native(schema: FeatureSchema, params: RegressorParams, seed: int) -> dict[str, Any]:
    native = {
        k: v
        for k, v in params.as_dict().items()
        if k not in ("max_rounds", "early_stopping_rounds")
    }
    native.update(
        objective="regression",
        metric="l2",
        num_threads=1,
        seed=seed,
        deterministic=True,
        force_col_wise=True,
        verbosity=-1,
    )
    return native


def fit_truth_regressor(
    matrix: pd.DataFrame,
    p_true: np.ndarray,
    team_ids: np.ndarray,
    schema: FeatureSchema,
    seed: int,
    params: RegressorParams = RegressorParams(),
) -> Any:
    """A LightGBM regressor of logit(p_true) on ``matrix``, stopped early on held-back teams.

    No monotone constraint: this measures what the features carry, not what the shipped
    recipe allows.
    """
    import lightgbm as lgb

    target = truth_target(p_true)
    stop = team_folds(team_ids, round(1 / STOPPING_SHARE), seed + 1) == 0
    categorical = [name for name in schema.categorical if name in matrix.columns] or "auto"
    fit_set = lgb.Dataset(matrix[~stop], target[~stop], categorical_feature=categorical)
    stop_set = lgb.Dataset(matrix[stop], target[stop], reference=fit_set)
    return lgb.train(
        _native(schema, params, seed),
        fit_set,
        num_boost_round=params.max_rounds,
        valid_sets=[stop_set],
        callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)],
    )


def predict_truth(booster: Any, matrix: pd.DataFrame) -> np.ndarray:
    """The regressor's estimate of P(label = 1 | features), as a probability (for ranking)."""
    logit = np.asarray(booster.predict(matrix, num_iteration=booster.best_iteration), float)
    return 1.0 / (1.0 + np.exp(-logit))


def cross_fitted(
    matrix: pd.DataFrame,
    p_true: np.ndarray,
    team_ids: np.ndarray,
    schema: FeatureSchema,
    seed: int,
    folds: int = CROSS_FIT_FOLDS,
) -> np.ndarray:
    """Every row's estimate from a regressor fitted on the other folds' teams."""
    fold = team_folds(team_ids, folds, seed)
    prediction = np.full(len(matrix), np.nan)
    for k in range(folds):
        test = fold == k
        if not test.any():
            continue
        booster = fit_truth_regressor(
            matrix[~test], np.asarray(p_true)[~test], np.asarray(team_ids)[~test], schema, seed
        )
        prediction[test] = predict_truth(booster, matrix[test])
    return prediction


__all__ = [
    "CROSS_FIT_FOLDS",
    "RegressorParams",
    "cross_fitted",
    "fit_truth_regressor",
    "predict_truth",
    "team_folds",
    "truth_target",
]
