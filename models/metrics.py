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
TOP_TEAMS = 3  # the review list's minimum size (shared/interfaces.md)
TOP_MONTH_SHARE = 0.05
# the two ceilings of shared/interfaces.md: the oracle (p_true) and the observable ceiling
CEILINGS: tuple[str, ...] = ("oracle", "observable")
# scores that rank but are no calibrated probability (no Brier, ECE or PR AUC for them)
RANK_ONLY = frozenset({"observable"})
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


def month_groups(month: Sequence[str]) -> list[np.ndarray]:
    """Row positions of each distinct month, months ascending, rows in their given order."""
    _, code = np.unique(np.asarray(month, dtype=object).astype(str), return_inverse=True)
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    return np.split(order, bounds) if len(order) else []


def within_month_auc(
    label: np.ndarray, score: np.ndarray, groups: Sequence[np.ndarray], weight: np.ndarray | None
) -> float:
    """Mean over months of the AUC among that month's teams (months with both classes).

    HR compares teams of the same month; a pooled AUC also rewards telling calm months from
    busy ones, which does not help pick whom to talk to this month.
    """
    w = _weights(label, weight)
    values = [roc_auc(label[g], score[g], w[g]) for g in groups]
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def top_k_precision(
    label: np.ndarray,
    score: np.ndarray,
    groups: Sequence[np.ndarray],
    weight: np.ndarray | None,
    k: int | None = None,
    share: float | None = None,
) -> float:
    """Share of events among each month's top ``k`` teams (or top ``ceil(share x teams)``),
    pooled over months.

    Ties are broken by row order. Bootstrap weights count a team drawn twice as two teams, so
    a weight straddling the cut takes only the slots left.
    """
    w = _weights(label, weight)
    hits = taken_total = 0.0
    for g in groups:
        order = g[np.argsort(-np.asarray(score)[g], kind="stable")]
        ww = w[order]
        slots = k if k is not None else math.ceil((share or 0.0) * ww.sum() - 1e-9)
        before = np.cumsum(ww) - ww
        taken = np.clip(slots - before, 0.0, ww)
        hits += float((taken * np.asarray(label, dtype=np.float64)[order]).sum())
        taken_total += float(taken.sum())
    return hits / taken_total if taken_total else math.nan


def monthly_metrics(
    label: np.ndarray,
    score: np.ndarray,
    groups: Sequence[np.ndarray],
    weight: np.ndarray | None = None,
) -> dict[str, float]:
    """Within-month AUC and the precision of each month's top 3 and top 5 % of teams."""
    return {
        "auc_within_month": within_month_auc(label, score, groups, weight),
        "precision_top3": top_k_precision(label, score, groups, weight, k=TOP_TEAMS),
        "precision_top5pct": top_k_precision(label, score, groups, weight, share=TOP_MONTH_SHARE),
    }


def headline_metrics(
    label: np.ndarray, prob: np.ndarray, month: Sequence[str], rank_only: bool = False
) -> dict[str, float]:
    """Every point metric of one set of predictions (``rank_only``: no calibration figures,
    for a score that ranks but is no probability, such as the observable ceiling)."""
    label = np.asarray(label, dtype=np.float64)
    prob = np.asarray(prob, dtype=np.float64)
    precision, recall = top_share_precision_recall(label, prob, month)
    metrics = {
        "roc_auc": roc_auc(label, prob),
        **monthly_metrics(label, prob, month_groups(month)),
        "pr_auc": pr_auc(label, prob),
        "brier": math.nan if rank_only else brier(label, prob),
        "ece": math.nan if rank_only else expected_calibration_error(label, prob),
        "precision_top10": precision,
        "recall_top10": recall,
        "rows": float(len(label)),
        "positives": float(np.sum(label)),
    }
    return metrics


def normalised_share(auc: float, ceiling_auc: float) -> float:
    """(AUC - 0.5) / (ceiling - 0.5): how much of the ceiling's lead over chance is reached."""
    lead = ceiling_auc - 0.5
    return (auc - 0.5) / lead if lead > 0 else math.nan


def _replicate_stats(
    label: np.ndarray,
    scores: Mapping[str, np.ndarray],
    weight: np.ndarray | None,
    groups: Sequence[np.ndarray],
) -> dict[str, float]:
    stats: dict[str, float] = {}
    for name, prob in scores.items():
        stats[f"{name}.roc_auc"] = roc_auc(label, prob, weight)
        if name not in RANK_ONLY:
            stats[f"{name}.pr_auc"] = pr_auc(label, prob, weight)
            stats[f"{name}.brier"] = brier(label, prob, weight)
            stats[f"{name}.ece"] = expected_calibration_error(label, prob, weight)
        for metric, value in monthly_metrics(label, prob, groups, weight).items():
            stats[f"{name}.{metric}"] = value
    ceilings = [name for name in CEILINGS if name in scores]
    learners = [name for name in scores if name not in CEILINGS]
    for name in learners:
        for ceiling in ceilings:
            stats[f"{name}.share_of_{ceiling}"] = normalised_share(
                stats[f"{name}.roc_auc"], stats[f"{ceiling}.roc_auc"]
            )
    if "model" in scores:
        for name in learners:
            if name != "model":
                stats[f"gap.{name}.roc_auc"] = stats["model.roc_auc"] - stats[f"{name}.roc_auc"]
        for ceiling in ceilings:
            top3 = stats[f"{ceiling}.precision_top3"]
            stats[f"model.top3_vs_{ceiling}"] = (
                stats["model.precision_top3"] / top3 if top3 > 0 else math.nan
            )
    return stats


def bootstrap_intervals(
    label: np.ndarray,
    scores: Mapping[str, np.ndarray],
    cluster: Sequence[str],
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.90,
    month: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Point estimate and cluster-bootstrap interval of every score's metrics, the gaps to the
    baselines and the normalised shares of the ceilings.

    Teams are resampled with replacement (weights = how often each team was drawn), and the
    same draw is used for every score, so gaps and shares are paired. ``month`` (one per row)
    adds the per-month figures; without it every row counts as one month. Returns one row
    per statistic: ``estimate``, ``low``, ``high``.
    """
    label = np.asarray(label, dtype=np.float64)
    scores = {name: np.asarray(prob, dtype=np.float64) for name, prob in scores.items()}
    groups = month_groups(month if month is not None else [""] * len(label))
    _, team_code = np.unique(np.asarray(cluster, dtype=object).astype(str), return_inverse=True)
    n_teams = int(team_code.max()) + 1 if len(team_code) else 0
    rng = np.random.default_rng(seed)
    point = _replicate_stats(label, scores, None, groups)
    draws: dict[str, list[float]] = {name: [] for name in point}
    for _ in range(replicates):
        counts = rng.multinomial(n_teams, np.full(n_teams, 1.0 / n_teams))
        stats = _replicate_stats(label, scores, counts[team_code].astype(np.float64), groups)
        for name, value in stats.items():
            draws[name].append(value)
    return percentile_table(point, draws, level)


def percentile_table(
    point: Mapping[str, float], draws: Mapping[str, Sequence[float]], level: float = 0.90
) -> pd.DataFrame:
    """``statistic, estimate, low, high``: each point estimate with the percentile interval
    of its bootstrap draws (non-finite draws left out; NaN bounds when none is left)."""
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
