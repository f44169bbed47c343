"""LightGBM fitting: deterministic, early-stopped on a later time slice, optionally monotone.

Determinism: ``deterministic=True``, ``force_col_wise=True``, a fixed ``num_threads`` and a
seed that drives every random choice (bagging, feature sampling), so the same rows and seed
give the same trees. Monotone constraints come from ``FeatureSpec.direction``: where the
direction of an effect is known (more overtime, less leave, lower recognition), the model can
never say the opposite, so its explanations never contradict common sense.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.calibration import PlattCalibration, anchored, fitted_slope
from models.dataset import FeatureSchema

if TYPE_CHECKING:
    import lightgbm as lgb

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoosterParams:
    """Hyper-parameters of one booster; logged to MLflow and refitted by ``erisk promote``."""

    learning_rate: float = 0.03
    num_leaves: int = 4
    max_depth: int = 2  # shallow trees: on ~10k rows with 5 % events deeper ones fit noise
    min_data_in_leaf: int = 80
    feature_fraction: float = 0.6
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 0.0  # 10 (the first choice) cost 0.0005-0.011 AUC on three eval worlds
    min_gain_to_split: float = 0.0
    max_rounds: int = 2000
    early_stopping_rounds: int = 100
    monotone: bool = True
    num_threads: int = 1  # 2 threads on a busy 2-core machine spin-wait: 40x slower

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON and MLflow params)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> BoosterParams:
        """Inverse of :meth:`as_dict`; unknown keys (from other versions) are ignored."""
        known = set(cls.__dataclass_fields__)
        return replace(cls(), **{name: value for name, value in payload.items() if name in known})


@dataclass(frozen=True)
class FittedModel:
    """A booster and its calibration: what is shipped, and what each fold evaluates."""

    booster: lgb.Booster
    calibration: PlattCalibration
    schema: FeatureSchema
    best_iteration: int

    def raw_logit(self, matrix: pd.DataFrame) -> np.ndarray:
        """The booster's log-odds before calibration."""
        return np.asarray(self.booster.predict(matrix, raw_score=True), dtype=np.float64)

    def predict_proba(self, matrix: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of the decline event."""
        return self.calibration.probability(self.raw_logit(matrix))


def lightgbm_params(params: BoosterParams, schema: FeatureSchema, seed: int) -> dict[str, Any]:
    """The native LightGBM parameter dict, with the determinism switches always on."""
    native: dict[str, Any] = {
        "objective": "binary",
        "metric": "binary_logloss",
        "learning_rate": params.learning_rate,
        "num_leaves": params.num_leaves,
        "max_depth": params.max_depth,
        "min_data_in_leaf": params.min_data_in_leaf,
        "feature_fraction": params.feature_fraction,
        "bagging_fraction": params.bagging_fraction,
        "bagging_freq": params.bagging_freq,
        "lambda_l2": params.lambda_l2,
        "min_gain_to_split": params.min_gain_to_split,
        "num_threads": params.num_threads,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }
    if params.monotone and any(schema.monotone):
        native["monotone_constraints"] = list(schema.monotone)
        native["monotone_constraints_method"] = "advanced"
    return native


def fit_booster(
    fit_x: pd.DataFrame,
    fit_y: np.ndarray,
    holdout_x: pd.DataFrame,
    holdout_y: np.ndarray,
    schema: FeatureSchema,
    params: BoosterParams,
    seed: int,
    *,
    anchor: tuple[pd.DataFrame, np.ndarray] | None = None,
    refit: bool = False,
    init_model: lgb.Booster | None = None,
) -> FittedModel:
    """Fit on the early rows, stop early on the later holdout slice, then calibrate.

    ``init_model`` continues a booster (the shipped prior) instead of starting from zero; its
    trees stay in the result. ``refit`` fits again on fit and holdout rows together with the
    early-stopped number of rounds, so that the latest months are learned from too. The
    calibration is :func:`~models.calibration.anchored`: the slope from the early-stopped
    booster on the holdout slice, the level from ``anchor`` (the last 24 labelled months;
    the holdout when not given). The returned booster is cut to its best iteration, so that
    the saved text model, the pyfunc and ``pred_contrib`` all see exactly the trees that
    were evaluated.
    """
    import lightgbm as lgb

    native = lightgbm_params(params, schema, seed)
    categorical = [name for name in schema.categorical if name in fit_x.columns] or "auto"
    train_set = lgb.Dataset(fit_x, label=fit_y, categorical_feature=categorical, free_raw_data=True)
    valid_set = lgb.Dataset(holdout_x, label=holdout_y, reference=train_set)
    booster = lgb.train(
        native,
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[valid_set],
        valid_names=["holdout"],
        callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)],
        init_model=init_model,
    )
    best = int(booster.best_iteration or booster.current_iteration())
    trimmed = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    slope = fitted_slope(_raw(trimmed, holdout_x), holdout_y)
    if refit:
        inherited = init_model.current_iteration() if init_model is not None else 0
        both = lgb.Dataset(
            pd.concat([fit_x, holdout_x]),
            label=np.concatenate([fit_y, holdout_y]),
            categorical_feature=categorical,
        )
        trimmed = lgb.train(
            native, both, num_boost_round=max(best - inherited, 1), init_model=init_model
        )
        trimmed = lgb.Booster(model_str=trimmed.model_to_string())
    anchor_x, anchor_y = anchor if anchor is not None else (holdout_x, holdout_y)
    calibration = anchored(slope, _raw(trimmed, anchor_x), anchor_y)
    logger.debug("booster: %d rounds, calibration %s", best, calibration)
    return FittedModel(trimmed, calibration, schema, best)


def _raw(booster: lgb.Booster, matrix: pd.DataFrame) -> np.ndarray:
    return np.asarray(booster.predict(matrix, raw_score=True), dtype=np.float64)


def prior_as_model(
    booster: lgb.Booster,
    slope: float,
    schema: FeatureSchema,
    anchor: tuple[pd.DataFrame, np.ndarray],
) -> FittedModel:
    """A booster fitted elsewhere (the shipped prior), its slope kept and its level anchored
    to this organisation's own event rate."""
    calibration = anchored(slope, _raw(booster, anchor[0]), anchor[1])
    return FittedModel(booster, calibration, schema, booster.current_iteration())


def contributions(model: FittedModel, matrix: pd.DataFrame) -> pd.DataFrame:
    """Per-feature SHAP contributions in raw log-odds (LightGBM's ``pred_contrib``).

    Columns: the features, then ``bias``; each row sums to the raw logit.
    """
    values = np.asarray(model.booster.predict(matrix, pred_contrib=True), dtype=np.float64)
    return pd.DataFrame(values, columns=[*model.schema.names, "bias"], index=matrix.index)
