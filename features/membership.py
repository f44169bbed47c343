"""Who belonged to which team, on a day or at a month's end: the one place for that rule.

Rules (``shared/interfaces.md``):
- membership comes from ``assignments`` when present. On day D an employee belongs to the
  team of the assignment period covering D. An employee with no period that started on or
  before D falls back to ``employees.team_id`` (so appending a future period never changes
  the past); one whose periods all ended before D (a gap) belongs to no team that day.
- without ``assignments``, ``employees.team_id`` holds for the whole employment (a transfer
  in the HR system then rewrites history; see ``docs/features.md``);
- the members of a team at month M are those in it on M's last day, hired on or before
  that day and not exited on or before it (the headcount rule of the label).

Everything is integer positions: employees by their row in ``employees``, teams by their
position in the team index of the build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.codes import positions_in
from features.periods import MISSING, day_numbers, month_end_day
from features.tables import Tables

OPEN = np.iinfo(np.int64).max
# day numbers are kept within +-2**20 days (about 2,870 years) of 1970 in composite keys
_DAY_OFFSET = 2**20


@dataclass(frozen=True)
class People:
    """Employees as arrays; dates as day numbers, open exit dates as ``OPEN``."""

    employee_ids: pd.Index
    team: np.ndarray
    hire_day: np.ndarray
    exit_day: np.ndarray
    exit_reason: np.ndarray
    annual_leave_days: np.ndarray

    @property
    def count(self) -> int:
        return len(self.employee_ids)


@dataclass(frozen=True)
class Periods:
    """Assignment periods sorted by (employee, start day); open ends as ``OPEN``."""

    employee: np.ndarray
    team: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray


@dataclass(frozen=True)
class Members:
    """One row per (member, target month): who counts for a team-month's per-member figures."""

    employee: np.ndarray
    team: np.ndarray
    month_pos: np.ndarray


def _days(dates: pd.Series, missing: int) -> np.ndarray:
    days = day_numbers(dates)
    return np.where(days == MISSING, missing, days)


def people_of(tables: Tables, team_ids: pd.Index) -> People:
    """The employees table as arrays, teams as positions in ``team_ids``."""
    employees = tables.employees
    leave_days = (
        employees["annual_leave_days"].to_numpy(dtype=np.float64, na_value=np.nan)
        if "annual_leave_days" in employees.columns
        else np.full(len(employees), np.nan)
    )
    reason = employees["exit_reason"].astype("string").fillna("").to_numpy(dtype=object)
    return People(
        employee_ids=pd.Index(employees["employee_id"].astype(str).to_numpy(dtype=object)),
        team=positions_in(employees["team_id"], team_ids),
        hire_day=_days(employees["hire_date"], OPEN),
        exit_day=_days(employees["exit_date"], OPEN),
        exit_reason=reason,
        annual_leave_days=leave_days,
    )


def periods_of(tables: Tables, people: People, team_ids: pd.Index) -> Periods | None:
    """Assignment periods as arrays, or None without an ``assignments`` table."""
    assignments = tables.assignments
    if assignments is None:
        return None
    employee = positions_in(assignments["employee_id"], people.employee_ids)
    team = positions_in(assignments["team_id"], team_ids)
    start = _days(assignments["start_date"], OPEN)
    end = _days(assignments["end_date"], OPEN)
    known = employee >= 0
    order = np.lexsort((start[known], employee[known]))
    return Periods(
        employee=employee[known][order],
        team=team[known][order],
        start_day=start[known][order],
        end_day=end[known][order],
    )


def _period_keys(employee: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 per (employee, day): employee in the high bits, day in the low."""
    shifted = np.clip(day, -_DAY_OFFSET, _DAY_OFFSET - 1) + _DAY_OFFSET
    return employee.astype(np.int64) * (2 * _DAY_OFFSET) + shifted


def latest_period_started(periods: Periods, employee: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Index of each employee's latest period started on or before ``day``; -1 if none."""
    if len(periods.employee) == 0 or len(employee) == 0:
        return np.full(len(employee), -1, dtype=np.int64)
    period_keys = _period_keys(periods.employee, periods.start_day)
    candidate = np.searchsorted(period_keys, _period_keys(employee, day), side="right") - 1
    valid = candidate >= 0
    valid[valid] = periods.employee[candidate[valid]] == employee[valid]
    return np.where(valid, candidate, -1)


def team_on_day(
    people: People,
    periods: Periods | None,
    employee: np.ndarray,
    day: np.ndarray,
    require_cover: bool = True,
) -> np.ndarray:
    """Team position of each employee on ``day`` (-1: no team that day, or an unknown team).

    With ``require_cover`` false the latest period started on or before the day counts even
    if it ended before (used for the team an exit or hire is charged to).
    """
    team = people.team[employee].copy()
    if periods is None:
        return team
    latest = latest_period_started(periods, employee, day)
    has_history = latest >= 0
    chosen = latest[has_history]
    history_team = periods.team[chosen].copy()
    if require_cover:
        ended = periods.end_day[chosen] < day[has_history]
        history_team[ended] = -1
    team[has_history] = history_team
    return team


def members_at_month_ends(people: People, periods: Periods | None, months: np.ndarray) -> Members:
    """Members of every team on the last day of each target month (month-major, then employee).

    Month-major then employee order is kept whatever the other months or teams, so sums over
    a team-month's members always add the same numbers in the same order.
    """
    ends = month_end_day(months)
    active = (people.hire_day[None, :] <= ends[:, None]) & (
        people.exit_day[None, :] > ends[:, None]
    )
    month_pos, employee = np.nonzero(active)
    team = team_on_day(people, periods, employee, ends[month_pos])
    known = team >= 0
    return Members(employee=employee[known], team=team[known], month_pos=month_pos[known])
