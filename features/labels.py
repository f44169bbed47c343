"""The engagement decline event: the one label definition shared by training and the truth.

The rules are fixed in ``shared/interfaces.md`` ("Label: the engagement decline event").
The synthetic generator computes its ``p_true`` with the same low-level helpers
(:func:`welch_drop_fires`, :func:`exit_threshold`), so the ceiling it reports and the labels
a model is trained on can never drift apart. Everything here is vectorised and free of I/O.

Interpretation recorded here so that every caller shares it: "the data reach M+H's last
day" means the latest timesheet ``work_date`` is on or after the *last business day* of
M+H (timesheets hold days worked, so a calendar month end on a Sunday is never reached; the
same rule decides whether a month can be scored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from features.calendar import (
    last_business_day,
    month_end,
    month_range,
    months_of,
    parse_month,
    shift_month,
)
from features.tables import Tables

LABEL_COLUMNS: tuple[str, ...] = (
    "team_id",
    "month",
    "label",
    "survey_event",
    "exit_event",
    "pre_n",
    "post_n",
    "pre_mean",
    "post_mean",
    "p_value",
    "headcount",
    "voluntary_exits",
)

# Guards ceil() against binary noise: 0.15 * 100 is 15.000000000000002 in floating point.
_CEIL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LabelConfig:
    """The label's settings; recorded (with their hash) in every training run and the truth."""

    theta: float = 0.5
    horizon: int = 3
    p_value: float = 0.05
    min_responses: int = 5
    exit_share: float = 0.15
    exit_min: int = 2

    def as_dict(self) -> dict[str, float | int]:
        """The settings as a plain dict (JSON-ready)."""
        return asdict(self)

    def config_hash(self) -> str:
        """Stable short hash of the sorted settings, to tie labels, truth and runs together."""
        payload = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def exit_threshold(headcount: np.ndarray | int, config: LabelConfig = LabelConfig()) -> np.ndarray:
    """Voluntary exits in M+1..M+H needed to fire rule (b): max(exit_min, ceil(share * h))."""
    h = np.asarray(headcount, dtype=float)
    share = np.ceil(config.exit_share * h - _CEIL_TOLERANCE)
    return np.maximum(config.exit_min, share).astype(np.int64)


def welch_one_sided_p(
    pre_mean: np.ndarray,
    pre_var: np.ndarray,
    pre_n: np.ndarray,
    post_mean: np.ndarray,
    post_var: np.ndarray,
    post_n: np.ndarray,
) -> np.ndarray:
    """One-sided Welch p-value for "post mean < pre mean" (``ttest_ind(post, pre, 'less')``).

    Vectorised so that thousands of team-months (or Monte Carlo futures) cost one call.
    Windows with fewer than two responses give NaN. When both windows have zero variance the
    test degenerates: a drop then counts as certain (p = 0) and no drop as p = 1.
    """
    pre_mean, pre_var, pre_n = (np.asarray(a, dtype=float) for a in (pre_mean, pre_var, pre_n))
    post_mean, post_var, post_n = (
        np.asarray(a, dtype=float) for a in (post_mean, post_var, post_n)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        a = pre_var / pre_n
        b = post_var / post_n
        se2 = a + b
        drop = pre_mean - post_mean
        t_stat = drop / np.sqrt(se2)
        dof = se2**2 / (a**2 / (pre_n - 1) + b**2 / (post_n - 1))
        p = stats.t.sf(t_stat, dof)
    degenerate = se2 == 0
    p = np.where(degenerate, np.where(drop > 0, 0.0, 1.0), p)
    too_small = (pre_n < 2) | (post_n < 2)
    return np.where(too_small, np.nan, p)


def welch_drop_fires(
    pre_mean: np.ndarray,
    pre_var: np.ndarray,
    pre_n: np.ndarray,
    post_mean: np.ndarray,
    post_var: np.ndarray,
    post_n: np.ndarray,
    config: LabelConfig = LabelConfig(),
) -> np.ndarray:
    """Rule (a): both windows >= min_responses, drop >= theta, one-sided Welch p < p_value.

    Variances are sample variances (ddof=1). Returns False where (a) cannot be evaluated;
    use :func:`survey_evaluable` to tell "did not fire" from "could not be evaluated".
    """
    p = welch_one_sided_p(pre_mean, pre_var, pre_n, post_mean, post_var, post_n)
    evaluable = survey_evaluable(pre_n, post_n, config)
    big_enough = (np.asarray(pre_mean, float) - np.asarray(post_mean, float)) >= config.theta
    with np.errstate(invalid="ignore"):
        significant = p < config.p_value
    return evaluable & big_enough & significant


def survey_evaluable(
    pre_n: np.ndarray, post_n: np.ndarray, config: LabelConfig = LabelConfig()
) -> np.ndarray:
    """Whether both survey windows hold enough responses for rule (a) to be evaluated."""
    return (np.asarray(pre_n) >= config.min_responses) & (
        np.asarray(post_n) >= config.min_responses
    )


def combine_label(
    survey_fires: np.ndarray,
    exit_fires: np.ndarray,
    evaluable: np.ndarray,
    data_complete: np.ndarray,
) -> pd.array:
    """label = 1 if either rule fires; 0 if neither, (a) evaluable and data complete; else NA."""
    fires = np.asarray(survey_fires, bool) | np.asarray(exit_fires, bool)
    negative = ~fires & np.asarray(evaluable, bool) & np.asarray(data_complete, bool)
    values = np.where(fires, 1, 0).astype(np.int8)
    mask = ~(fires | negative)
    return pd.arrays.IntegerArray(values, mask)


def _month_number(dates: pd.Series | pd.Index) -> np.ndarray:
    """Months since 1970-01 of each date, vectorised (NaT gives a huge negative number)."""
    values = np.asarray(dates, dtype="datetime64[ns]")
    return values.astype("datetime64[M]").astype(np.int64)


def _day_number(dates: pd.Series, missing: int) -> np.ndarray:
    """Days since 1970-01-01 of each date; NaT becomes ``missing``."""
    values = np.asarray(dates, dtype="datetime64[ns]")
    days = values.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(values), missing, days)


def _period_number(period: pd.Period) -> int:
    return (period.year - 1970) * 12 + period.month - 1


_FAR_FUTURE = np.iinfo(np.int64).max // 2


@dataclass(frozen=True)
class _Membership:
    """Which team each employee is in on a given day, as integer codes (fast at any scale)."""

    current: np.ndarray  # team code of employees.team_id (-1 if unknown)
    has_history: np.ndarray  # employee appears in assignments
    emp: np.ndarray  # assignment rows: employee code
    team: np.ndarray  # assignment rows: team code
    start: np.ndarray  # assignment rows: first day
    end: np.ndarray  # assignment rows: last day (far future if open)

    @classmethod
    def build(
        cls, employees: pd.DataFrame, assignments: pd.DataFrame | None, team_codes: pd.Index
    ) -> _Membership:
        employee_index = pd.Index(employees["employee_id"].astype(str))
        current = team_codes.get_indexer(employees["team_id"].astype(str))
        if assignments is None or not len(assignments):
            empty = np.zeros(0, dtype=np.int64)
            return cls(current, np.zeros(len(current), bool), empty, empty, empty, empty)
        emp = employee_index.get_indexer(assignments["employee_id"].astype(str))
        keep = emp >= 0
        has_history = np.zeros(len(current), dtype=bool)
        has_history[emp[keep]] = True
        return cls(
            current=current,
            has_history=has_history,
            emp=emp[keep],
            team=team_codes.get_indexer(assignments["team_id"].astype(str))[keep],
            start=_day_number(assignments["start_date"], _FAR_FUTURE)[keep],
            end=_day_number(assignments["end_date"], _FAR_FUTURE)[keep],
        )

    def on(self, day: int) -> np.ndarray:
        """Team code of every employee on ``day`` (-1: no team that day)."""
        team = np.where(self.has_history, -1, self.current)
        covers = (self.start <= day) & (self.end >= day)
        team[self.emp[covers]] = self.team[covers]
        return team

    def on_exit(self, exit_day: np.ndarray) -> np.ndarray:
        """Team code of every employee on its own exit day: the period covering it, else the
        last one started before it, else employees.team_id."""
        team = self.current.copy()
        if not len(self.emp):
            return team
        started = self.start <= exit_day[self.emp]
        emp, start, rows = self.emp[started], self.start[started], np.flatnonzero(started)
        order = np.lexsort((start, emp))
        emp, rows = emp[order], rows[order]
        last = np.append(emp[1:] != emp[:-1], True)
        team[emp[last]] = self.team[rows[last]]
        return team


def _survey_windows(
    surveys: pd.DataFrame | None,
    team_codes: pd.Index,
    first: pd.Period,
    n_months: int,
    config: LabelConfig,
) -> tuple[np.ndarray, ...]:
    """Per team x month: (n, mean, var) of the pre and post windows."""
    n_teams = len(team_codes)
    # pad H months on both sides so every window is a plain slice of a cumulative sum
    pad = max(config.horizon, 2) + 1
    width = n_months + 2 * pad
    count = np.zeros((n_teams, width))
    total = np.zeros((n_teams, width))
    total_sq = np.zeros((n_teams, width))
    if surveys is not None and len(surveys):
        engagement = (
            surveys[["vigor", "dedication", "absorption"]].astype(float).mean(axis=1).to_numpy()
        )
        team_pos = team_codes.get_indexer(surveys["team_id"].astype(str))
        month_pos = _month_number(surveys["survey_date"]) - _period_number(first) + pad
        keep = (team_pos >= 0) & (month_pos >= 0) & (month_pos < width) & ~np.isnan(engagement)
        team_pos, month_pos, engagement = team_pos[keep], month_pos[keep], engagement[keep]
        np.add.at(count, (team_pos, month_pos), 1.0)
        np.add.at(total, (team_pos, month_pos), engagement)
        np.add.at(total_sq, (team_pos, month_pos), engagement**2)

    def window(arr: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Sum over months M+lo..M+hi for every M in 0..n_months-1."""
        csum = np.concatenate([np.zeros((n_teams, 1)), np.cumsum(arr, axis=1)], axis=1)
        start = np.arange(n_months) + pad + lo
        return csum[:, start + (hi - lo + 1)] - csum[:, start]

    out = []
    for lo, hi in ((-2, 0), (1, config.horizon)):
        n = window(count, lo, hi)
        s = window(total, lo, hi)
        ss = window(total_sq, lo, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s / n
            var = np.maximum(ss - s * s / n, 0.0) / (n - 1)
        out.extend([n, mean, var])
    return tuple(out)


def label_team_months(
    tables: Tables,
    months: Sequence[str] | None = None,
    config: LabelConfig = LabelConfig(),
) -> pd.DataFrame:
    """The label and its diagnostics for every team in ``tables.teams`` and every month.

    ``months`` defaults to every month from the first to the last month in the timesheets.
    """
    work_dates = tables.timesheets["work_date"]
    data_end = work_dates.max() if len(work_dates) else pd.NaT
    if months is None:
        if pd.isna(data_end):
            months = []
        else:
            months = month_range(
                str(months_of(pd.Series([work_dates.min()])).iloc[0]),
                str(months_of(pd.Series([data_end])).iloc[0]),
            )
    months = list(months)
    team_codes = pd.Index(tables.teams["team_id"].astype(str).unique())
    n_teams, n_months = len(team_codes), len(months)
    if n_months == 0 or n_teams == 0:
        return _empty_frame()
    first = parse_month(min(months))
    span = parse_month(max(months)) - first
    all_months = month_range(min(months), max(months))
    grid_cols = np.array([_period_number(parse_month(m)) for m in months]) - _period_number(first)
    assert span.n + 1 == len(all_months)

    pre_n, pre_mean, pre_var, post_n, post_mean, post_var = (
        arr[:, grid_cols]
        for arr in _survey_windows(tables.surveys, team_codes, first, len(all_months), config)
    )

    employees = tables.employees
    headcount = np.zeros((n_teams, n_months), dtype=np.int64)
    exits = np.zeros((n_teams, n_months), dtype=np.int64)
    membership = _Membership.build(employees, tables.assignments, team_codes)
    hire_day = _day_number(employees["hire_date"], _FAR_FUTURE)
    exit_day = _day_number(employees["exit_date"], _FAR_FUTURE)
    exited = exit_day < _FAR_FUTURE
    voluntary = employees["exit_reason"].astype("string").eq("voluntary").fillna(False)
    voluntary = voluntary.to_numpy(bool) & exited
    vol_team = membership.on_exit(exit_day)[voluntary]
    vol_month = _month_number(employees["exit_date"])[voluntary] - _period_number(first)
    counted = vol_team >= 0
    vol_team, vol_month = vol_team[counted], vol_month[counted]
    data_complete = np.zeros(n_months, dtype=bool)
    for j, month in enumerate(months):
        day = int(np.datetime64(month_end(month).date(), "D").astype(np.int64))
        active = (hire_day <= day) & ~(exit_day <= day)
        team = membership.on(day)[active]
        headcount[:, j] = np.bincount(team[team >= 0], minlength=n_teams)
        offset = grid_cols[j]
        in_horizon = (vol_month >= offset + 1) & (vol_month <= offset + config.horizon)
        exits[:, j] = np.bincount(vol_team[in_horizon], minlength=n_teams)
        horizon_end = last_business_day(shift_month(month, config.horizon))
        data_complete[j] = bool(pd.notna(data_end) and data_end >= horizon_end)

    survey_fires = welch_drop_fires(pre_mean, pre_var, pre_n, post_mean, post_var, post_n, config)
    evaluable = survey_evaluable(pre_n, post_n, config)
    exit_fires = exits >= exit_threshold(headcount, config)
    complete = np.broadcast_to(data_complete, (n_teams, n_months))
    p_value = welch_one_sided_p(pre_mean, pre_var, pre_n, post_mean, post_var, post_n)

    flat = {
        "team_id": pd.array(np.repeat(team_codes.to_numpy(str), n_months), dtype="string"),
        "month": pd.array(np.tile(np.asarray(months, dtype=object), n_teams), dtype="string"),
        "label": combine_label(survey_fires, exit_fires, evaluable, complete).reshape(-1),
        "survey_event": pd.arrays.BooleanArray(survey_fires.reshape(-1), ~evaluable.reshape(-1)),
        "exit_event": exit_fires.reshape(-1),
        "pre_n": pre_n.reshape(-1).astype(np.int64),
        "post_n": post_n.reshape(-1).astype(np.int64),
        "pre_mean": pre_mean.reshape(-1),
        "post_mean": post_mean.reshape(-1),
        "p_value": p_value.reshape(-1),
        "headcount": headcount.reshape(-1),
        "voluntary_exits": exits.reshape(-1),
    }
    return pd.DataFrame(flat, columns=list(LABEL_COLUMNS))


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team_id": pd.array([], dtype="string"),
            "month": pd.array([], dtype="string"),
            "label": pd.array([], dtype="Int8"),
            "survey_event": pd.array([], dtype="boolean"),
            "exit_event": np.zeros(0, bool),
            "pre_n": np.zeros(0, np.int64),
            "post_n": np.zeros(0, np.int64),
            "pre_mean": np.zeros(0),
            "post_mean": np.zeros(0),
            "p_value": np.zeros(0),
            "headcount": np.zeros(0, np.int64),
            "voluntary_exits": np.zeros(0, np.int64),
        }
    )


__all__ = [
    "LABEL_COLUMNS",
    "LabelConfig",
    "combine_label",
    "exit_threshold",
    "label_team_months",
    "survey_evaluable",
    "welch_drop_fires",
    "welch_one_sided_p",
]
