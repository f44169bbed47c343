"""How many months of a team's own history the export holds, per team-month.

On the first months of an export nearly every team looked alarming (57 of 60 flagged):
the long windows (13 and 26 weeks, 6 months, the survey's 12-month baseline) were still
filling, and a team formed last month has no past to compare with. So a team-month with
under 6 months of history is ``insufficient_history`` (``models.review``): band low, no flag,
no rank.

``history_months`` of team t at month M counts the months from the later of
- the export's first month (the month of its earliest timesheet row), and
- the team's first month with a member: the earliest day someone belonged to it under the
  membership rule of ``features.membership`` (an assignment period's start, or the hire
  date for the team in ``employees.team_id`` when no period covers the start of the
  employment),
to M, both included (0 when M is before both). A team that never had a member has 0; when
the export holds no timesheet at all the count is unknown (missing).

Pure functions on the contract tables; the scorers attach the column to the rows they score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.periods import date_month_numbers, month_number

HISTORY_COLUMN = "history_months"  # the column the scorers attach


def team_first_days(employees: pd.DataFrame, assignments: pd.DataFrame | None) -> pd.Series:
    """``team_id`` → the first day the team had a member (teams that never had one are
    absent).

    Without ``assignments`` an employee belongs to ``employees.team_id`` from the hire date.
    With it, each period counts from its start (not before the hire date), and an employee
    hired before their first period belongs to ``employees.team_id`` from the hire date
    until then, as in :func:`features.membership.team_on_day`.
    """
    hired = pd.DataFrame(
        {
            "employee_id": employees["employee_id"].astype(str).to_numpy(dtype=object),
            "team_id": employees["team_id"].astype(str).to_numpy(dtype=object),
            "day": pd.to_datetime(employees["hire_date"]).to_numpy(),
        }
    )
    candidates = [hired]
    if assignments is not None and len(assignments):
        periods = pd.DataFrame(
            {
                "employee_id": assignments["employee_id"].astype(str).to_numpy(dtype=object),
                "team_id": assignments["team_id"].astype(str).to_numpy(dtype=object),
                "start": pd.to_datetime(assignments["start_date"]).to_numpy(),
            }
        )
        first_period = periods.groupby("employee_id")["start"].min()
        before_periods = hired["employee_id"].map(first_period)
        # the fallback team holds only until the first period starts
        candidates = [hired[before_periods.isna() | (hired["day"] < before_periods)]]
        # a period of someone not in employees makes no member (membership ignores it)
        periods = periods.merge(hired[["employee_id", "day"]], on="employee_id", how="inner")
        periods["day"] = periods[["start", "day"]].max(axis=1)
        candidates.append(periods[["employee_id", "team_id", "day"]])
    days = pd.concat(candidates, ignore_index=True).dropna(subset=["day"])
    return days.groupby("team_id")["day"].min()


NEVER = np.iinfo(np.int64).max  # the start of a team that never had a member


def team_start_months(first_days: pd.Series) -> dict[str, int]:
    """``team_id`` → the month number of its first member day (:func:`team_first_days`)."""
    numbers = date_month_numbers(pd.Series(pd.to_datetime(first_days.to_numpy())))
    return dict(zip(first_days.index.astype(str), numbers.tolist(), strict=True))


def months_held(team_start: np.ndarray, target: np.ndarray, export_first: int) -> np.ndarray:
    """The count itself, on month numbers: from the later of ``export_first`` and each
    team's start to its target month, both included; 0 before it or for a team that never
    had a member (``NEVER``)."""
    team_start = np.asarray(team_start, dtype=np.int64)
    held = np.asarray(target, dtype=np.int64) - np.maximum(team_start, export_first) + 1
    return np.where(team_start == NEVER, 0, np.clip(held, 0, None)).astype(np.float64)


def history_months(
    team_ids: pd.Series,
    months: pd.Series,
    first_month: str | None,
    first_days: pd.Series,
) -> np.ndarray:
    """Months of history of each (team_id, month) pair, as floats (NaN when unknown).

    ``first_month``: the export's first month; ``first_days``: :func:`team_first_days`.
    """
    return history_of_teams(
        list(team_ids), list(months), first_month, team_start_months(first_days)
    )


def history_of_teams(
    team_ids: list[object],
    months: list[object],
    first_month: str | None,
    starts: dict[str, int],
) -> np.ndarray:
    """:func:`history_months` with the teams' starts worked out already
    (:func:`team_start_months`): the service counts one record's history per request."""
    if first_month is None:
        return np.full(len(team_ids), np.nan)
    team_start = np.asarray([starts.get(str(team), NEVER) for team in team_ids], dtype=np.int64)
    target = np.asarray([month_number(str(month)) for month in months], dtype=np.int64)
    return months_held(team_start, target, month_number(first_month))
