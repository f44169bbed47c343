"""The run's figures (PNG): calibration, ROC, PR, SHAP summary, importance, backtest over time.

matplotlib is switched to the Agg backend inside each call, never at import, so importing
this module has no side effect on an interactive session.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.metrics import reliability_table


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path


def calibration_plot(label: np.ndarray, scores: Mapping[str, np.ndarray], path: Path) -> Path:
    """Reliability diagram: event rate against mean probability per 10 equal-width bins."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 5))
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    top = 0.0
    for name, prob in scores.items():
        table = reliability_table(label, prob)
        axis.plot(table["mean_p"], table["rate"], marker="o", label=name)
        top = max(top, float(table["mean_p"].max()), float(table["rate"].max()))
    limit = min(1.0, top * 1.1 + 0.02)
    axis.set(xlim=(0, limit), ylim=(0, limit), xlabel="mean predicted probability")
    axis.set(ylabel="observed event rate", title="Calibration (out-of-fold)")
    axis.legend()
    return _save(figure, path)


def roc_plot(label: np.ndarray, scores: Mapping[str, np.ndarray], path: Path) -> Path:
    """ROC curves of the model, the baselines and the ceiling."""
    from sklearn.metrics import roc_auc_score, roc_curve

    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 5))
    for name, prob in scores.items():
        fpr, tpr, _ = roc_curve(label, prob)
        axis.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(label, prob):.3f})")
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
    axis.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (out-of-fold)")
    axis.legend(loc="lower right")
    return _save(figure, path)


def pr_plot(label: np.ndarray, scores: Mapping[str, np.ndarray], path: Path) -> Path:
    """Precision-recall curves; the dotted line is the event rate (a random ranking)."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 5))
    for name, prob in scores.items():
        precision, recall, _ = precision_recall_curve(label, prob)
        ap = average_precision_score(label, prob)
        axis.plot(recall, precision, label=f"{name} (AP {ap:.3f})")
    axis.axhline(float(np.mean(label)), color="grey", linestyle=":")
    axis.set(xlabel="recall", ylabel="precision", title="Precision-recall (out-of-fold)")
    axis.legend(loc="upper right")
    return _save(figure, path)


def shap_summary_plot(
    contributions: pd.DataFrame, matrix: pd.DataFrame, path: Path, top: int = 15
) -> Path:
    """Beeswarm-style summary: each dot one team-month, x its contribution (log-odds),
    colour the feature value's rank within the feature (blue low, red high)."""
    plt = _pyplot()
    features = contributions.drop(columns=["bias"], errors="ignore")
    order = features.abs().mean().sort_values(ascending=False).index[:top][::-1]
    figure, axis = plt.subplots(figsize=(7, 0.4 * len(order) + 1.5))
    rng = np.random.default_rng(0)
    for position, name in enumerate(order):
        values = features[name].to_numpy()
        colour = matrix[name].rank(pct=True).fillna(0.5).to_numpy()
        jitter = rng.uniform(-0.25, 0.25, len(values))
        axis.scatter(values, position + jitter, c=colour, cmap="coolwarm", s=4, alpha=0.6)
    axis.set_yticks(range(len(order)), list(order))
    axis.axvline(0, color="grey", linewidth=0.8)
    axis.set(xlabel="contribution to the raw log-odds (pred_contrib)", title="SHAP summary")
    return _save(figure, path)


def importance_plot(importance: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """Horizontal bars of gain importance (``feature``, ``gain`` columns)."""
    plt = _pyplot()
    table = importance.sort_values("gain", ascending=False).head(top)[::-1]
    figure, axis = plt.subplots(figsize=(7, 0.35 * len(table) + 1.5))
    axis.barh(table["feature"], table["gain"])
    axis.set(xlabel="total gain", title="Feature importance (LightGBM gain)")
    return _save(figure, path)


def backtest_plot(per_fold: pd.DataFrame, path: Path) -> Path:
    """AUC of each score per test window, in time order."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, part in per_fold.groupby("score", sort=True):
        axis.plot(part["test_months"], part["roc_auc"], marker="o", label=str(name))
    axis.set(xlabel="test window", ylabel="ROC AUC", title="Backtest over time")
    axis.tick_params(axis="x", rotation=45)
    axis.legend()
    return _save(figure, path)
