"""Optional Optuna search over the booster's parameters, nested so that it stays honest.

Each split (every backtest fold, then the final model) is tuned on its own holdout slice
only, which lies before that split's test window: the reported out-of-fold metrics never
benefit from a choice made with their own labels. The objective is the holdout log-loss of
the calibrated probability. Trials are seeded (TPE sampler with the run's seed), so the
same data and seed pick the same parameters.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from models.backtest import Fold, rows_in
from models.train import BoosterParams

if TYPE_CHECKING:
    import optuna

    from models.evaluation import TrainingData

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrialRecord:
    """One trial: the parameters tried and what the holdout said."""

    number: int
    params: dict[str, Any]
    holdout_logloss: float
    best_iteration: int


def suggest_params(trial: optuna.Trial, base: BoosterParams) -> BoosterParams:
    """The search space: tree shape, regularisation, sampling and learning rate."""
    depth = trial.suggest_int("max_depth", 1, 4)
    return replace(
        base,
        max_depth=depth,
        num_leaves=trial.suggest_int("num_leaves", 2, max(2, 2**depth)),
        learning_rate=trial.suggest_float("learning_rate", 0.01, 0.1, log=True),
        min_data_in_leaf=trial.suggest_int("min_data_in_leaf", 20, 200, log=True),
        feature_fraction=trial.suggest_float("feature_fraction", 0.3, 1.0),
        lambda_l2=trial.suggest_float("lambda_l2", 0.1, 50.0, log=True),
    )


def holdout_logloss(label: np.ndarray, prob: np.ndarray) -> float:
    """Mean binary log-loss, probabilities clipped away from 0 and 1."""
    clipped = np.clip(prob, 1e-9, 1 - 1e-9)
    return float(-np.mean(label * np.log(clipped) + (1 - label) * np.log(1 - clipped)))


def tune_on_split(
    data: TrainingData, split: Fold, base: BoosterParams, trials: int, seed: int
) -> tuple[BoosterParams, list[TrialRecord]]:
    """The parameters with the lowest holdout log-loss after ``trials`` seeded TPE trials."""
    import optuna

    from models.evaluation import fit_on_split

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    holdout = rows_in(data.rows, split.holdout_months)
    records: list[TrialRecord] = []

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, base)
        model = fit_on_split(data, split, params, seed)
        loss = holdout_logloss(data.label[holdout], model.predict_proba(data.matrix[holdout]))
        records.append(TrialRecord(trial.number, params.as_dict(), loss, model.best_iteration))
        return loss

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    best = min(records, key=lambda record: (record.holdout_logloss, record.number))
    logger.info("tuned: best holdout log-loss %.5f (trial %d)", best.holdout_logloss, best.number)
    return BoosterParams.from_dict(best.params), records
