"""Bands, the review list and their backtest figures (``shared/interfaces.md``, "Bands, flags
and the review list").

HR acts on a few teams a month, and a probability cut that moves with calibration is no use
to them. So a team's band follows its *lift* (risk over the model's base rate: the event rate
of its training labels): ``medium`` (watch) from 1.5, ``high`` from 2.0. The **review list**
of a month is its ``high`` teams ranked by risk, at most k of them (k = the review capacity,
by default max(3, ceil(5 % of the teams scored))); "nothing stands out this month" is a
valid answer. A team-month with under 6 months of history in the export is
``insufficient_history``: band ``low``, no flag, no rank, not counted in k.

Pure functions on results and arrays; the batch job, the report, the API and the page call
them, and the backtest applies the same rules to each out-of-fold month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from models.metrics import percentile_table

Band = Literal["low", "medium", "high"]
Status = Literal["scored", "insufficient_history"]
MEDIUM_LIFT = 1.5
HIGH_LIFT = 2.0
MIN_HISTORY_MONTHS = 6
MIN_CAPACITY = 3
CAPACITY_SHARE = 0.05
_LIFT_TOLERANCE = 1e-9
SCORED: Status = "scored"
INSUFFICIENT_HISTORY: Status = "insufficient_history"


@dataclass(frozen=True)
class BandRules:
    """The model's base rate and the lift cuts; stored with the model as ``bands.json``
    together with what the backtest measured for the review list and the bands."""

    base_rate: float
    medium_lift: float = MEDIUM_LIFT
    high_lift: float = HIGH_LIFT
    backtest: dict[str, Any] = field(default_factory=dict)

    def lift(self, risk: float) -> float:
        """Risk over the base rate (how many times a random team's chance)."""
        return float(risk) / self.base_rate if self.base_rate > 0 else math.inf

    def band(self, risk: float) -> Band:
        """``high`` from ``high_lift``, ``medium`` from ``medium_lift``, else ``low``."""
        lift = self.lift(risk) + _LIFT_TOLERANCE  # 0.3 / 0.2 is 1.4999999999999998
        if lift >= self.high_lift:
            return "high"
        if lift >= self.medium_lift:
            return "medium"
        return "low"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``bands.json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> BandRules:
        """Inverse of :meth:`as_dict`; keys of other versions are ignored."""
        base_rate = payload.get("base_rate")
        if base_rate is None or not float(base_rate) > 0:
            raise ValueError("bands.json has no positive base_rate")
        return cls(
            base_rate=float(base_rate),
            medium_lift=float(payload.get("medium_lift", MEDIUM_LIFT)),
            high_lift=float(payload.get("high_lift", HIGH_LIFT)),
            backtest=dict(payload.get("backtest") or {}),
        )


def history_status(history_months: object) -> Status:
    """``insufficient_history`` under 6 months of history in the export (unknown: scored)."""
    try:
        months = float(history_months)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return SCORED
    if math.isnan(months):
        return SCORED
    return INSUFFICIENT_HISTORY if months < MIN_HISTORY_MONTHS else SCORED


def review_capacity(teams_scored: int, setting: int | None = None) -> int:
    """k: the setting (``ERISK_REVIEW_CAPACITY``) or max(3, ceil(5 % of the teams scored))."""
    if setting is not None:
        return max(0, int(setting))
    return max(MIN_CAPACITY, math.ceil(CAPACITY_SHARE * teams_scored - 1e-9))


def rank_month(
    results: Sequence[dict[str, Any]], capacity: int | None = None
) -> list[dict[str, Any]]:
    """Set ``rank`` and ``review`` on one month's results (copies, same order).

    Rank 1 is the highest risk among the ``scored`` teams (ties by team_id); the review list
    is the ``high`` teams among them in rank order, at most k. Other teams get rank and
    review null / false. ``capacity`` is the setting; None gives the default k.
    """
    ranked = [dict(r) for r in results]
    scored = [r for r in ranked if r.get("status", SCORED) == SCORED]
    k = review_capacity(len(scored), capacity)
    order = sorted(scored, key=lambda r: (-float(r["risk"]), str(r["team_id"])))
    listed = 0
    for position, result in enumerate(order, start=1):
        result["rank"] = position
        on_list = result.get("band") == "high" and listed < k
        result["review"] = on_list
        listed += on_list
    for result in ranked:
        if result.get("status", SCORED) != SCORED:
            result["rank"], result["review"] = None, False
    return ranked


def rerank_within(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ranks renumbered among the given results only; ``review`` is kept as the month's list
    decided it."""
    ranked = [dict(r) for r in results]
    order = sorted(
        (r for r in ranked if r.get("rank") is not None),
        key=lambda r: (int(r["rank"]), str(r["team_id"])),
    )
    for position, result in enumerate(order, start=1):
        result["rank"] = position
    return ranked


def visible_list(
    results: Sequence[dict[str, Any]], seen: Sequence[dict[str, Any]], capacity: int | None
) -> list[dict[str, Any]]:
    """The month as a key sees it: all of it as ranked and listed for the organisation, or,
    for a key scoped to some departments, its own teams ranked among themselves with *its
    own* review list (k from its own team count). With the organisation's list, a scoped
    key's high team left off it would tell that k riskier teams sit in other departments."""
    if len(seen) == len(results):
        return rerank_within(seen)
    return rank_month(seen, capacity)


def flagged_order(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``GET /v1/flagged``: the review list first (by rank), then the other medium and high
    teams by rank."""
    listed = [r for r in results if r.get("review")]
    watch = [r for r in results if not r.get("review") and r.get("band") in ("medium", "high")]

    def by_rank(r: Mapping[str, Any]) -> tuple[int, str]:
        rank = r.get("rank")
        return (int(rank) if rank is not None else 10**9, str(r["team_id"]))

    return sorted(listed, key=by_rank) + sorted(watch, key=by_rank)


# --- the same rules in the backtest -----------------------------------------------------------


def scored_mask(history_months: Sequence[object] | None, rows: int) -> np.ndarray:
    """Which rows have status ``scored`` (all of them when the history is not known)."""
    if history_months is None:
        return np.ones(rows, dtype=bool)
    return np.array([history_status(h) == SCORED for h in history_months], dtype=bool)


def review_membership(
    risk: np.ndarray,
    base_rate: np.ndarray,
    month: Sequence[str],
    high_lift: float = HIGH_LIFT,
    weight: np.ndarray | None = None,
    capacity: int | None = None,
    scored: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, how many of its (bootstrap) copies sit on its month's review list.

    ``base_rate`` is the base rate of the model that scored each row (a fold's own). With
    ``weight`` a team drawn twice counts as two teams, for k and for the slots. Rows not
    ``scored`` (insufficient history) are never listed and do not count in k.
    """
    risk = np.asarray(risk, dtype=np.float64)
    w = np.ones(len(risk)) if weight is None else np.asarray(weight, dtype=np.float64)
    ok = np.ones(len(risk), dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    high = (risk / np.asarray(base_rate, dtype=np.float64) + _LIFT_TOLERANCE >= high_lift) & ok
    taken = np.zeros(len(risk))
    frame = pd.DataFrame({"m": np.asarray(month, dtype=object).astype(str)})
    for _, index in frame.groupby("m", sort=True).indices.items():
        k = review_capacity(round(float((w * ok)[index].sum())), capacity)
        candidates = index[high[index]]
        order = candidates[np.argsort(-risk[candidates], kind="stable")]
        before = np.cumsum(w[order]) - w[order]
        taken[order] = np.clip(k - before, 0.0, w[order])
    return taken


def list_figures(
    label: np.ndarray,
    risk: np.ndarray,
    base_rate: np.ndarray,
    month: Sequence[str],
    weight: np.ndarray | None = None,
    scored: np.ndarray | None = None,
) -> dict[str, float]:
    """Precision, recall and lift of the review list and of each band, and the rate overall.

    Precision = the share of listed (or banded) team-months with a label-1 event; recall =
    the share of all events they hold; lift = precision / the overall event rate. Rows not
    ``scored`` (insufficient history) are band low, as in production.
    """
    label = np.asarray(label, dtype=np.float64)
    w = np.ones(len(label)) if weight is None else np.asarray(weight, dtype=np.float64)
    ok = np.ones(len(label), dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    lift = np.asarray(risk, dtype=np.float64) / np.asarray(base_rate, dtype=np.float64)
    lift = np.where(ok, lift + _LIFT_TOLERANCE, 0.0)
    total, events = float(w.sum()), float((w * label).sum())
    rate = events / total if total else math.nan
    members = {
        "review": review_membership(risk, base_rate, month, weight=w, scored=ok),
        "high": w * (lift >= HIGH_LIFT),
        "medium": w * ((lift >= MEDIUM_LIFT) & (lift < HIGH_LIFT)),
        "watch": w * (lift >= MEDIUM_LIFT),
    }
    figures = {"event_rate": rate, "rows": total}
    for name, count in members.items():
        listed = float(count.sum())
        hits = float((count * label).sum())
        precision = hits / listed if listed else math.nan
        figures[f"{name}.size"] = listed
        figures[f"{name}.precision"] = precision
        figures[f"{name}.recall"] = hits / events if events else math.nan
        figures[f"{name}.lift"] = precision / rate if rate and listed else math.nan
    return figures


def list_intervals(
    label: np.ndarray,
    risk: np.ndarray,
    base_rate: np.ndarray,
    month: Sequence[str],
    cluster: Sequence[str],
    replicates: int = 1000,
    seed: int = 0,
    level: float = 0.90,
    scored: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`list_figures` with 90 % team-cluster bootstrap intervals (statistic, estimate,
    low, high), teams resampled with replacement as in :mod:`models.metrics`."""
    _, team = np.unique(np.asarray(cluster, dtype=object).astype(str), return_inverse=True)
    n_teams = int(team.max()) + 1 if len(team) else 0
    rng = np.random.default_rng(seed)
    point = list_figures(label, risk, base_rate, month, scored=scored)
    draws: dict[str, list[float]] = {name: [] for name in point}
    for _ in range(replicates):
        counts = rng.multinomial(n_teams, np.full(n_teams, 1.0 / n_teams))
        for name, value in list_figures(
            label, risk, base_rate, month, counts[team].astype(np.float64), scored
        ).items():
            draws[name].append(value)
    return percentile_table(point, draws, level)


def backtest_sentence(backtest: Mapping[str, Any], lang: str = "en") -> str | None:
    """The review list's backtest precision in one plain sentence, or None when unknown.

    ("In the backtest, 4 of 10 teams on this list had a decline within 3 months; 1 in 14
    overall.")
    """
    precision, rate = backtest.get("review.precision"), backtest.get("event_rate")
    if rate is None or not rate > 0:
        return None
    one_in = max(1, round(1 / float(rate)))
    if precision is None or math.isnan(precision):
        if backtest.get("review.size") != 0:
            return None
        if lang == "ja":
            return (
                "バックテストでは、このリストに載ったチームはありませんでした"
                f"（全体では{one_in}チームに1チームで低下がありました）。"
            )
        return (
            "In the backtest no team reached this list; "
            f"1 in {one_in} teams overall had a decline within 3 months."
        )
    hits = round(10 * float(precision))
    if lang == "ja":
        return (
            f"バックテストでは、このリストのチーム10チーム中{hits}チームで3か月以内に"
            f"エンゲイジメントの低下がありました（全体では{one_in}チームに1チーム）。"
        )
    return (
        f"In the backtest, {hits} of 10 teams on this list had a decline within 3 months; "
        f"1 in {one_in} overall."
    )
