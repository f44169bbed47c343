"""Hand-made contract tables for exact-value feature tests: lists of tuples in, Tables out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.build import compute_features
from features.tables import Tables

Employee = tuple[str, str, str, str | None, str | None, float | None]


def _frame(columns: dict[str, tuple[str, list[object]]]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=dtype) for k, (dtype, v) in columns.items()})


def _dates(values: list[str | None]) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) if v is not None else pd.NaT for v in values]


def tiny_tables(
    employees: list[Employee],
    timesheets: list[tuple[str, str, float, float]] = (),  # type: ignore[assignment]
    leave: list[tuple[str, str, str, float]] = (),  # type: ignore[assignment]
    surveys: list[tuple[str, str, float, float, float, float | None]] | None = None,
    workload: list[tuple[str, str, float, float | None]] | None = None,
    assignments: list[tuple[str, str, str, str | None]] | None = None,
    teams: tuple[str, ...] = ("T1", "T2"),
) -> Tables:
    """Contract-typed tables. ``employees``: (id, team, hire, exit, exit_reason, leave days)."""
    team_frame = _frame(
        {
            "team_id": ("str", list(teams)),
            "team_name": ("str", [f"name {t}" for t in teams]),
            "department": (
                "str",
                ["accounting" if i % 2 == 0 else "hr" for i in range(len(teams))],
            ),
        }
    )
    employee_frame = _frame(
        {
            "employee_id": ("str", [e[0] for e in employees]),
            "team_id": ("str", [e[1] for e in employees]),
            "hire_date": ("datetime64[ns]", _dates([e[2] for e in employees])),
            "exit_date": ("datetime64[ns]", _dates([e[3] for e in employees])),
            "exit_reason": ("str", [e[4] for e in employees]),
            "annual_leave_days": (
                "float64",
                [np.nan if e[5] is None else e[5] for e in employees],
            ),
        }
    )
    timesheet_frame = _frame(
        {
            "employee_id": ("str", [r[0] for r in timesheets]),
            "work_date": ("datetime64[ns]", _dates([r[1] for r in timesheets])),
            "scheduled_hours": ("float64", [r[2] for r in timesheets]),
            "worked_hours": ("float64", [r[3] for r in timesheets]),
        }
    )
    leave_frame = _frame(
        {
            "employee_id": ("str", [r[0] for r in leave]),
            "leave_date": ("datetime64[ns]", _dates([r[1] for r in leave])),
            "leave_type": ("str", [r[2] for r in leave]),
            "days": ("float64", [r[3] for r in leave]),
        }
    )
    survey_frame = None
    if surveys is not None:
        survey_frame = _frame(
            {
                "response_id": ("str", [f"R{i}" for i in range(len(surveys))]),
                "team_id": ("str", [r[0] for r in surveys]),
                "survey_date": ("datetime64[ns]", _dates([r[1] for r in surveys])),
                "vigor": ("float64", [r[2] for r in surveys]),
                "dedication": ("float64", [r[3] for r in surveys]),
                "absorption": ("float64", [r[4] for r in surveys]),
                "recognition": ("float64", [np.nan if r[5] is None else r[5] for r in surveys]),
            }
        )
    workload_frame = None
    if workload is not None:
        workload_frame = _frame(
            {
                "team_id": ("str", [r[0] for r in workload]),
                "week_start": ("datetime64[ns]", _dates([r[1] for r in workload])),
                "volume": ("float64", [r[2] for r in workload]),
                "backlog": ("float64", [np.nan if r[3] is None else r[3] for r in workload]),
            }
        )
    assignment_frame = None
    if assignments is not None:
        assignment_frame = _frame(
            {
                "employee_id": ("str", [r[0] for r in assignments]),
                "team_id": ("str", [r[1] for r in assignments]),
                "start_date": ("datetime64[ns]", _dates([r[2] for r in assignments])),
                "end_date": ("datetime64[ns]", _dates([r[3] for r in assignments])),
            }
        )
    return Tables(
        teams=team_frame,
        employees=employee_frame,
        timesheets=timesheet_frame,
        leave=leave_frame,
        workload=workload_frame,
        surveys=survey_frame,
        assignments=assignment_frame,
    )


def row(table: pd.DataFrame, team: str, month: str) -> pd.Series:
    """The one row of ``team`` at ``month``."""
    selected = table.loc[(table["team_id"] == team) & (table["month"] == month)]
    assert len(selected) == 1, f"expected one row for {team} {month}, got {len(selected)}"
    return selected.iloc[0]


def features(tables: Tables, months: list[str], first_month: str = "2015-01") -> pd.DataFrame:
    """``compute_features`` with the export's history starting long before the test months
    (tiny tables often hold no timesheets, which would otherwise set the history start)."""
    return compute_features(tables, months, first_month)
