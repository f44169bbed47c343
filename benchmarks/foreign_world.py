"""Does a champion trained on our own synthetic world still work on somebody else's data?

Issue 17: a champion trained on a 60-team ``default`` world must also be checked on a world
that *another program* wrote to the data contract (``docs/data-contract.md``), with teams
hit by a workload surge, teams starved of recognition and untouched teams. Targets: at
least 70 % of the surge teams flagged ``buffer``, at least 70 % of the starved teams flagged
``recognition``, at most 15 % of the untouched teams flagged at all.

The foreign world is simulated here from the contract and the published figures alone
(``world-parameters``: ~13-14 h overtime a month, paid-leave uptake ~0.65, UWES vigor ~2.8 /
dedication ~3.9 / absorption ~3.6 with item SD ~1.0, ~12 % annual separations); it never
imports ``synthetic/``, and it uses other conventions than our generator where the contract
allows (``TM-01``/``E00123`` ids, Japanese team names, other department names, shuffled
columns, extra columns, no ``annual_leave_days``, half days of leave, empty optional cells),
so that ``erisk ingest`` is tested on data it was not written for.

The product is driven through its real CLI in child processes, each with its own
``ERISK_DATA_DIR`` and one shared MLflow store inside the work folder: the champion is
trained and promoted once (reused while ``<workdir>/champion.json`` says so), then each
foreign seed gets a fresh data dir: ingest, features, score the last two months, report.

    .venv/bin/python -m benchmarks.foreign_world --workdir /tmp/erisk-foreign \
        [--champion-seed 42] [--foreign-seeds 101,102,103] [--json FILE]

(as a module: ``benchmarks/features.py`` would otherwise shadow the ``features`` package.)
It takes a few minutes on 2 cores (training the champion is most of it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jpholiday
import numpy as np
import pandas as pd

KINDS = ("surge", "starved", "untouched")
# kind -> (what counts as a hit, target, direction): the acceptance figures
TARGETS = {"surge": ("buffer", 0.70, ">="), "starved": ("recognition", 0.70, ">="),
           "untouched": ("any flag", 0.15, "<=")}  # fmt: skip
BANDS = ("high", "medium", "low")

# Departments of the foreign HRIS (not our generator's names) and their normal overtime,
# hours/month per member (world-parameters: finance ~14, logistics ~26, overall ~13-14).
DEPARTMENTS = {
    "finance": ("経理", 16.0),
    "shipping": ("出荷管理", 23.0),
    "people_ops": ("人事労務", 13.0),
    "it_support": ("情報システム", 15.0),
    "facilities": ("総務", 11.0),
}
# Month-of-year load: closing in finance (Mar-May), year-end shipping, payroll year-end
# adjustment (年末調整, Dec-Jan), new-hire onboarding in IT (April).
SEASON = {
    "finance": {3: 1.25, 4: 1.15, 5: 1.10},
    "shipping": {12: 1.25, 7: 1.10, 11: 1.10},
    "people_ops": {12: 1.20, 1: 1.15, 6: 1.10},
    "it_support": {4: 1.20, 10: 1.05},
    "facilities": {},
}
# Where paid leave is taken in Japan: Golden Week, Obon, year end (weights sum to 12).
LEAVE_MONTH_WEIGHT = {5: 1.5, 8: 2.0, 12: 1.3, 1: 1.1, 3: 0.8, 4: 0.6}
OTHER_MONTH_WEIGHT = (12 - sum(LEAVE_MONTH_WEIGHT.values())) / (12 - len(LEAVE_MONTH_WEIGHT))
UPTAKE = 0.65  # world-parameters: paid-leave uptake ~0.65
MONTHLY_EXIT_HAZARD = 1 - 0.88 ** (1 / 12)  # ~12 % annual separations
EXIT_REASONS = (("voluntary", 0.75), ("transfer", 0.10), ("retirement", 0.08),
                ("involuntary", 0.07))  # fmt: skip
ENGAGEMENT_MEAN = {"vigor": 2.8, "dedication": 3.9, "absorption": 3.6}  # JILPT 2019
RECOGNITION_MEAN = 3.3
RESPONSE_RATE = 0.75


# --------------------------------------------------------------------------- calendar


def month_starts(last_month: str, months: int) -> list[date]:
    """First days of the ``months`` months ending with ``last_month`` (YYYY-MM)."""
    year, month = (int(p) for p in last_month.split("-"))
    index = year * 12 + month - 1 - (months - 1)
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(months)]


def month_end(first: date) -> date:
    """Last calendar day of the month starting on ``first``."""
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def business_days(first: date) -> list[date]:
    """Working days of a month: weekdays that are not public holidays nor Dec 31 - Jan 3."""
    days = []
    day = first
    while day.month == first.month:
        year_end = (day.month == 12 and day.day == 31) or (day.month == 1 and day.day <= 3)
        if day.weekday() < 5 and not jpholiday.is_holiday(day) and not year_end:
            days.append(day)
        day += timedelta(days=1)
    return days


def statutory_days(tenure_years: float) -> float:
    """Paid-leave days granted by tenure (Labor Standards Act art. 39)."""
    steps = ((6.5, 20), (5.5, 18), (4.5, 16), (3.5, 14), (2.5, 12), (1.5, 11), (0.5, 10))
    return float(next((days for years, days in steps if tenure_years >= years), 0))


# --------------------------------------------------------------------------- the world


@dataclass
class Person:
    """An employee with stable traits (overtime, leave, engagement, answering surveys)."""

    employee_id: str
    team_id: str
    hire: date
    overtime: float
    leave: float
    engagement: np.ndarray  # vigor, dedication, absorption offsets
    recognition: float
    answers: float
    grade: str
    exit: date | None = None
    exit_reason: str | None = None


@dataclass
class Team:
    """A team, its department, its kind and its own shocks."""

    team_id: str
    name: str
    department: str
    kind: str
    overtime: float
    engagement: np.ndarray
    recognition: float
    weekly_volume: float
    shock_months: int  # months of the shock at the end of the window (0 for untouched)
    factor: float  # surge: demand multiplier; starved: recognition drop
    overtime_target: float = 0.0
    base_volume: float = 0.0  # weekly demand at the start: the team's capacity
    backlog: float = 0.0
    members: list[Person] = field(default_factory=list)


class ForeignWorld:
    """An independent simulation of a back office written to the data contract."""

    def __init__(self, seed: int, teams: int, months: int, last_month: str) -> None:
        self.rng = np.random.default_rng(seed)
        self.months = month_starts(last_month, months)
        self.bdays = [business_days(m) for m in self.months]
        self.open_days = {d for days in self.bdays for d in days}
        self.teams = self._teams(teams)
        self.people: list[Person] = []
        self.next_id = 1 + int(self.rng.integers(0, 400))  # ids do not start at 1
        self.rows: dict[str, list[dict[str, Any]]] = {
            "timesheets": [], "leave": [], "surveys": [], "workload": []
        }  # fmt: skip

    # ---- organisation

    def _teams(self, count: int) -> list[Team]:
        rng = self.rng
        kinds = np.array([KINDS[i % 3] for i in range(count)])
        rng.shuffle(kinds)
        departments = list(DEPARTMENTS)
        serial: dict[str, int] = {}
        teams = []
        for i in range(count):
            department = departments[int(rng.integers(len(departments)))]
            serial[department] = serial.get(department, 0) + 1
            label, overtime = DEPARTMENTS[department]
            kind = str(kinds[i])
            shock = {"surge": 4, "starved": int(rng.integers(4, 7)), "untouched": 0}[kind]
            factor = {
                "surge": rng.uniform(1.8, 2.2),
                "starved": rng.uniform(1.3, 1.7),
                "untouched": 0.0,
            }[kind]
            teams.append(
                Team(
                    team_id=f"TM-{i + 1:02d}",
                    name=f"{label}{serial[department]}課",
                    department=department,
                    kind=kind,
                    overtime=overtime * float(rng.lognormal(0, 0.2)),
                    engagement=rng.normal(0, 0.25, 3),
                    recognition=float(rng.normal(0, 0.3)),
                    weekly_volume=float(rng.uniform(15, 80)),
                    shock_months=shock,
                    factor=float(factor),
                    overtime_target=float(rng.uniform(45, 60)) if kind == "surge" else 0.0,
                )
            )
        return teams

    def _person(self, team: Team, hire: date) -> Person:
        rng = self.rng
        shared = rng.normal(0, 0.55)
        person = Person(
            employee_id=f"E{self.next_id:05d}",
            team_id=team.team_id,
            hire=hire,
            overtime=float(rng.lognormal(-0.1, 0.45)),  # mean ~1, right-skewed
            leave=float(np.clip(rng.normal(1.0, 0.25), 0.3, 1.5)),
            engagement=shared + rng.normal(0, 0.5, 3),  # ~0.75 SD, correlated sub-scales
            recognition=float(rng.normal(0, 0.6)),
            answers=float(rng.beta(6, 2)),  # mean 0.75
            grade=str(rng.choice(["G1", "G2", "G3", "M1"], p=[0.35, 0.35, 0.2, 0.1])),
        )
        self.next_id += 1 + int(rng.random() < 0.1)  # a few ids skipped, as in real HRIS
        self.people.append(person)
        team.members.append(person)
        return person

    def _initial_hire(self) -> date:
        """A hire date some years before the window; many on 1 April (新卒一括採用)."""
        rng = self.rng
        years = min(35.0, 0.3 + float(rng.gamma(1.5, 4.0)))
        day = self.months[0] - timedelta(days=int(years * 365.25))
        if rng.random() < 0.4:
            day = date(day.year, 4, 1)
            if day >= self.months[0]:
                day = date(day.year - 1, 4, 1)
        return day

    def shock(self, team: Team, m: int) -> float:
        """How far into its shock a team is in month ``m``: 0 before, ramping up to 1."""
        start = len(self.months) - team.shock_months
        if team.shock_months == 0 or m < start:
            return 0.0
        return (
            min(1.0, (m - start + 1) / 2)
            if team.kind == "starved"
            else (0.7 if m == start else 1.0)
        )

    # ---- simulation

    def simulate(self) -> None:
        """Staff, exits and hires month by month, then each month's records."""
        rng = self.rng
        for team in self.teams:
            for _ in range(int(rng.integers(6, 17))):
                self._person(team, self._initial_hire())
            team.base_volume = team.weekly_volume * len(team.members)
        pending: dict[str, list[int]] = {t.team_id: [] for t in self.teams}
        for m, first in enumerate(self.months):
            for team in self.teams:
                surge = team.kind == "surge" and self.shock(team, m) > 0
                for due in [d for d in pending[team.team_id] if d == m]:
                    pending[team.team_id].remove(due)
                    if not surge:  # no extra staff, not even replacements, during a surge
                        self._person(team, self._hire_day(m))
                for person in self.active(team, first):
                    if person.hire >= first:
                        continue
                    hazard = MONTHLY_EXIT_HAZARD * (4.0 if surge else 1.0)
                    if rng.random() < hazard:
                        self._leave(person, m, voluntary=surge and rng.random() < 0.75)
                        pending[team.team_id].append(m + int(rng.integers(1, 4)))
            for team in self.teams:
                self._month(team, m)

    def _hire_day(self, m: int) -> date:
        days = self.bdays[m]
        return days[0] if self.rng.random() < 0.6 else days[int(self.rng.integers(len(days)))]

    def _leave(self, person: Person, m: int, voluntary: bool) -> None:
        days = self.bdays[m]
        person.exit = days[int(self.rng.integers(len(days)))]
        reasons, weights = zip(*EXIT_REASONS, strict=True)
        person.exit_reason = (
            "voluntary" if voluntary else str(self.rng.choice(reasons, p=list(weights)))
        )

    def active(self, team: Team, day: date) -> list[Person]:
        """Members employed on ``day`` (the exit date is the first day gone)."""
        return [p for p in team.members if p.hire <= day and (p.exit is None or p.exit > day)]

    def _month(self, team: Team, m: int) -> None:
        rng = self.rng
        first = self.months[m]
        level = self.shock(team, m)
        surge = level if team.kind == "surge" else 0.0
        starved = level if team.kind == "starved" else 0.0
        season = SEASON[team.department].get(first.month, 1.0)
        normal = team.overtime * (1 + 1.5 * (season - 1)) * float(rng.lognormal(0, 0.12))
        # x1.15: days of leave and the daily and monthly caps trim ~12 % off the plan
        mean_overtime = normal + surge * max(0.0, 1.15 * team.overtime_target - normal)
        paid_rate = UPTAKE * LEAVE_MONTH_WEIGHT.get(first.month, OTHER_MONTH_WEIGHT) / 12
        paid_rate *= 1 - 0.7 * surge
        sick_rate = 0.12 * (1 + 0.8 * surge)
        for person in team.members:
            days = [
                d
                for d in self.bdays[m]
                if d >= person.hire and (person.exit is None or d < person.exit)
            ]
            if days:
                self._person_month(person, days, mean_overtime, paid_rate, sick_rate)
        self._survey(team, m, surge, starved)
        self._workload(team, m, season, surge)

    def _person_month(
        self, person: Person, days: list[date], overtime: float, paid_rate: float, sick: float
    ) -> None:
        rng = self.rng
        tenure = (days[0] - person.hire).days / 365.25
        granted = statutory_days(tenure)
        share = len(days) / 20.0
        n_paid = rng.poisson(granted * paid_rate * person.leave * share) if granted else 0
        n_sick = rng.poisson(sick * share)
        n_special = rng.poisson(0.02 * share)
        n_off = min(len(days) - 1, n_paid + n_sick + n_special)
        off = rng.choice(len(days), size=n_off, replace=False) if n_off > 0 else np.array([], int)
        types = ["annual_paid"] * n_paid + ["sick"] * n_sick + ["special"] * n_special
        half_days: set[int] = set()
        for k, index in enumerate(off):
            kind = types[k]
            half = kind == "annual_paid" and rng.random() < 0.12
            if half:
                half_days.add(int(index))
            self.rows["leave"].append(
                {"employee_id": person.employee_id, "leave_date": days[index],
                 "leave_type": kind, "days": 0.5 if half else 1.0}
            )  # fmt: skip
        away = set(off.tolist()) - half_days
        worked = [i for i in range(len(days)) if i not in away]
        full = [i for i in worked if i not in half_days]
        total = min(95.0, overtime * person.overtime * float(rng.lognormal(0, 0.2)))
        total *= len(full) / max(1, len(days))
        weights = rng.gamma(0.7, 1.0, len(full))
        daily = np.minimum(8.0, np.round(total * weights / max(weights.sum(), 1e-9) * 4) / 4)
        extra = dict(zip(full, daily.tolist(), strict=True))
        for i in worked:
            scheduled = 4.0 if i in half_days else 8.0
            hours = scheduled + extra.get(i, 0.0)
            if i not in half_days and extra.get(i, 0.0) == 0 and rng.random() < 0.02:
                hours -= 0.5  # left early; overtime is max(0, worked - scheduled)
            self.rows["timesheets"].append(
                {"employee_id": person.employee_id, "work_date": days[i],
                 "scheduled_hours": scheduled, "worked_hours": hours}
            )  # fmt: skip

    def _survey(self, team: Team, m: int, surge: float, starved: float) -> None:
        """A monthly pulse: opens mid-month, answers over the next days, pseudonymous."""
        rng = self.rng
        days = self.bdays[m]
        opened = int(rng.integers(7, max(8, len(days) - 6)))
        shift = np.array(
            [-0.9 * surge - 0.2 * starved, -0.3 * surge - 0.8 * starved, -0.15 * (surge + starved)]
        )
        recognition_shift = -team.factor * starved - 0.1 * surge
        for person in self.active(team, days[opened]):
            if rng.random() >= person.answers:
                continue
            base = np.array(list(ENGAGEMENT_MEAN.values()))
            items = base + team.engagement + person.engagement + shift + rng.normal(0, 0.6, 3)
            items = np.round(np.clip(items, 0, 6) * 3) / 3  # mean of three 0-6 items
            recognition = RECOGNITION_MEAN + team.recognition + person.recognition
            recognition += recognition_shift + rng.normal(0, 0.6)
            answered = rng.random() >= 0.04
            self.rows["surveys"].append(
                {
                    "response_id": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
                    "team_id": team.team_id,
                    "survey_date": days[min(len(days) - 1, opened + int(rng.integers(0, 6)))],
                    "vigor": round(float(items[0]), 2),
                    "dedication": round(float(items[1]), 2),
                    "absorption": round(float(items[2]), 2),
                    "recognition": float(np.clip(np.round(recognition), 1, 5))
                    if answered
                    else None,
                    "channel": str(rng.choice(["web", "mobile"])),
                }
            )

    def _workload(self, team: Team, m: int, season: float, surge: float) -> None:
        """Weekly volume handled and backlog for the weeks whose Monday is in month ``m``."""
        rng = self.rng
        first = self.months[m]
        end = month_end(self.months[-1])
        monday = first + timedelta(days=(7 - first.weekday()) % 7)
        demand_factor = 1 + surge * (team.factor - 1)
        base, backlog = team.base_volume, team.backlog
        while monday.month == first.month and monday + timedelta(days=6) <= end:
            open_days = sum(monday + timedelta(days=d) in self.open_days for d in range(5))
            demand = base * season * demand_factor * open_days / 5 * float(rng.lognormal(0, 0.07))
            handled = demand * (0.9 if surge else 1.0)
            backlog = max(0.0, backlog * (0.98 if surge else 0.7) + demand - handled)
            self.rows["workload"].append(
                {
                    "team_id": team.team_id,
                    "week_start": monday,
                    "volume": round(handled, 1),
                    "backlog": round(0.4 * base * float(rng.lognormal(0, 0.15)) + backlog, 1)
                    if rng.random() >= 0.03
                    else None,
                    "unit": {"finance": "invoices", "shipping": "orders"}.get(
                        team.department, "tickets"
                    ),
                }
            )
            monday += timedelta(days=7)
        team.backlog = backlog

    # ---- tables

    def tables(self) -> dict[str, pd.DataFrame]:
        """The six contract tables, with this HRIS's own column order and extra columns."""
        teams = pd.DataFrame(
            {
                "team_id": [t.team_id for t in self.teams],
                "team_name": [t.name for t in self.teams],
                "department": [t.department for t in self.teams],
                "parent_team_id": [None] * len(self.teams),
                "cost_center": [f"CC{7100 + i:04d}" for i in range(len(self.teams))],
            }
        )
        employees = pd.DataFrame(
            {
                "employee_id": [p.employee_id for p in self.people],
                "team_id": [p.team_id for p in self.people],
                "hire_date": [p.hire for p in self.people],
                "exit_date": [p.exit for p in self.people],
                "exit_reason": [p.exit_reason for p in self.people],
                "grade": [p.grade for p in self.people],
            }
        )
        frames = {"teams": teams, "employees": employees}
        for name, rows in self.rows.items():
            frames[name] = pd.DataFrame(rows)
        frames["timesheets"]["source_system"] = "kintai-cloud"
        frames["leave"]["approval_status"] = "approved"
        order = {
            "teams": ["department", "team_name", "team_id", "cost_center", "parent_team_id"],
            "employees": ["grade", "hire_date", "employee_id", "exit_reason", "team_id",
                          "exit_date"],
            "timesheets": ["work_date", "employee_id", "worked_hours", "source_system",
                           "scheduled_hours"],
            "leave": ["leave_type", "leave_date", "days", "employee_id", "approval_status"],
            "workload": ["week_start", "unit", "volume", "team_id", "backlog"],
            "surveys": ["survey_date", "team_id", "recognition", "channel", "absorption",
                        "vigor", "response_id", "dedication"],
        }  # fmt: skip
        out = {}
        for name, frame in frames.items():
            sort = [c for c in ("employee_id", "work_date", "leave_date", "week_start",
                                "survey_date") if c in frame.columns]  # fmt: skip
            frame = frame.sort_values(sort, kind="stable") if sort else frame
            out[name] = frame[order[name]].reset_index(drop=True)
        return out


def write_foreign_world(
    out: Path, seed: int, teams: int = 40, months: int = 30, last_month: str = "2026-09"
) -> dict[str, str]:
    """Write the six contract tables (CSV, UTF-8) and ``kinds.json``; return the kinds.

    Each team is ``surge`` (volume x1.8-2.2 and overtime 45-60 h in the last 4 months, no
    extra staff, less leave, vigor down, a few extra voluntary exits), ``starved`` (the
    recognition item down ~1.5 points and dedication down over the last 4-6 months, hours
    normal) or ``untouched``; a third each, at random. Deterministic for a seed.
    """
    world = ForeignWorld(seed, teams, months, last_month)
    world.simulate()
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in world.tables().items():
        frame.to_csv(out / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    kinds = {t.team_id: t.kind for t in world.teams}
    (out / "kinds.json").write_text(json.dumps(kinds, indent=1) + "\n", encoding="utf-8")
    return kinds


# --------------------------------------------------------------------------- the check


def erisk_command() -> list[str]:
    """The installed CLI next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("erisk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]


def run_erisk(workdir: Path, data_dir: Path, *args: str) -> tuple[str, str]:
    """One ``erisk`` command in a child process with an isolated data dir; stdout, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERISK_", "MLFLOW_"))}
    env.update(
        ERISK_DATA_DIR=str(data_dir),
        MLFLOW_TRACKING_URI=f"sqlite:///{workdir / 'mlruns' / 'mlflow.db'}",
        MLFLOW_DISABLE_TELEMETRY="true",
    )
    started = time.perf_counter()
    done = subprocess.run(
        [*erisk_command(), *args], cwd=workdir, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    print(f"  erisk {' '.join(args)}  ({took:.0f} s, exit {done.returncode})", file=sys.stderr)
    if done.returncode != 0:
        raise RuntimeError(
            f"erisk {' '.join(args)} failed with exit {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return done.stdout, done.stderr


def ensure_champion(workdir: Path, champion_seed: int) -> dict[str, Any]:
    """Train and promote a champion on a 60-team ``default`` world, once per work folder."""
    marker = workdir / "champion.json"
    if marker.exists():
        known = json.loads(marker.read_text())
        if known.get("seed") != champion_seed:
            raise SystemExit(
                f"{workdir} holds a champion for seed {known.get('seed')}: use another --workdir"
            )
        return known
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "mlruns").mkdir(exist_ok=True)
    data, export = workdir / "train-data", workdir / "train-export"
    for stale in (data, export):
        shutil.rmtree(stale, ignore_errors=True)
    print(f"champion: default world, seed {champion_seed}", file=sys.stderr)
    run_erisk(workdir, data, "generate", "--out", str(export), "--scenario", "default",
              "--seed", str(champion_seed))  # fmt: skip
    run_erisk(workdir, data, "ingest", str(export))
    run_erisk(workdir, data, "features", "--all")
    run_erisk(workdir, data, "train")
    promoted, _ = run_erisk(workdir, data, "promote")
    known = {"seed": champion_seed, "promote": promoted.strip()}
    marker.write_text(json.dumps(known, indent=1) + "\n")
    return known


def previous_month(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"


def thin_surveys(export: Path, month: str) -> set[str]:
    """Teams with under 5 responses in ``month``: their survey features are suppressed."""
    surveys = pd.read_csv(export / "surveys.csv", usecols=["team_id", "survey_date"], dtype=str)
    counts = surveys[surveys["survey_date"].str[:7] == month].groupby("team_id").size()
    teams = pd.read_csv(export / "teams.csv", usecols=["team_id"], dtype=str)["team_id"]
    return {t for t in teams if counts.get(t, 0) < 5}


def tally(
    results: list[dict[str, Any]], kinds: dict[str, str], thin: set[str]
) -> dict[str, dict[str, Any]]:
    """Per kind: teams, hits (the right flag; any flag for untouched), bands, statuses."""
    by_team = {str(r["team_id"]): r for r in results}
    out = {}
    for kind in KINDS:
        teams = [t for t, k in kinds.items() if k == kind]
        rows = [by_team.get(t, {}) for t in teams]
        flags = [list(r.get("flags") or []) for r in rows]
        if kind == "untouched":
            hits = sum(bool(f) for f in flags)
        else:
            hits = sum(TARGETS[kind][0] in f for f in flags)
        wrong = "recognition" if kind == "surge" else "buffer"
        out[kind] = {
            "teams": len(teams),
            "hits": hits,
            "share": hits / len(teams) if teams else float("nan"),
            "with_other_flag": sum(wrong in f for f in flags) if kind != "untouched" else None,
            "missing": sum(not r for r in rows),
            "thin_survey": sum(t in thin for t in teams),
            "thin_survey_hits": sum(
                t in thin and (TARGETS[kind][0] in f or (kind == "untouched" and bool(f)))
                for t, f in zip(teams, flags, strict=True)
            ),
            "bands": {b: sum(r.get("band") == b for r in rows) for b in BANDS},
            "review": sum(bool(r.get("review")) for r in rows),
            "status": {
                s: sum(r.get("status") == s for r in rows)
                for s in sorted({str(r.get("status")) for r in rows})
            },
            "mean_risk": round(float(np.mean([r.get("risk", np.nan) for r in rows])), 4),
        }
    return out


def check(workdir: Path, champion_seed: int = 42, foreign_seed: int = 101) -> dict[str, Any]:
    """Score a foreign world with the champion; per kind the shares the issue asks for."""
    workdir = workdir.resolve()
    ensure_champion(workdir, champion_seed)
    root = workdir / f"foreign-{foreign_seed}"
    shutil.rmtree(root, ignore_errors=True)
    export, data = root / "export", root / "data"
    print(f"foreign world, seed {foreign_seed}", file=sys.stderr)
    kinds = write_foreign_world(export, foreign_seed)
    stdout, stderr = run_erisk(workdir, data, "ingest", str(export), "--json")
    ingest = json.loads(stdout)
    warnings = [line.strip() for line in stderr.splitlines() if line.startswith("WARNING")]
    run_erisk(workdir, data, "features", "--all")
    last = scorable_last_month(export)
    months = [previous_month(last), last]
    drift = {}
    for month in months:
        summary = json.loads(run_erisk(workdir, data, "score", "--month", month, "--json")[0])
        drift[month] = summary[0].get("drift_warnings", [])
    by_month = {}
    for month in months:
        arg = "latest" if month == last else month
        report = json.loads(run_erisk(workdir, data, "report", "--month", arg, "--json")[0])
        by_month[report["month"]] = {
            "model_version": report.get("model_version"),
            "kinds": tally(report["results"], kinds, thin_surveys(export, report["month"])),
            "drift_warnings": drift.get(report["month"], []),
        }
    return {
        "foreign_seed": foreign_seed,
        "champion_seed": champion_seed,
        "months": months,
        "ingest_rows": ingest.get("rows"),
        "ingest_warnings": warnings,
        "by_month": by_month,
    }


def scorable_last_month(export: Path) -> str:
    """The newest month whose last business day the timesheets reach (our calendar)."""
    last_day = date.fromisoformat(
        str(pd.read_csv(export / "timesheets.csv", usecols=["work_date"])["work_date"].max())
    )
    first = last_day.replace(day=1)
    if last_day < business_days(first)[-1]:
        first = (first - timedelta(days=1)).replace(day=1)
    return first.strftime("%Y-%m")


# --------------------------------------------------------------------------- the command


def pooled(checks: list[dict[str, Any]], which: int) -> dict[str, dict[str, Any]]:
    """Sum hits, teams and bands over the seeds for the ``which``-th scored month."""
    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        parts = [c["by_month"][c["months"][which]]["kinds"][kind] for c in checks]
        teams = sum(p["teams"] for p in parts)
        hits = sum(p["hits"] for p in parts)
        out[kind] = {
            "teams": teams,
            "hits": hits,
            "share": hits / teams if teams else float("nan"),
            "bands": {b: sum(p["bands"][b] for p in parts) for b in BANDS},
            "with_other_flag": None
            if kind == "untouched"
            else sum(p["with_other_flag"] for p in parts),
            "thin_survey": sum(p["thin_survey"] for p in parts),
            "thin_survey_hits": sum(p["thin_survey_hits"] for p in parts),
        }
    return out


def verdict(kind: str, share: float) -> str:
    _, target, direction = TARGETS[kind]
    met = share >= target if direction == ">=" else share <= target
    return "met" if met else "MISSED"


def print_table(title: str, kinds: dict[str, dict[str, Any]]) -> None:
    print(title)
    for kind in KINDS:
        part = kinds[kind]
        what, target, direction = TARGETS[kind]
        bands = " ".join(f"{b}={part['bands'][b]}" for b in BANDS)
        other = part.get("with_other_flag")
        print(
            f"  {kind:9} {what:11} {part['hits']:3d}/{part['teams']:<3d} = {part['share']:5.2f}"
            f"  target {direction} {target:.2f}  {verdict(kind, part['share']):6}  bands {bands}"
            f"  other-flag={'-' if other is None else other}"
            f"  thin-survey={part['thin_survey']} (hits {part['thin_survey_hits']})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check for each foreign seed with one champion; print and pool the shares."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/erisk-foreign-world"))
    parser.add_argument("--champion-seed", type=int, default=42)
    parser.add_argument("--foreign-seeds", default="101,102,103")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to FILE")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.foreign_seeds.split(",") if s.strip()]
    checks = [check(args.workdir, args.champion_seed, seed) for seed in seeds]
    for result in checks:
        for month in result["months"]:
            print_table(f"seed {result['foreign_seed']}, {month}",
                        result["by_month"][month]["kinds"])  # fmt: skip
    summary = {"targets": TARGETS, "checks": checks}
    for which, label in ((-1, "latest month"), (-2, "month before")):
        pool = pooled(checks, which)
        summary[f"pooled_{'latest' if which == -1 else 'previous'}"] = pool
        print_table(f"pooled over seeds {seeds}, {label}", pool)
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    latest = summary["pooled_latest"]
    return 0 if all(verdict(k, latest[k]["share"]) == "met" for k in KINDS) else 1


if __name__ == "__main__":
    sys.exit(main())
