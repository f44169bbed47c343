"""The team-month grid a build fills in: which teams, which months, who the members are.

Every feature module returns arrays aligned to the grid's rows, team-major: row
``team * n_months + month_pos``. The grid is computed once per build and shared, so that
membership is decided in one place (``features.membership``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from features.codes import id_index
from features.group_stats import group_count
from features.membership import (
    Members,
    People,
    Periods,
    members_at_month_ends,
    people_of,
    periods_of,
)
from features.periods import month_end_day
from features.tables import Tables


@dataclass(frozen=True)
class TeamMonthGrid:
    """Teams x target months, with the members of each team at each month's end."""

    team_ids: pd.Index
    months: np.ndarray
    people: People
    periods: Periods | None
    members: Members
    history_start: int

    def observed(self, month_numbers: np.ndarray) -> np.ndarray:
        """Whether each month lies inside the export's history (on or after its first month).

        Before it, a member's missing timesheets or leave mean "not exported", not "none".
        """
        return np.asarray(month_numbers) >= self.history_start

    @property
    def n_teams(self) -> int:
        return len(self.team_ids)

    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def n_rows(self) -> int:
        return self.n_teams * self.n_months

    def rows(self, team: np.ndarray, month_pos: np.ndarray) -> np.ndarray:
        """Grid row of each (team position, month position) pair."""
        return team.astype(np.int64) * self.n_months + month_pos

    @cached_property
    def member_rows(self) -> np.ndarray:
        """Grid row of each member row."""
        return self.rows(self.members.team, self.members.month_pos)

    @cached_property
    def member_end_days(self) -> np.ndarray:
        """Day number of the month end each member row refers to."""
        return month_end_day(self.months)[self.members.month_pos]

    @cached_property
    def headcount(self) -> np.ndarray:
        """Members per grid row."""
        return group_count(self.member_rows, self.n_rows)

    def month_pos_of(self, month_numbers: np.ndarray) -> np.ndarray:
        """Position of each month number among the target months, -1 when not a target."""
        lookup_start = int(self.months.min())
        span = int(self.months.max()) - lookup_start + 1
        lookup = np.full(span, -1, dtype=np.int64)
        lookup[self.months - lookup_start] = np.arange(self.n_months)
        offset = np.asarray(month_numbers, dtype=np.int64) - lookup_start
        inside = (offset >= 0) & (offset < span)
        return np.where(inside, lookup[np.clip(offset, 0, span - 1)], -1)


def make_grid(tables: Tables, months: np.ndarray, history_start: int) -> TeamMonthGrid:
    """The grid for every team in ``tables.teams`` and the given month numbers (sorted).

    ``history_start``: month number of the first month the export covers.
    """
    team_ids = id_index(tables.teams["team_id"])
    people = people_of(tables, team_ids)
    periods = periods_of(tables, people, team_ids)
    months = np.asarray(sorted(set(int(m) for m in months)), dtype=np.int64)
    members = members_at_month_ends(people, periods, months)
    return TeamMonthGrid(
        team_ids=team_ids,
        months=months,
        people=people,
        periods=periods,
        members=members,
        history_start=int(history_start),
    )
