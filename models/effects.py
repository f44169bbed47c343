"""Did it help? The measured effect of HR's interventions (issue 20).

For each intervention (team t, start month s = month 0) and outcome, a difference in
differences against **comparison teams that looked alike before it**: teams with no
intervention acting then, in the same band in their month -1 and with the same flags in
months -3..-1 (what HR saw), whose risk and signals of either trouble were closest in months
-3..-1 and whose outcome followed the most similar shape over months -6..-1, each aligned on a
start up to 3 months from the treated one. The
estimate is the change of the team from the 6 months before to the 6 months after (1..6)
minus the same change of its comparison teams' mean: team and month effects cancel.

Per intervention type and per action, the effects of the interventions are averaged, with a
90 % interval from a cluster bootstrap over teams (a team helped twice is one cluster).
The same comparison is run on the months *before* the start (months -6..-4 against -3..-1,
a placebo): when its interval excludes zero, the treated and comparison teams were already
moving apart, the estimate would mistake that for an effect, and the status is
``confounded`` (no estimate given). Fewer than 5 interventions give ``too_few``.

Pure functions on a team-month panel; the store and the commands feed them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Status = Literal["estimated", "too_few", "confounded"]
PRE_MONTHS = 6
PRE_END = -1  # the last month of the "before"
POST_MONTHS = 6
MAX_COMPARISONS = 10
ALIGN_MONTHS = 3  # a comparison's own window may start this many months before or after
HELP_LASTS = (
    9  # an intervention's months plus the 6 after them: a team helped then is no comparison
)
MIN_COMPARISONS = 3
MIN_INTERVENTIONS = 5
BOOTSTRAP = 1000
PLACEBO_TOLERANCE = 0.5  # a pre-trend under half the effect interval's half-width is let be
LEVEL = 0.90
# outcome name -> the panel column it is read from (per month, per team)
OUTCOMES: dict[str, str] = {
    "engagement": "survey_engagement_mean",
    "overtime": "overtime_mean_hours",
    "leave_uptake": "leave_uptake_pace",
    "exits": "voluntary_exits_3m",
    "risk": "risk",
}
# what must look alike in the months HR decided in (NOW_MONTHS): the risk, the signals of
# either kind of trouble and the outcome itself; a missing value counts as far apart
MATCH_NOW: tuple[str, ...] = (
    "risk",
    "volume_surge_ratio",
    "backlog_weeks",
    "overtime_mean_hours",
    "survey_engagement_mean",
    "survey_engagement_vs_12m",
    "survey_recognition_mean",
    "survey_recognition_vs_12m",
    "survey_recognition_3m_vs_year",
    "survey_engagement_3m_vs_year",
)
NOW_MONTHS = (-3, -2, -1)
FLAG_MONTHS = 1
SHAPE_WEIGHT = 1.0
OUTCOME_WEIGHT = 4.0  # the outcome itself in the months HR decided weighs this many signals
SHAPE_ON: tuple[str, ...] = ("overtime_mean_hours", "survey_recognition_mean")
UNITS = {
    "engagement": "points",
    "overtime": "hours per member a month",
    "leave_uptake": "share of the pace",
    "exits": "voluntary exits in 3 months",
    "risk": "probability points",
}


@dataclass(frozen=True)
class Intervention:
    """One recorded intervention, as the estimator needs it."""

    intervention_id: str
    team_id: str
    month: str  # the start month (month 0)
    intervention: str
    action_id: str | None = None


@dataclass(frozen=True)
class TeamEffect:
    """One intervention's difference in differences on one outcome."""

    intervention_id: str
    team_id: str
    month: str
    intervention: str
    action_id: str | None
    outcome: str
    estimate: float
    placebo: float
    comparisons: int
    # the parts, for an interval that resamples comparison teams too: the team's own change
    # (estimate, placebo) and each comparison team's
    own: tuple[float, float] = (math.nan, math.nan)
    others: tuple[tuple[str, float, float], ...] = ()


def month_offsets(months: Sequence[str], start: str) -> np.ndarray:
    """Months relative to ``start`` (0 = the start month)."""
    base = int(start[:4]) * 12 + int(start[5:7])
    return np.array([int(m[:4]) * 12 + int(m[5:7]) - base for m in months])


class Panel:
    """The team-month panel pivoted once: outcome, band and flags as team x month tables."""

    def __init__(self, panel: pd.DataFrame) -> None:
        self.months = sorted(panel["month"].astype(str).unique())
        self.position = {month: i for i, month in enumerate(self.months)}
        frame = panel.astype({"team_id": str, "month": str})
        self.tables = {}
        numeric = frame.select_dtypes("number").columns
        for column in frame.columns:
            if column in ("team_id", "month") or (
                column not in numeric and column not in ("band", "flags")
            ):
                continue
            table = frame.pivot(index="team_id", columns="month", values=column).reindex(
                columns=self.months
            )
            if column not in ("band", "flags"):
                # month effects out: each month's median over all teams is subtracted, so a
                # comparison aligned on a nearby month is not misled by the season
                table = table.astype(float)
                table = table - table.median(axis=0)
            self.tables[column] = table
        self.teams = list(self.tables["band"].index) if "band" in self.tables else []
        self.row = {team: i for i, team in enumerate(self.teams)}
        self._windows: dict[tuple[str, str], np.ndarray] = {}
        self._states: dict[str, np.ndarray | None] = {}
        self._spreads: dict[str, float] = {}

    def window_array(self, column: str, start: str) -> np.ndarray:
        """Every team's ``column`` over months -6..+6 of ``start``, a (teams x 13) array
        (NaN outside the panel; cached: many interventions look at the same months)."""
        key = (column, start)
        if key not in self._windows:
            table = self.tables[column].reindex(self.teams).to_numpy(dtype=float)
            at = self.position.get(start)
            out = np.full((len(self.teams), PRE_MONTHS + POST_MONTHS + 1), np.nan)
            if at is not None:
                for j, k in enumerate(range(-PRE_MONTHS, POST_MONTHS + 1)):
                    if 0 <= at + k < len(self.months):
                        out[:, j] = table[:, at + k]
            self._windows[key] = out
        return self._windows[key]

    def state_array(self, start: str) -> np.ndarray | None:
        """:meth:`state` as a (teams x columns) array of strings (None if absent)."""
        if start not in self._states:
            state = self.state(start)
            self._states[start] = (
                None if state.empty else state.reindex(self.teams).astype(str).to_numpy()
            )
        return self._states[start]

    def spread(self, column: str) -> float:
        """The column's spread across all teams and months (1 when it has none)."""
        if column not in self._spreads:
            values = self.tables[column].to_numpy(dtype=float)
            self._spreads[column] = float(np.nanstd(values)) or 1.0
        return self._spreads[column]

    def state(self, start: str) -> pd.DataFrame:
        """What HR saw before ``start``: every team's band in month -1 and flags in months
        -2 and -1 (empty if those months are absent)."""
        at = self.position.get(start)
        if at is None or at < FLAG_MONTHS:
            return pd.DataFrame(columns=["band", *(f"flags{k}" for k in range(FLAG_MONTHS))])
        seen = {"band": self.tables["band"][self.months[at - 1]]}
        for k in range(FLAG_MONTHS):
            seen[f"flags{k}"] = self.tables["flags"][self.months[at - 1 - k]]
        return pd.DataFrame(seen)


def comparison_teams(
    panel: Panel,
    treated: Intervention,
    column: str,
    starts_by_team: Mapping[str, Sequence[str]],
) -> list[tuple[str, str]]:
    """Teams that looked alike before the start, each with the month its own comparison
    window is aligned on: a team whose trouble began a few months earlier or later is as good
    a comparison as one whose trouble began the same month (troubles that begin in the same
    month are rare in a back office), so candidate starts range over ``ALIGN_MONTHS`` around
    the treated start. A candidate (team, start) had no intervention acting then
    (:func:`_near`), the treated team's band in its month -1 and flags in months -3..-1, and
    is ranked by its distance to the treated team: the values of the risk and of what signals
    either kind of trouble (``MATCH_NOW``) in months -3..-1, where HR decided (levels over
    the whole pre-period matched outcomes that had dipped by chance, whose rebound then hid
    the effect), plus the outcome's shape over months -6..-1 (each path minus its mean: the
    difference in differences cancels levels, not slopes), each in its spread across teams.
    The closest ``MAX_COMPARISONS`` teams are kept, each at its closest start."""
    i = panel.row.get(treated.team_id)
    treated_state = panel.state_array(treated.month)
    if i is None or treated_state is None:
        return []
    pre_cols = slice(0, PRE_MONTHS)  # offsets -6..-1
    now_cols = [k + PRE_MONTHS for k in NOW_MONTHS]
    own_pre = panel.window_array(column, treated.month)[i, pre_cols]
    if np.isfinite(own_pre).sum() < 3:
        return []
    shaped = list(dict.fromkeys(c for c in (column, *SHAPE_ON) if c in panel.tables))
    own_shapes = {c: _shape(panel.window_array(c, treated.month)[i, pre_cols]) for c in shaped}
    decision = [c for c in (*MATCH_NOW, column) if c in panel.tables]
    own_now = {c: panel.window_array(c, treated.month)[i, now_cols] for c in decision}
    best: dict[str, tuple[float, str]] = {}
    for shift in range(-ALIGN_MONTHS, ALIGN_MONTHS + 1):
        start = _shift(treated.month, shift)
        state = panel.state_array(start)
        if state is None:
            continue
        alike = (state == treated_state[i]).all(axis=1)
        alike[i] = False
        rows = [
            r
            for r in np.flatnonzero(alike)
            if not _near(starts_by_team.get(panel.teams[r], ()), start)
        ]
        if not rows:
            continue
        pre = panel.window_array(column, start)[rows, pre_cols]
        distance = np.where(np.isfinite(pre).sum(axis=1) >= 3, 0.0, np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for c in shaped:
                shape = _shape(panel.window_array(c, start)[rows, pre_cols])
                gap = np.nanmean(((shape - own_shapes[c]) / panel.spread(c)) ** 2, axis=1)
                distance = distance + SHAPE_WEIGHT * np.where(
                    np.isnan(gap), 4.0 if c != column else np.nan, gap
                )
            for c, own in own_now.items():
                now = panel.window_array(c, start)[rows][:, now_cols]
                gap = np.nanmean(((now - own) / panel.spread(c)) ** 2, axis=1)
                weight = OUTCOME_WEIGHT if c == column else 1.0
                distance = distance + weight * np.where(np.isnan(gap), 4.0, gap)
        for r, value in zip(rows, distance, strict=True):
            team = panel.teams[r]
            if not np.isnan(value) and (team not in best or value < best[team][0]):
                best[team] = (float(value), start)
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))
    return [(team, start) for team, (_value, start) in ranked[:MAX_COMPARISONS]]


def _shape(paths: np.ndarray) -> np.ndarray:
    """Each path minus its own mean (NaN-aware; rows or a single path)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return paths - np.nanmean(paths, axis=-1, keepdims=True)


def _near(starts: Sequence[str], start: str) -> bool:
    """Whether one of a team's intervention ``starts`` still acts around ``start``: from
    ``HELP_LASTS`` months before it up to its month 0. (One that starts later does not
    exclude the team: that would keep only teams with calm futures as comparisons; its path
    is cut at that start instead, :func:`_help_free`.)"""
    return any(-HELP_LASTS <= int(month_offsets([m], start)[0]) <= 0 for m in starts)


def _help_free(window: pd.Series, starts: Sequence[str], start: str) -> pd.Series:
    """A comparison's path around ``start`` with the months from its own next intervention
    on left out."""
    later = [int(month_offsets([m], start)[0]) for m in starts]
    cut = min((k for k in later if k > 0), default=None)
    return window if cut is None else window.where(window.index < cut)


def team_effects(
    panel: pd.DataFrame,
    interventions: Sequence[Intervention],
    outcomes: Sequence[str],
    everyone: Sequence[Intervention] | None = None,
) -> list[TeamEffect]:
    """Each intervention's difference in differences and placebo on each outcome.

    ``panel``: one row per team and month with ``team_id``, ``month``, ``band``, ``flags``
    (a hashable form, e.g. a sorted string) and the outcome columns (``OUTCOMES``).
    ``everyone``: every recorded intervention (default ``interventions``), which decides who
    may be a comparison. Interventions without all ``POST_MONTHS`` months after the start in
    the panel, or whose comparison set is too small (fewer than 3 teams), are left out.
    """
    pivoted = Panel(panel)
    starts_by_team: dict[str, list[str]] = {}
    for item in interventions if everyone is None else everyone:
        starts_by_team.setdefault(item.team_id, []).append(item.month)
    results = []
    for treated in interventions:
        at = pivoted.position.get(treated.month)
        if at is None or at + POST_MONTHS >= len(pivoted.months):
            continue
        for outcome in outcomes:
            column = OUTCOMES[outcome]
            if column not in pivoted.tables or treated.team_id not in pivoted.row:
                continue
            pairs = comparison_teams(pivoted, treated, column, starts_by_team)
            if len(pairs) < MIN_COMPARISONS:
                continue
            offsets = pd.Index(range(-PRE_MONTHS, POST_MONTHS + 1))
            own_path = pivoted.window_array(column, treated.month)[pivoted.row[treated.team_id]]
            own = _changes(pd.Series(own_path, index=offsets))
            others = []
            for team, start in pairs:
                path = pd.Series(
                    pivoted.window_array(column, start)[pivoted.row[team]], index=offsets
                )
                change = _changes(_help_free(path, starts_by_team.get(team, ()), start))
                if not math.isnan(change[0]):
                    others.append((team, *change))
            if len(others) < MIN_COMPARISONS:
                continue
            estimate = own[0] - float(np.mean([o[1] for o in others]))
            placebo = own[1] - float(np.nanmean([o[2] for o in others]))
            if math.isnan(estimate):
                continue
            results.append(
                TeamEffect(
                    treated.intervention_id,
                    treated.team_id,
                    treated.month,
                    treated.intervention,
                    treated.action_id,
                    outcome,
                    estimate,
                    placebo,
                    len(others),
                    own,
                    tuple(others),
                )
            )
    return results


def _changes(path: pd.Series) -> tuple[float, float]:
    """A path's change from before to after the start (months ``-PRE_MONTHS..PRE_END``
    to 1..``POST_MONTHS``), and its placebo change within the months before."""
    after = path[[k for k in range(1, POST_MONTHS + 1)]].mean()
    before = path[[k for k in range(-PRE_MONTHS, PRE_END + 1)]].mean()
    late = path[[PRE_END - 1, PRE_END]].mean()
    early = path[[k for k in range(-PRE_MONTHS, PRE_END - 1)]].mean()
    return float(after - before), float(late - early)


def _shift(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def summarise(
    effects: Sequence[TeamEffect],
    seed: int = 0,
    replicates: int = BOOTSTRAP,
) -> list[dict[str, object]]:
    """Per intervention type (``action_id`` None) and per action, per outcome: the mean
    effect, its 90 % interval, the count and the status (``shared/interfaces.md``)."""
    frame = pd.DataFrame([e.__dict__ for e in effects])
    rows: list[dict[str, object]] = []
    if frame.empty:
        return rows
    groups: list[tuple[str, str | None, pd.DataFrame]] = []
    for kind, part in frame.groupby("intervention", sort=True):
        groups.append((str(kind), None, part))
        for action, sub in part.groupby(part["action_id"].fillna(""), sort=True):
            if action:
                groups.append((str(kind), str(action), sub))
    rng = np.random.default_rng(seed)
    for kind, action, part in groups:
        for outcome, sub in part.groupby("outcome", sort=True):
            rows.append(_summary_row(kind, action, str(outcome), sub, rng, replicates))
    return rows


def _summary_row(
    kind: str,
    action: str | None,
    outcome: str,
    part: pd.DataFrame,
    rng: np.random.Generator,
    replicates: int,
) -> dict[str, object]:
    n = int(part["intervention_id"].nunique())
    row: dict[str, object] = {
        "intervention": kind,
        "action_id": action,
        "outcome": outcome,
        "unit": UNITS[outcome],
        "estimate": None,
        "ci90": None,
        "placebo": None,
        "placebo_ci90": None,
        "n": n,
        "status": "too_few",
    }
    if n < MIN_INTERVENTIONS:
        return row
    estimate, low, high = _two_way_interval(part, 0, rng, replicates)
    placebo, p_low, p_high = _two_way_interval(part, 1, rng, replicates)
    if any(math.isnan(v) for v in (low, high)):
        return row
    row.update(
        placebo=_round(placebo),
        placebo_ci90=[_round(p_low), _round(p_high)],
    )
    # confounded: the paths already parted before the start, by more than a small share of
    # the estimate's own uncertainty (a trend too small to matter beside it is not)
    tolerance = PLACEBO_TOLERANCE * (high - low) / 2
    if not math.isnan(p_low) and (p_low > 0 or p_high < 0) and abs(placebo) > tolerance:
        row["status"] = "confounded"
        return row
    row.update(estimate=_round(estimate), ci90=[_round(low), _round(high)], status="estimated")
    return row


def _two_way_interval(
    part: pd.DataFrame, which: int, rng: np.random.Generator, replicates: int
) -> tuple[float, float, float]:
    """Mean effect (``which`` 0) or placebo (1) and its percentile interval, resampling the
    treated teams (a team helped twice is one cluster) and, at once, the comparison teams:
    the same comparison team serves many interventions, so their errors move together and an
    interval over the treated alone is too narrow (on panels with no effect, 90 % intervals
    held zero 77 % of the time and placebos failed a third of the time)."""
    rows = part.reset_index(drop=True)
    if rows.empty or any(len(o) == 0 for o in rows["others"]):
        return _cluster_interval(part, ("estimate", "placebo")[which], rng, replicates)
    comparison_ids = sorted({o[0] for others in rows["others"] for o in others})
    index = {team: i for i, team in enumerate(comparison_ids)}
    changes = np.full((len(rows), len(comparison_ids)), np.nan)
    for r, others in enumerate(rows["others"]):
        for o in others:
            changes[r, index[o[0]]] = o[1 + which]
    own = np.array([o[which] for o in rows["own"]], dtype=float)
    keep = ~np.isnan(own) & (np.isfinite(changes).sum(axis=1) > 0)
    if keep.sum() == 0:
        return math.nan, math.nan, math.nan
    own, changes = own[keep], changes[keep]
    teams = rows.loc[keep, "team_id"].to_numpy()
    present = np.isfinite(changes)
    filled = np.where(present, changes, 0.0)

    def effects(weights: np.ndarray) -> np.ndarray:
        """Each intervention's effect with comparison teams weighted (weights: (R, C))."""
        mass = weights @ present.T  # (R, I)
        sums = weights @ filled.T
        plain = filled.sum(axis=1) / present.sum(axis=1)
        return own[None, :] - np.where(mass > 0, sums / np.maximum(mass, 1e-12), plain[None, :])

    estimate_each = effects(np.ones((1, len(comparison_ids))))[0]
    unique, cluster = np.unique(teams, return_inverse=True)
    point = float(estimate_each.mean())
    if len(unique) < 2:
        return point, math.nan, math.nan
    means = np.empty(replicates)
    for start in range(0, replicates, 100):
        size = min(100, replicates - start)
        weights = rng.poisson(1.0, (size, len(comparison_ids))).astype(float)
        each = effects(weights)  # (size, I)
        draws = rng.integers(0, len(unique), (size, len(unique)))
        counts = np.stack([np.bincount(d, minlength=len(unique)) for d in draws])  # (size, U)
        per_row = counts[:, cluster].astype(float)  # (size, I)
        means[start : start + size] = (each * per_row).sum(axis=1) / per_row.sum(axis=1)
    tail = (1 - LEVEL) / 2
    return point, float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def _cluster_interval(
    part: pd.DataFrame, column: str, rng: np.random.Generator, replicates: int
) -> tuple[float, float, float]:
    """Mean of ``column`` and its percentile interval, teams resampled with replacement."""
    values = part[[column, "team_id"]].dropna()
    if values.empty:
        return math.nan, math.nan, math.nan
    teams = values.groupby("team_id")[column].agg(["sum", "count"])
    sums, counts = teams["sum"].to_numpy(), teams["count"].to_numpy()
    estimate = float(sums.sum() / counts.sum())
    if len(teams) < 2:
        return estimate, math.nan, math.nan
    draws = rng.integers(0, len(teams), (replicates, len(teams)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - LEVEL) / 2
    return estimate, float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def describe(effect: TeamEffect, kind_words: Mapping[str, str] | None = None) -> str:
    """One team's effect in words ("overtime per member fell 11.0 hours a month against 6
    similar teams")."""
    direction = "rose" if effect.estimate > 0 else "fell"
    unit = UNITS[effect.outcome]
    name = effect.outcome.replace("_", " ")
    return (
        f"after the {effect.intervention} started in {effect.month}, {name} {direction} "
        f"{abs(effect.estimate):.2f} {unit} against {effect.comparisons} similar teams"
    )
