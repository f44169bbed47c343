"""Small random contract-typed worlds for the feature tests (a few teams, a year or two)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.tables import Tables

DEPARTMENTS = ("accounting", "hr", "general_affairs", "it")


def ids(prefix: str, count: int) -> pd.Series:
    return pd.Series([f"{prefix}{i:03d}" for i in range(count)], dtype="str")


def dates(values: list[str | None] | pd.DatetimeIndex | np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


def empty_leave() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "employee_id": pd.Series([], dtype="str"),
            "leave_date": dates([]),
            "leave_type": pd.Series([], dtype="str"),
            "days": pd.Series([], dtype=np.float64),
        }
    )


def random_world(
    seed: int,
    n_teams: int = 4,
    n_employees: int = 40,
    start: str = "2024-01-01",
    end: str = "2025-06-30",
    with_assignments: bool = False,
    survey_rate: float = 0.5,
) -> Tables:
    """A random but contract-valid world: every table present, dates as datetime64."""
    rng = np.random.default_rng(seed)
    team_ids = ids("T", n_teams)
    teams = pd.DataFrame(
        {
            "team_id": team_ids,
            "team_name": pd.Series([f"チーム{i}" for i in range(n_teams)], dtype="str"),
            "department": pd.Series(
                [DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(n_teams)], dtype="str"
            ),
        }
    )
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    span_days = (last - first).days
    employee_ids = ids("E", n_employees)
    team_of = team_ids.to_numpy()[rng.integers(0, n_teams, n_employees)]
    hire = first - pd.to_timedelta(rng.integers(-200, 3000, n_employees), unit="D")
    exits = rng.random(n_employees) < 0.3
    exit_offset = rng.integers(10, span_days + 200, n_employees)
    exit_date = pd.Series(
        np.where(exits, (first + pd.to_timedelta(exit_offset, unit="D")).to_numpy(), None)
    )
    exit_date = pd.to_datetime(exit_date).astype("datetime64[ns]")
    exit_date = exit_date.where(exit_date > pd.Series(hire))
    reasons = np.array(["voluntary", "involuntary", "retirement", "transfer"], dtype=object)
    reason = pd.Series(
        np.where(exit_date.notna(), reasons[rng.integers(0, 4, n_employees)], None), dtype="str"
    )
    annual = np.where(rng.random(n_employees) < 0.5, rng.choice([10.0, 15.0, 20.0]), np.nan)
    employees = pd.DataFrame(
        {
            "employee_id": employee_ids,
            "team_id": pd.Series(team_of, dtype="str"),
            "hire_date": dates(hire),
            "exit_date": exit_date,
            "exit_reason": reason,
            "annual_leave_days": annual,
        }
    )

    days = pd.date_range(first, last, freq="D")
    weekdays = days[days.day_of_week < 5]
    emp_idx, day_idx = np.meshgrid(np.arange(n_employees), np.arange(len(weekdays)), indexing="ij")
    emp_idx, day_idx = emp_idx.ravel(), day_idx.ravel()
    work_day = weekdays[day_idx]
    employed = (work_day >= hire[emp_idx]) & ~(exit_date.to_numpy()[emp_idx] <= work_day.to_numpy())
    on_leave = rng.random(len(emp_idx)) < 0.06
    worked_mask = employed & ~on_leave
    scheduled = np.full(worked_mask.sum(), 8.0)
    worked = 8.0 + rng.gamma(1.0, 1.0 + (emp_idx[worked_mask] % 5), worked_mask.sum())
    worked = np.minimum(worked - (rng.random(worked_mask.sum()) < 0.2) * 1.0, 24.0)
    timesheets = pd.DataFrame(
        {
            "employee_id": pd.Series(employee_ids.to_numpy()[emp_idx[worked_mask]], dtype="str"),
            "work_date": dates(work_day[worked_mask]),
            "scheduled_hours": scheduled,
            "worked_hours": worked,
        }
    )
    leave_mask = employed & on_leave
    leave_types = np.array(["annual_paid", "sick", "special", "unpaid"], dtype=object)
    n_leave = int(leave_mask.sum())
    leave = pd.DataFrame(
        {
            "employee_id": pd.Series(employee_ids.to_numpy()[emp_idx[leave_mask]], dtype="str"),
            "leave_date": dates(work_day[leave_mask]),
            "leave_type": pd.Series(
                leave_types[rng.choice(4, n_leave, p=[0.7, 0.2, 0.05, 0.05])], dtype="str"
            ),
            "days": np.where(rng.random(n_leave) < 0.2, 0.5, 1.0),
        }
    )

    mondays = pd.date_range(first - pd.Timedelta(days=first.day_of_week), last, freq="7D")
    week_team, week_idx = np.meshgrid(np.arange(n_teams), np.arange(len(mondays)), indexing="ij")
    week_team, week_idx = week_team.ravel(), week_idx.ravel()
    present = rng.random(len(week_team)) < 0.9
    base = 100.0 * (1 + week_team[present])
    workload = pd.DataFrame(
        {
            "team_id": pd.Series(team_ids.to_numpy()[week_team[present]], dtype="str"),
            "week_start": dates(mondays[week_idx[present]]),
            "volume": base * rng.lognormal(0.0, 0.3, int(present.sum())),
            "backlog": rng.gamma(2.0, 20.0, int(present.sum())),
        }
    )

    n_surveys = int(survey_rate * n_employees * span_days / 30)
    survey_day = first + pd.to_timedelta(rng.integers(0, span_days + 1, n_surveys), unit="D")
    level = rng.normal(3.4, 1.0, n_surveys)
    surveys = pd.DataFrame(
        {
            "response_id": ids("R", n_surveys),
            "team_id": pd.Series(
                team_ids.to_numpy()[rng.integers(0, n_teams, n_surveys)], dtype="str"
            ),
            "survey_date": dates(survey_day),
            "vigor": np.clip(level - 0.6 + rng.normal(0, 0.5, n_surveys), 0, 6),
            "dedication": np.clip(level + 0.5 + rng.normal(0, 0.5, n_surveys), 0, 6),
            "absorption": np.clip(level + 0.2 + rng.normal(0, 0.5, n_surveys), 0, 6),
            "recognition": np.where(
                rng.random(n_surveys) < 0.9, rng.integers(1, 6, n_surveys), np.nan
            ).astype(np.float64),
        }
    )
    assignments = _assignments(rng, employees, team_ids, first, last) if with_assignments else None
    return Tables(
        teams=teams,
        employees=employees,
        timesheets=timesheets,
        leave=leave,
        workload=workload,
        surveys=surveys,
        assignments=assignments,
    )


def _assignments(
    rng: np.random.Generator,
    employees: pd.DataFrame,
    team_ids: pd.Series,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> pd.DataFrame:
    """One or two periods per employee; the second (a transfer) ends at the current team."""
    rows = []
    for employee, team, hire, exit_day in employees[
        ["employee_id", "team_id", "hire_date", "exit_date"]
    ].itertuples(index=False):
        end = exit_day if pd.notna(exit_day) else pd.NaT
        move = first + pd.Timedelta(days=int(rng.integers(0, (last - first).days)))
        if rng.random() < 0.3 and move > hire and (pd.isna(end) or move < end):
            other = team_ids.iloc[int(rng.integers(0, len(team_ids)))]
            rows.append((employee, other, hire, move - pd.Timedelta(days=1)))
            rows.append((employee, team, move, end))
        else:
            rows.append((employee, team, hire, end))
    frame = pd.DataFrame(rows, columns=["employee_id", "team_id", "start_date", "end_date"])
    return frame.astype(
        {
            "employee_id": "str",
            "team_id": "str",
            "start_date": "datetime64[ns]",
            "end_date": "datetime64[ns]",
        }
    )
