"""What a user would pick without this model: an HR rule of thumb and a logistic regression.

Both are fitted on the same training rows as the booster in each fold, so the gap between
them and the model is a fair like-for-like comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.dataset import FeatureSchema

OVERTIME_LIMIT_HOURS = 45.0  # Labor Standards Act art. 36 normal monthly cap
ENGAGEMENT_FLOOR = 3.0  # UWES 0-6 scale; the Japanese mean is ~3.4
RULE_COLUMNS: tuple[str, str] = ("overtime_mean_hours", "survey_engagement_mean")


def rule_of_thumb_fires(frame: pd.DataFrame) -> np.ndarray:
    """HR's rule: overtime per member above 45 h, or engagement below 3.0 (missing = no)."""
    overtime = pd.to_numeric(frame[RULE_COLUMNS[0]], errors="coerce").to_numpy(np.float64)
    engagement = pd.to_numeric(frame[RULE_COLUMNS[1]], errors="coerce").to_numpy(np.float64)
    with np.errstate(invalid="ignore"):
        return (np.nan_to_num(overtime, nan=-np.inf) > OVERTIME_LIMIT_HOURS) | (
            np.nan_to_num(engagement, nan=np.inf) < ENGAGEMENT_FLOOR
        )


@dataclass(frozen=True)
class RuleOfThumb:
    """The rule turned into a probability: the training rate of events when it fires or not.

    The ranking is the rule's own (two levels); the rates only make Brier and ECE comparable.
    """

    rate_when_fires: float
    rate_otherwise: float

    @classmethod
    def fit(cls, frame: pd.DataFrame, label: np.ndarray) -> RuleOfThumb:
        """Event rates among training rows where the rule fires and where it does not."""
        fires = rule_of_thumb_fires(frame)
        label = np.asarray(label, dtype=np.float64)
        overall = float(label.mean()) if len(label) else 0.0
        return cls(
            rate_when_fires=float(label[fires].mean()) if fires.any() else overall,
            rate_otherwise=float(label[~fires].mean()) if (~fires).any() else overall,
        )

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """The fitted rate of each row's side of the rule."""
        return np.where(rule_of_thumb_fires(frame), self.rate_when_fires, self.rate_otherwise)


PENALTIES: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)  # inverse L2 strength C


def choose_penalty(
    fit_x: pd.DataFrame,
    fit_y: np.ndarray,
    holdout_x: pd.DataFrame,
    holdout_y: np.ndarray,
    schema: FeatureSchema,
    seed: int,
) -> float:
    """The C with the lowest holdout log-loss when fitted on the fit months: a regression
    tuned as carefully as the booster, which early-stops on the same holdout."""
    if len(np.unique(fit_y)) < 2 or len(np.unique(holdout_y)) < 2:
        return 1.0
    losses = {}
    for penalty in PENALTIES:
        model = fit_logistic_regression(fit_x, fit_y, schema, seed, penalty)
        prob = np.clip(logistic_proba(model, holdout_x), 1e-9, 1 - 1e-9)
        y = np.asarray(holdout_y, dtype=np.float64)
        losses[penalty] = float(-np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob)))
    return min(losses, key=lambda penalty: (losses[penalty], -penalty))


def fit_logistic_regression(
    matrix: pd.DataFrame,
    label: np.ndarray,
    schema: FeatureSchema,
    seed: int,
    penalty: float = 1.0,
) -> Any:
    """Median-imputed (with missing indicators), standardised features, one-hot categories;
    L2 penalty with inverse strength ``penalty`` (C)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric: Sequence[str] = [n for n in schema.names if n not in schema.categorical]
    categorical: Sequence[str] = [n for n in schema.names if n in schema.categorical]
    numeric_steps = Pipeline(
        [
            (
                "impute",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            ),
            ("scale", StandardScaler()),
        ]
    )
    categorical_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=-1.0)),
            ("one_hot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    transformers: list[tuple[str, Any, Sequence[str]]] = [("numeric", numeric_steps, numeric)]
    if categorical:
        transformers.append(("categorical", categorical_steps, categorical))
    model = Pipeline(
        [
            ("prepare", ColumnTransformer(transformers)),
            ("logistic", LogisticRegression(C=penalty, max_iter=5000, random_state=seed)),
        ]
    )
    model.fit(matrix, label)
    return model


def logistic_proba(model: Any, matrix: pd.DataFrame) -> np.ndarray:
    """Probability of the event from a fitted logistic-regression pipeline."""
    return np.asarray(model.predict_proba(matrix)[:, 1], dtype=np.float64)
