"""The engagement decline event (label v2): the one label module, shared by training and truth.

The rules are fixed in ``shared/interfaces.md`` ("Label v2"). For team t at month M, H = 3:

- (a) **survey decline**: the post window (responses in M+1..M+H) lies at least θ below the
  team's *own 12-month baseline* (responses in M-11..M, M included), significantly (one-sided
  Welch t-test, post vs baseline). Comparing with a long baseline instead of the last three
  months is what keeps a team whose recent pulses were high by chance from "declining" when
  they return to normal (label v1 rewarded regression to the mean).
- (b) **exit cluster**: the voluntary exits of M+1..M+H are k >= 2 and unlikely under the
  organisation's own trailing exit rate r: P(Poisson(h·H·r) >= k) < 0.05. A fixed share of
  the headcount (v1) made the event rate a sawtooth in team size.

``label_survey`` is null where (a) cannot be evaluated, ``label_exits`` where the team has
no member at M, and ``label`` only where the data do not reach M+H or h = 0: a row is never
dropped because the survey part could not be tested (its label is then its exit part).

The generator's truth (:mod:`synthetic.truth`) re-simulates the post window and the exits
and decides with the very functions below (:func:`survey_decline_fires`,
:func:`exit_cluster_fires`, :func:`trailing_exit_rate`, :func:`window_stats`), so the
labels a model learns and the probabilities it is judged against cannot drift apart.
Everything here is vectorised and free of I/O.

"The data reach M+H's last day" means the latest timesheet ``work_date`` is on or after the
*last business day* of M+H (timesheets hold days worked; the same rule decides whether a
month can be scored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
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

LABEL_VERSION = 2
LABEL_OUTPUTS: tuple[str, ...] = ("label", "label_survey", "label_exits")
LABEL_COLUMNS: tuple[str, ...] = (
    "team_id",
    "month",
    *LABEL_OUTPUTS,
    "baseline_n",
    "baseline_mean",
    "post_n",
    "post_mean",
    "p_value",
    "headcount",
    "voluntary_exits",
    "exit_rate",
    "exit_expected",
    "exit_p",
)


@dataclass(frozen=True)
class LabelConfig:
    """The label's settings; recorded (with their hash) in every training run and the truth."""

    theta: float = 0.5
    horizon: int = 3
    p_value: float = 0.05
    baseline_months: int = 12
    baseline_min_responses: int = 10
    post_min_responses: int = 5
    exit_tail: float = 0.05
    exit_min: int = 2
    exit_rate_floor: float = 0.005

    def as_dict(self) -> dict[str, float | int]:
        """The settings as a plain dict (JSON-ready), with the label's version."""
        return {"label_version": LABEL_VERSION, **asdict(self)}

    def config_hash(self) -> str:
        """Stable short hash of the sorted settings, to tie labels, truth and runs together."""
        payload = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


# --- the two rules, on plain arrays (shared with the truth) --------------------------------


def window_stats(
    count: np.ndarray, total: np.ndarray, total_sq: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, mean, sample variance) of a window from its count, sum and sum of squares."""
    n = np.asarray(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        var = np.maximum(total_sq - total * total / n, 0.0) / (n - 1)
    return n, mean, var


def welch_one_sided_p(
    base_mean: np.ndarray,
    base_var: np.ndarray,
    base_n: np.ndarray,
    post_mean: np.ndarray,
    post_var: np.ndarray,
    post_n: np.ndarray,
) -> np.ndarray:
    """One-sided Welch p-value for "post mean < baseline mean" (``ttest_ind(post, base,
    alternative='less', equal_var=False)``).

    Vectorised so that thousands of team-months (or Monte Carlo futures) cost one call.
    Windows with fewer than two responses give NaN. When both windows have zero variance the
    test degenerates: a drop then counts as certain (p = 0) and no drop as p = 1.
    """
    base_mean, base_var, base_n = (
        np.asarray(a, dtype=float) for a in (base_mean, base_var, base_n)
    )
    post_mean, post_var, post_n = (
        np.asarray(a, dtype=float) for a in (post_mean, post_var, post_n)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        a = base_var / base_n
        b = post_var / post_n
        se2 = a + b
        drop = base_mean - post_mean
        t_stat = drop / np.sqrt(se2)
        dof = se2**2 / (a**2 / (base_n - 1) + b**2 / (post_n - 1))
        p = stats.t.sf(t_stat, dof)
    degenerate = se2 == 0
    p = np.where(degenerate, np.where(drop > 0, 0.0, 1.0), p)
    too_small = (base_n < 2) | (post_n < 2)
    return np.where(too_small, np.nan, p)


def survey_evaluable(
    base_n: np.ndarray, post_n: np.ndarray, config: LabelConfig = LabelConfig()
) -> np.ndarray:
    """Whether the baseline holds >= 10 responses and the post window >= 5 (rule (a))."""
    return (np.asarray(base_n) >= config.baseline_min_responses) & (
        np.asarray(post_n) >= config.post_min_responses
    )


def survey_decline_fires(
    base_mean: np.ndarray,
    base_var: np.ndarray,
    base_n: np.ndarray,
    post_mean: np.ndarray,
    post_var: np.ndarray,
    post_n: np.ndarray,
    config: LabelConfig = LabelConfig(),
) -> np.ndarray:
    """Rule (a): evaluable, post mean >= θ below the baseline, Welch p < p_value.

    Variances are sample variances (ddof=1). False where (a) cannot be evaluated; use
    :func:`survey_evaluable` to tell "did not fire" from "could not be evaluated".
    """
    p = welch_one_sided_p(base_mean, base_var, base_n, post_mean, post_var, post_n)
    evaluable = survey_evaluable(base_n, post_n, config)
    with np.errstate(invalid="ignore"):
        big_enough = (np.asarray(base_mean, float) - np.asarray(post_mean, float)) >= config.theta
        significant = p < config.p_value
    return evaluable & big_enough & significant


def trailing_exit_rate(
    exits: np.ndarray, headcount: np.ndarray, config: LabelConfig = LabelConfig()
) -> np.ndarray:
    """The organisation's voluntary exits per head-month over M-11..M, for every month M.

    ``exits[j]`` and ``headcount[j]`` are the whole organisation's voluntary exits dated in
    month j and its headcount at month j's last day, for consecutive months starting with the
    export's first month (so the window is clipped to the export). A window with no exit
    gives the floor; a positive rate below the floor is kept.
    """
    exits = np.asarray(exits, dtype=float)
    headcount = np.asarray(headcount, dtype=float)
    length = config.baseline_months
    exit_sums = _trailing_sum(exits, length)
    head_sums = _trailing_sum(headcount, length)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(head_sums > 0, exit_sums / head_sums, 0.0)
    return np.where(exit_sums > 0, rate, config.exit_rate_floor)


def _trailing_sum(values: np.ndarray, length: int) -> np.ndarray:
    """Sum of the last ``length`` entries up to and including each position (axis 0)."""
    csum = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    upper = np.arange(1, len(values) + 1)
    lower = np.maximum(upper - length, 0)
    return csum[upper] - csum[lower]


def exit_expected(
    headcount: np.ndarray, rate: np.ndarray, config: LabelConfig = LabelConfig()
) -> np.ndarray:
    """λ = h × H × r: the voluntary exits a team of h would see in H months at rate r."""
    return np.asarray(headcount, dtype=float) * config.horizon * np.asarray(rate, dtype=float)


def exit_tail_p(exits: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """P(Poisson(λ) >= k): how unusual k voluntary exits are for a team expecting λ."""
    k = np.asarray(exits, dtype=float)
    return stats.poisson.sf(k - 1.0, np.asarray(expected, dtype=float))


def exit_cluster_fires(
    exits: np.ndarray, expected: np.ndarray, config: LabelConfig = LabelConfig()
) -> np.ndarray:
    """Rule (b): k >= exit_min voluntary exits and P(Poisson(λ) >= k) < exit_tail."""
    k = np.asarray(exits)
    return (k >= config.exit_min) & (exit_tail_p(k, expected) < config.exit_tail)


def combine_label(
    survey_fires: np.ndarray,
    survey_testable: np.ndarray,
    exit_fires: np.ndarray,
    headcount: np.ndarray,
    data_complete: np.ndarray,
) -> tuple[pd.arrays.IntegerArray, pd.arrays.IntegerArray, pd.arrays.IntegerArray]:
    """(label, label_survey, label_exits) as nullable Int8 arrays of the same shape.

    All three are null while the data do not reach M+H; ``label_survey`` also where (a)
    cannot be evaluated, ``label_exits`` and ``label`` where h = 0.
    """
    complete = np.asarray(data_complete, bool)
    staffed = np.asarray(headcount) >= 1
    survey = np.asarray(survey_fires, bool)
    exits = np.asarray(exit_fires, bool)

    def nullable(values: np.ndarray, known: np.ndarray) -> pd.arrays.IntegerArray:
        flat_values = np.asarray(values, bool).reshape(-1).astype(np.int8)
        return pd.arrays.IntegerArray(flat_values, ~np.asarray(known, bool).reshape(-1))

    return (
        nullable(survey | exits, complete & staffed),
        nullable(survey, complete & np.asarray(survey_testable, bool)),
        nullable(exits, complete & staffed),
    )


# --- from the contract's tables --------------------------------------------------------------


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


def _month_end_day(month: str) -> int:
    return int(np.datetime64(month_end(month).date(), "D").astype(np.int64))


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


def monthly_survey_sums(
    surveys: pd.DataFrame | None, team_codes: pd.Index, first: int, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (team, month) count, sum and sum of squares of response engagement.

    Month columns are ``first`` .. ``first + width - 1`` (months since 1970-01). A response's
    engagement is the mean of its vigor, dedication and absorption.
    """
    shape = (len(team_codes), width)
    count, total, total_sq = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    if surveys is None or not len(surveys):
        return count, total, total_sq
    engagement = (
        surveys[["vigor", "dedication", "absorption"]].astype(float).mean(axis=1).to_numpy()
    )
    team_pos = team_codes.get_indexer(surveys["team_id"].astype(str))
    month_pos = _month_number(surveys["survey_date"]) - first
    keep = (team_pos >= 0) & (month_pos >= 0) & (month_pos < width) & ~np.isnan(engagement)
    team_pos, month_pos, engagement = team_pos[keep], month_pos[keep], engagement[keep]
    np.add.at(count, (team_pos, month_pos), 1.0)
    np.add.at(total, (team_pos, month_pos), engagement)
    np.add.at(total_sq, (team_pos, month_pos), engagement**2)
    return count, total, total_sq


def survey_windows(
    count: np.ndarray,
    total: np.ndarray,
    total_sq: np.ndarray,
    columns: np.ndarray,
    config: LabelConfig = LabelConfig(),
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """((n, mean, var) of the baseline, (n, mean, var) of the post window) at each column.

    The monthly arrays are (team, month); ``columns`` are the positions of the months M.
    The baseline is M-11..M and the post window M+1..M+H; months outside the arrays count
    as empty, so callers pad them with the months they hold no data for.
    """

    def window(arr: np.ndarray, lo: int, hi: int) -> np.ndarray:
        csum = np.concatenate([np.zeros((len(arr), 1)), np.cumsum(arr, axis=1)], axis=1)
        upper = np.clip(columns + hi + 1, 0, arr.shape[1])
        lower = np.clip(columns + lo, 0, arr.shape[1])
        return csum[:, upper] - csum[:, lower]

    base_lo = 1 - config.baseline_months
    base = window(count, base_lo, 0), window(total, base_lo, 0), window(total_sq, base_lo, 0)
    post_hi = config.horizon
    post = window(count, 1, post_hi), window(total, 1, post_hi), window(total_sq, 1, post_hi)
    return window_stats(*base), window_stats(*post)


def export_first_month(tables: Tables) -> str | None:
    """The first month the export covers: the month of its earliest timesheet row."""
    work_dates = tables.timesheets["work_date"]
    if len(work_dates) == 0 or work_dates.isna().all():
        return None
    return str(months_of(pd.Series([work_dates.min()])).iloc[0])


def organisation_exit_rates(
    tables: Tables, last_month: str, config: LabelConfig = LabelConfig()
) -> dict[str, float]:
    """r for every month from the export's first month to ``last_month``.

    Org-wide voluntary exits dated in each month over the org-wide headcount at its last day
    (hired on or before it, not exited on or before it); only records dated on or before a
    month's last day enter that month's figures, so r of M never reads later data.
    """
    first = export_first_month(tables)
    if first is None or parse_month(first) > parse_month(last_month):
        return {}
    months = month_range(first, last_month)
    employees = tables.employees
    hire_day = _day_number(employees["hire_date"], _FAR_FUTURE)
    exit_day = _day_number(employees["exit_date"], _FAR_FUTURE)
    voluntary = employees["exit_reason"].astype("string").eq("voluntary").fillna(False)
    voluntary = voluntary.to_numpy(bool) & (exit_day < _FAR_FUTURE)
    exit_month = _month_number(employees["exit_date"])[voluntary] - _period_number(
        parse_month(first)
    )
    exits = np.bincount(
        exit_month[(exit_month >= 0) & (exit_month < len(months))], minlength=len(months)
    )
    headcount = np.array(
        [
            int(((hire_day <= day) & (exit_day > day)).sum())
            for day in (_month_end_day(m) for m in months)
        ]
    )
    rates = trailing_exit_rate(exits, headcount, config)
    return dict(zip(months, rates.tolist(), strict=True))


def label_team_months(
    tables: Tables,
    months: Sequence[str] | None = None,
    config: LabelConfig = LabelConfig(),
) -> pd.DataFrame:
    """Label v2 and its diagnostics (``LABEL_COLUMNS``) for every team and month.

    ``months`` defaults to every month from the first to the last month in the timesheets.
    """
    work_dates = tables.timesheets["work_date"]
    data_end = work_dates.max() if len(work_dates) else pd.NaT
    if months is None:
        first_month = export_first_month(tables)
        if first_month is None:
            months = []
        else:
            months = month_range(first_month, str(months_of(pd.Series([data_end])).iloc[0]))
    months = sorted(set(months))
    team_codes = pd.Index(tables.teams["team_id"].astype(str).unique())
    n_teams, n_months = len(team_codes), len(months)
    if n_months == 0 or n_teams == 0:
        return _empty_frame()

    # survey windows on a month grid padded by the baseline before and the horizon after
    first = _period_number(parse_month(months[0])) - (config.baseline_months - 1)
    width = _period_number(parse_month(months[-1])) + config.horizon - first + 1
    columns = np.array([_period_number(parse_month(m)) for m in months]) - first
    sums = monthly_survey_sums(tables.surveys, team_codes, first, width)
    (base_n, base_mean, base_var), (post_n, post_mean, post_var) = survey_windows(
        *sums, columns, config
    )

    # members at M's last day and their voluntary exits in M+1..M+H
    employees = tables.employees
    membership = _Membership.build(employees, tables.assignments, team_codes)
    hire_day = _day_number(employees["hire_date"], _FAR_FUTURE)
    exit_day = _day_number(employees["exit_date"], _FAR_FUTURE)
    voluntary = employees["exit_reason"].astype("string").eq("voluntary").fillna(False)
    voluntary = voluntary.to_numpy(bool) & (exit_day < _FAR_FUTURE)
    vol_team = membership.on_exit(exit_day)[voluntary]
    vol_month = _month_number(employees["exit_date"])[voluntary]
    counted = vol_team >= 0
    vol_team, vol_month = vol_team[counted], vol_month[counted]
    rates = organisation_exit_rates(tables, months[-1], config)
    headcount = np.zeros((n_teams, n_months), dtype=np.int64)
    exits = np.zeros((n_teams, n_months), dtype=np.int64)
    rate = np.zeros(n_months)
    data_complete = np.zeros(n_months, dtype=bool)
    for j, month in enumerate(months):
        day = _month_end_day(month)
        active = (hire_day <= day) & ~(exit_day <= day)
        team = membership.on(day)[active]
        headcount[:, j] = np.bincount(team[team >= 0], minlength=n_teams)
        number = _period_number(parse_month(month))
        in_horizon = (vol_month >= number + 1) & (vol_month <= number + config.horizon)
        exits[:, j] = np.bincount(vol_team[in_horizon], minlength=n_teams)
        rate[j] = rates.get(month, config.exit_rate_floor)
        horizon_end = last_business_day(shift_month(month, config.horizon))
        data_complete[j] = bool(pd.notna(data_end) and data_end >= horizon_end)

    expected = exit_expected(headcount, rate[None, :], config)
    survey_fires = survey_decline_fires(
        base_mean, base_var, base_n, post_mean, post_var, post_n, config
    )
    label, label_survey, label_exits = combine_label(
        survey_fires,
        survey_evaluable(base_n, post_n, config),
        exit_cluster_fires(exits, expected, config),
        headcount,
        np.broadcast_to(data_complete, (n_teams, n_months)),
    )
    flat = {
        "team_id": pd.array(np.repeat(team_codes.to_numpy(str), n_months), dtype="string"),
        "month": pd.array(np.tile(np.asarray(months, dtype=object), n_teams), dtype="string"),
        "label": label,
        "label_survey": label_survey,
        "label_exits": label_exits,
        "baseline_n": base_n.reshape(-1).astype(np.int64),
        "baseline_mean": base_mean.reshape(-1),
        "post_n": post_n.reshape(-1).astype(np.int64),
        "post_mean": post_mean.reshape(-1),
        "p_value": welch_one_sided_p(
            base_mean, base_var, base_n, post_mean, post_var, post_n
        ).reshape(-1),
        "headcount": headcount.reshape(-1),
        "voluntary_exits": exits.reshape(-1),
        "exit_rate": np.broadcast_to(rate, (n_teams, n_months)).reshape(-1).copy(),
        "exit_expected": expected.reshape(-1),
        "exit_p": exit_tail_p(exits, expected).reshape(-1),
    }
    return pd.DataFrame(flat, columns=list(LABEL_COLUMNS))


def _empty_frame() -> pd.DataFrame:
    frame = {
        "team_id": pd.array([], dtype="string"),
        "month": pd.array([], dtype="string"),
        **{name: pd.array([], dtype="Int8") for name in LABEL_OUTPUTS},
    }
    for name in LABEL_COLUMNS[len(frame) :]:
        integer = name in ("baseline_n", "post_n", "headcount", "voluntary_exits")
        frame[name] = np.zeros(0, np.int64 if integer else np.float64)
    return pd.DataFrame(frame, columns=list(LABEL_COLUMNS))


__all__ = [
    "LABEL_COLUMNS",
    "LABEL_OUTPUTS",
    "LabelConfig",
    "combine_label",
    "exit_cluster_fires",
    "exit_expected",
    "exit_tail_p",
    "label_team_months",
    "monthly_survey_sums",
    "organisation_exit_rates",
    "survey_decline_fires",
    "survey_evaluable",
    "survey_windows",
    "trailing_exit_rate",
    "welch_one_sided_p",
    "window_stats",
]


HELP_ACTS_MONTHS = 3  # months an intervention acts (buffer, recognition boost)


def helped_labels(
    team_months: pd.DataFrame,
    starts: Mapping[str, Sequence[str]],
    config: LabelConfig | None = None,
) -> pd.Series:
    """Whether each team-month's label is about a future HR changed (issue 20): one of the
    team's interventions (``starts``: team id -> start months ``YYYY-MM``) acted in, or just
    before, the label's months M+1..M+horizon, i.e. started from M-2 to M+horizon.

    Such a label says what happened *with* help: a decline it prevented would teach the model
    that the team was not at risk. Training leaves these labels out; scoring is unchanged.
    """
    config = config or LabelConfig()
    if team_months.empty or not starts:
        return pd.Series(False, index=team_months.index)
    month_number = _month_numbers(team_months["month"].astype(str))
    helped = np.zeros(len(team_months), dtype=bool)
    teams = team_months["team_id"].astype(str).to_numpy()
    for team, months in starts.items():
        rows = teams == str(team)
        if not rows.any():
            continue
        for start in _month_numbers(pd.Series(list(months), dtype=str)):
            offset = start - month_number[rows]
            helped[rows] |= (offset >= -(HELP_ACTS_MONTHS - 1)) & (offset <= config.horizon)
    return pd.Series(helped, index=team_months.index)


def _month_numbers(months: pd.Series) -> np.ndarray:
    """``YYYY-MM`` as a month count (year * 12 + month)."""
    return (months.str[:4].astype(int) * 12 + months.str[5:7].astype(int)).to_numpy()
