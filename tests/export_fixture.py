"""A small export that follows the data contract, written the way a customer's HRIS would."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TEAMS = pd.DataFrame(
    {
        "team_id": ["T001", "T002"],
        "team_name": ["経理一課", "物流管理課"],
        "department": ["accounting", "logistics_admin"],
        "parent_team_id": ["", "T001"],
    }
)
EMPLOYEES = pd.DataFrame(
    {
        "employee_id": ["007", "008", "0100"],
        "team_id": ["T001", "T001", "T002"],
        "hire_date": ["2019-04-01", "2021-10-01", "2015-04-01"],
        "exit_date": ["", "2024-03-31", ""],
        "exit_reason": ["", "voluntary", ""],
        "annual_leave_days": ["14", "", "20"],
    }
)
TIMESHEETS = pd.DataFrame(
    {
        "employee_id": ["007", "007", "008", "0100"],
        "work_date": ["2024-01-04", "2024-01-05", "2024-01-04", "2024-01-04"],
        "scheduled_hours": ["8", "8", "7.5", "8"],
        "worked_hours": ["10.5", "8", "7.5", "12"],
    }
)
LEAVE = pd.DataFrame(
    {
        "employee_id": ["007", "0100"],
        "leave_date": ["2024-01-09", "2024-01-10"],
        "leave_type": ["annual_paid", "sick"],
        "days": ["1.0", "0.5"],
    }
)
WORKLOAD = pd.DataFrame(
    {
        "team_id": ["T001", "T001", "T002"],
        "week_start": ["2024-01-01", "2024-01-08", "2024-01-01"],
        "volume": ["120", "240", "55.5"],
        "backlog": ["10", "", "0"],
    }
)
SURVEYS = pd.DataFrame(
    {
        "response_id": ["R1", "R2", "R3"],
        "team_id": ["T001", "T001", "T002"],
        "survey_date": ["2024-01-15", "2024-01-15", "2024-01-16"],
        "vigor": ["2.8", "3.0", "4"],
        "dedication": ["3.9", "4.1", "5"],
        "absorption": ["3.6", "3.0", "6"],
        "recognition": ["3", "", "5"],
    }
)
ASSIGNMENTS = pd.DataFrame(
    {
        "employee_id": ["007", "007", "008", "0100"],
        "team_id": ["T002", "T001", "T001", "T002"],
        "start_date": ["2019-04-01", "2022-04-01", "2021-10-01", "2015-04-01"],
        "end_date": ["2022-03-31", "", "2024-03-31", ""],
    }
)


def valid_frames() -> dict[str, pd.DataFrame]:
    """Fresh copies of every table, all values as the text a CSV export holds."""
    frames = {
        "teams": TEAMS,
        "employees": EMPLOYEES,
        "timesheets": TIMESHEETS,
        "leave": LEAVE,
        "workload": WORKLOAD,
        "surveys": SURVEYS,
        "assignments": ASSIGNMENTS,
    }
    return {name: frame.copy() for name, frame in frames.items()}


def write_export(folder: Path, frames: dict[str, pd.DataFrame], encoding: str = "utf-8") -> Path:
    """Write each frame as ``<table>.csv`` the way spreadsheets do (empty cell = missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)
    return folder
