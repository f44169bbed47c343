"""Metrics that a data scientist and HR can both read, with bootstrap intervals and fairness.

All scores take optional integer-like weights so that the cluster bootstrap (teams resampled
with replacement, since a team's months are not independent) reuses the same code without
copying rows. Ties are handled the way scikit-learn does (a tied pair counts one half).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

ECE_BINS = 10
TOP_SHARE = 0.10
SIZE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("<5", 0, 5),
    ("5-9", 5, 10),
    ("10-19", 10, 20),
    ("20+", 20, math.inf),
)


def _weights(label: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    return np.ones(len(label)) if weight is None else np.asarray(weight, dtype=np.float64)


def _grouped(
    label: np.ndarray, score: np.ndarray, weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative weight per distinct score, scores ascending."""
    w = _weights(label, weight)
    _, inverse = np.unique(np.asarray(score, dtype=np.float64), return_inverse=True)
    y = np.asarray(label, dtype=np.float64)
    positives = np.bincount(inverse, weights=w * y)
    negatives = np.bincount(inverse, weights=w * (1.0 - y))
    return positives, negatives


def roc_auc(label: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count one half); NaN with one class."""
    positives, negatives = _grouped(label, score, weight)
    total_pos, total_neg = positives.sum(), negatives.sum()
    if total_pos <= 0 or total_neg <= 0:
        return math.nan
    negatives_below = np.cumsum(negatives) - negatives
    pairs = (positives * (negatives_below + 0.5 * negatives)).sum()
    return float(pairs / (total_pos * total_neg))


def pr_auc(label: np.ndarray, score: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Average precision (scikit-learn's step-wise PR AUC); NaN without positives."""
    positives, negatives = _grouped(label, score, weight)
    positives, negatives = positives[::-1], negatives[::-1]
    total_pos = positives.sum()
    if total_pos <= 0:
        return math.nan
    true_pos = np.cumsum(positives)
    flagged = true_pos + np.cumsum(negatives)
    precision = np.divide(true_pos, flagged, out=np.zeros_like(true_pos), where=flagged > 0)
    return float((positives / total_pos * precision).sum())


def brier(label: np.ndarray, prob: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Mean squared error of the probability."""
    w = _weights(label, weight)
    error = (np.asarray(prob, dtype=np.float64) - np.asarray(label, dtype=np.float64)) ** 2
    return float((w * error).sum() / w.sum())


def calibration_bins(prob: np.ndarray, bins: int = ECE_BINS) -> np.ndarray:
    """Equal-width bin of each probability, 0..bins-1 (1.0 goes in the last bin)."""
    return np.clip((np.asarray(prob, dtype=np.float64) * bins).astype(np.int64), 0, bins - 1)


def expected_calibration_error(
    label: np.ndarray, prob: np.ndarray, weight: np.ndarray | None = None, bins: int = ECE_BINS
) -> float:
    """ECE: |mean probability - event rate| per equal-width bin, weighted by the bin's share."""
    w = _weights(label, weight)
    index = calibration_bins(prob, bins)
    mass = np.bincount(index, weights=w, minlength=bins)
    predicted = np.bincount(index, weights=w * np.asarray(prob, dtype=np.float64), minlength=bins)
    observed = np.bincount(index, weights=w * np.asarray(label, dtype=np.float64), minlength=bins)
    return float(np.abs(predicted - observed).sum() / mass.sum())


def reliability_table(label: np.ndarray, prob: np.ndarray, bins: int = ECE_BINS) -> pd.DataFrame:
    """Per bin: rows, mean probability and event rate (the calibration plot's points)."""
    frame = pd.DataFrame({"bin": calibration_bins(prob, bins), "p": prob, "y": label})
    table = frame.groupby("bin").agg(rows=("y", "size"), mean_p=("p", "mean"), rate=("y", "mean"))
    return table.reset_index()


def top_share_precision_recall(
    label: np.ndarray, score: np.ndarray, month: Sequence[str], share: float = TOP_SHARE
) -> tuple[float, float]:
    """Precision and recall when HR acts on the top ``share`` of teams each month.

    Each month flags its ``ceil(share * teams)`` highest scores (ties broken by row order, so
    call with rows in a fixed order); the counts are pooled over months.
    """
    frame = pd.DataFrame({"y": np.asarray(label), "s": np.asarray(score), "m": np.asarray(month)})
    frame["order"] = np.arange(len(frame))
    flagged_pos = flagged = 0
    for _, rows in frame.groupby("m", sort=True):
        k = math.ceil(share * len(rows))
        top = rows.sort_values(["s", "order"], ascending=[False, True], kind="stable").head(k)
        flagged += len(top)
        flagged_pos += int(top["y"].sum())
    positives = int(frame["y"].sum())
    precision = flagged_pos / flagged if flagged else math.nan
    recall = flagged_pos / positives if positives else math.nan
    return precision, recall


def headline_metrics(label: np.ndarray, prob: np.ndarray, month: Sequence[str]) -> dict[str, float]:
    """Every point metric of one set of predictions."""
    precision, recall = top_share_precision_recall(label, prob, month)
    return {
        "roc_auc": roc_auc(label, prob),
        "pr_auc": pr_auc(label, prob),
        "brier": brier(label, prob),
        "ece": expected_calibration_error(label, prob),
        "precision_top10": precision,
        "recall_top10": recall,
        "rows": float(len(label)),
        "positives": float(np.sum(label)),
    }


def _replicate_stats(
    label: np.ndarray, scores: Mapping[str, np.ndarray], weight: np.ndarray | None
) -> dict[str, float]:
    stats: dict[str, float] = {}
    for name, prob in scores.items():
        stats[f"{name}.roc_auc"] = roc_auc(label, prob, weight)
        stats[f"{name}.pr_auc"] = pr_auc(label, prob, weight)
        stats[f"{name}.brier"] = brier(label, prob, weight)
        stats[f"{name}.ece"] = expected_calibration_error(label, prob, weight)
    if "model" in scores:
        for name in scores:
            if name == "model":
                continue
            stats[f"gap.{name}.roc_auc"] = stats["model.roc_auc"] - stats[f"{name}.roc_auc"]
        if "ceiling" in scores:
            stats["model.auc_share_of_ceiling"] = stats["model.roc_auc"] / stats["ceiling.roc_auc"]
    return stats


def bootstrap_intervals(
    label: np.ndarray,
    scores: Mapping[str, np.ndarray],
    cluster: Sequence[str],
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.90,
) -> pd.DataFrame:
    """Point estimate and cluster-bootstrap interval of every score's metrics and of the gaps.

    Teams are resampled with replacement (weights = how often each team was drawn), and the
    same draw is used for every score, so gaps are paired. Returns one row per statistic:
    ``estimate``, ``low``, ``high``.
    """
    label = np.asarray(label, dtype=np.float64)
    _, team_code = np.unique(np.asarray(cluster, dtype=object).astype(str), return_inverse=True)
    n_teams = int(team_code.max()) + 1 if len(team_code) else 0
    rng = np.random.default_rng(seed)
    point = _replicate_stats(label, scores, None)
    draws: dict[str, list[float]] = {name: [] for name in point}
    for _ in range(replicates):
        counts = rng.multinomial(n_teams, np.full(n_teams, 1.0 / n_teams))
        stats = _replicate_stats(label, scores, counts[team_code].astype(np.float64))
        for name, value in stats.items():
            draws[name].append(value)
    tail = (1.0 - level) / 2.0
    rows = []
    for name, estimate in point.items():
        values = np.asarray(draws[name], dtype=np.float64)
        values = values[np.isfinite(values)]
        low, high = (
            (float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail)))
            if len(values)
            else (math.nan, math.nan)
        )
        rows.append({"statistic": name, "estimate": estimate, "low": low, "high": high})
    return pd.DataFrame(rows)


def size_band(headcount: pd.Series) -> pd.Series:
    """Team-size band label of each headcount (``unknown`` when missing)."""
    values = pd.to_numeric(headcount, errors="coerce")
    band = pd.Series("unknown", index=headcount.index, dtype="object")
    for name, low, high in SIZE_BANDS:
        band[(values >= low) & (values < high)] = name
    return band


def fairness_table(
    frame: pd.DataFrame, prob_column: str = "p_model", min_each_class: int = 30
) -> pd.DataFrame:
    """AUC and calibration per department and per team-size band.

    ``frame`` needs ``label``, ``department``, ``headcount`` and the probability column.
    ``gate_eligible`` marks groups with at least ``min_each_class`` positives and negatives:
    the promotion gate only judges those (smaller groups give noise, not evidence).
    """
    rows = []
    groupings = {
        "department": frame["department"].astype("object").fillna("unknown"),
        "size_band": size_band(frame["headcount"]),
    }
    for dimension, keys in groupings.items():
        for group, part in frame.groupby(keys.to_numpy(), sort=True):
            label = part["label"].to_numpy(dtype=np.float64)
            prob = part[prob_column].to_numpy(dtype=np.float64)
            positives = int(label.sum())
            negatives = int(len(label) - positives)
            rows.append(
                {
                    "dimension": dimension,
                    "group": str(group),
                    "rows": len(label),
                    "positives": positives,
                    "negatives": negatives,
                    "roc_auc": roc_auc(label, prob),
                    "mean_probability": float(prob.mean()),
                    "event_rate": float(label.mean()),
                    "ece": expected_calibration_error(label, prob),
                    "brier": brier(label, prob),
                    "gate_eligible": positives >= min_each_class and negatives >= min_each_class,
                }
            )
    return pd.DataFrame(rows)
