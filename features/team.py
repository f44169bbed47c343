"""Team features: size, tenure mix, and who came and went in the last 3 months.

Exits and hires are charged to the team the employee was in on the day (for an exit
after an assignment period ended, the latest period started before it). Transfers come
from ``assignments`` only: a new period whose previous period was in another team counts
once for the team moved into and once for the team moved out of; without the table the
feature is missing, because moves cannot be seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.grid import TeamMonthGrid
from features.group_stats import group_count, group_mean, group_quantile
from features.membership import OPEN, team_on_day
from features.periods import MISSING

EVENT_MONTHS = 3  # M-2..M
DAYS_PER_YEAR = 365.25
VOLUNTARY = "voluntary"


def _day_months(days: np.ndarray) -> np.ndarray:
    """Month numbers of day numbers (MISSING/OPEN days give -1)."""
    valid = (days != MISSING) & (days != OPEN)
    months = np.where(valid, days, 0).astype("datetime64[D]").astype("datetime64[M]")
    return np.where(valid, months.astype(np.int64), -1)


def _events_per_row(
    grid: TeamMonthGrid, team: np.ndarray, event_month: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Count events (weighted) per grid row whose month is in the row's M-2..M."""
    counts = np.zeros(grid.n_rows)
    for back in range(EVENT_MONTHS):
        month_pos = grid.month_pos_of(event_month + back)
        hit = (team >= 0) & (month_pos >= 0) & (event_month >= 0)
        counts += np.bincount(
            grid.rows(team[hit], month_pos[hit]), weights=weight[hit], minlength=grid.n_rows
        )
    return counts


def _transfers(grid: TeamMonthGrid) -> np.ndarray:
    periods = grid.periods
    if periods is None:
        return np.full(grid.n_rows, np.nan)
    same_employee = periods.employee[1:] == periods.employee[:-1]
    moved = same_employee & (periods.team[1:] != periods.team[:-1])
    month = _day_months(periods.start_day[1:][moved])
    ones = np.ones(len(month))
    moved_in = _events_per_row(grid, periods.team[1:][moved], month, ones)
    moved_out = _events_per_row(grid, periods.team[:-1][moved], month, ones)
    return moved_in + moved_out


def team_features(teams: pd.DataFrame, grid: TeamMonthGrid) -> pd.DataFrame:
    """Team features for every row of the grid (see the catalogue for definitions)."""
    people, members, rows, n_rows = grid.people, grid.members, grid.member_rows, grid.n_rows
    tenure = (grid.member_end_days - people.hire_day[members.employee]) / DAYS_PER_YEAR

    exited = np.flatnonzero(people.exit_day != OPEN)
    exit_team = team_on_day(
        people, grid.periods, exited, people.exit_day[exited], require_cover=False
    )
    exit_month = _day_months(people.exit_day[exited])
    voluntary = (people.exit_reason[exited] == VOLUNTARY).astype(np.float64)

    hired = np.flatnonzero(people.hire_day != OPEN)
    hire_team = team_on_day(
        people, grid.periods, hired, people.hire_day[hired], require_cover=False
    )
    hire_month = _day_months(people.hire_day[hired])

    first_rows = teams.drop_duplicates("team_id")
    department = first_rows["department"].astype(str).to_numpy(dtype=object)
    team_of_row = np.repeat(np.arange(grid.n_teams), grid.n_months)
    headcount = group_count(rows, n_rows)
    return pd.DataFrame(
        {
            "headcount": headcount,
            "tenure_share_under_1y": group_mean(rows, (tenure < 1.0).astype(np.float64), n_rows),
            "tenure_median_years": group_quantile(rows, tenure, 0.5, n_rows),
            "exits_3m": _events_per_row(grid, exit_team, exit_month, np.ones(len(exited))),
            "voluntary_exits_3m": _events_per_row(grid, exit_team, exit_month, voluntary),
            "hires_3m": _events_per_row(grid, hire_team, hire_month, np.ones(len(hired))),
            "transfers_3m": _transfers(grid),
            "department": pd.array(department[team_of_row], dtype="str"),
        }
    )
