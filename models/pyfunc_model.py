"""MLflow "model from code": the calibrated booster as a stock pyfunc.

MLflow copies this file into the logged model and runs it at load time, so it must stand
alone: it imports only numpy, pandas, lightgbm and mlflow, never this project's packages.
That is what lets ``mlflow.pyfunc.load_model`` and ``mlflow models serve`` load the model in
a bare environment. Its artifacts are the plain files the rest of the product also reads:
``booster`` (LightGBM's text model), ``calibration`` (JSON: calibrated logit =
slope * raw_logit + intercept) and ``features`` (JSON: names, categorical columns and their
categories, fixed at training time). ``predict`` returns the calibrated probability.

The ``set_model`` call at the bottom is MLflow's required registration for models from code;
nothing in the project imports this module.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import set_model
from mlflow.pyfunc import PythonModel, PythonModelContext


def encode(frame: pd.DataFrame, features: dict[str, Any]) -> np.ndarray:
    """The float64 matrix in training order; categories as their training index (else NaN).

    Kept identical to ``models.dataset.encode_features`` (a test checks that they agree).
    """
    columns = []
    for name in features["names"]:
        if name in features["categorical"]:
            lookup = {value: float(i) for i, value in enumerate(features["categories"][name])}
            values = frame[name].astype("object")
            columns.append(
                np.array(
                    [np.nan if pd.isna(v) else lookup.get(str(v), np.nan) for v in values],
                    dtype=np.float64,
                )
            )
        else:
            columns.append(
                pd.to_numeric(frame[name], errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            )
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


class CalibratedBooster(PythonModel):
    """LightGBM booster + Platt calibration; returns P(decline event in the next 3 months)."""

    def load_context(self, context: PythonModelContext) -> None:
        import lightgbm as lgb

        self.booster = lgb.Booster(model_file=context.artifacts["booster"])
        with open(context.artifacts["calibration"], encoding="utf-8") as handle:
            self.calibration = json.load(handle)
        with open(context.artifacts["features"], encoding="utf-8") as handle:
            self.features = json.load(handle)

    def predict(
        self,
        context: PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, str] | None = None,
    ) -> np.ndarray:
        frame = pd.DataFrame(model_input)
        raw = self.booster.predict(encode(frame, self.features), raw_score=True)
        logit = (
            self.calibration["slope"] * np.asarray(raw, dtype=np.float64)
            + self.calibration["intercept"]
        )
        return 1.0 / (1.0 + np.exp(-logit))


set_model(CalibratedBooster())
