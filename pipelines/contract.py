"""The raw-data contract (v1) as code: which tables, which columns, which rules.

Column-level and within-table rules are pandera schemas; rules that span tables
(references between them) are listed in ``REFERENCES`` and checked by ``pipelines.validation``.
Every rule carries the text that a user sees when their file breaks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa

from models.interventions import INTERVENTIONS as INTERVENTION_TYPES
from pipelines.interventions import FILE_RULES, ROW_RULES

ColumnKind = Literal["id", "text", "date", "number"]

DEPARTMENTS_EXAMPLE = ("accounting", "hr", "general_affairs", "it", "logistics_admin")
EXIT_REASONS = ("voluntary", "involuntary", "retirement", "transfer")
LEAVE_TYPES = ("annual_paid", "sick", "special", "unpaid", "other")
EARLIEST_DATE = pd.Timestamp("1900-01-01")
LATEST_DATE = pd.Timestamp("2199-12-31")


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column: its kind, whether a value is required, and its value rules."""

    name: str
    kind: ColumnKind
    required: bool
    checks: tuple[pa.Check, ...] = ()


@dataclass(frozen=True)
class FrameRule:
    """A rule over several columns of one row (or of related rows) of a table."""

    columns: tuple[str, ...]
    rule: str
    passes: Callable[[pd.DataFrame], pd.Series]

    def check(self) -> pa.Check:
        return pa.Check(self.passes, error=self.rule, name=self.rule)


@dataclass(frozen=True)
class TableSpec:
    """One contract table and the rules that need more than one column."""

    name: str
    columns: tuple[ColumnSpec, ...]
    frame_rules: tuple[FrameRule, ...] = ()
    unique: tuple[str, ...] = ()
    optional_file: bool = False
    description: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema that checks a table already coerced to its kinds."""
        columns = {
            spec.name: pa.Column(
                _DTYPES[spec.kind],
                checks=[*_kind_checks(spec.kind), *spec.checks],
                nullable=not spec.required,
                required=True,
            )
            for spec in self.columns
        }
        checks = [rule.check() for rule in self.all_frame_rules()]
        return pa.DataFrameSchema(columns, checks=checks, strict=True, name=self.name)

    def all_frame_rules(self) -> tuple[FrameRule, ...]:
        """The declared multi-column rules plus the uniqueness of the key."""
        if not self.unique:
            return self.frame_rules
        return (*self.frame_rules, _unique_together(self.unique))

    def frame_rule_columns(self, rule: str) -> str:
        """The columns a multi-column rule is about, as shown to users."""
        match = next((r for r in self.all_frame_rules() if r.rule == rule), None)
        return ", ".join(match.columns) if match else ""


_DTYPES: dict[ColumnKind, str] = {
    "id": "str",
    "text": "str",
    "date": "datetime64[ms]",
    "number": "float64",
}


def _kind_checks(kind: ColumnKind) -> list[pa.Check]:
    if kind == "date":
        return [
            pa.Check.in_range(
                EARLIEST_DATE, LATEST_DATE, error="a plausible date (1900-01-01 to 2199-12-31)"
            )
        ]
    if kind == "number":
        return [pa.Check(lambda s: np.isfinite(s), element_wise=False, error="a finite number")]
    return []


def _unique_together(columns: tuple[str, ...]) -> FrameRule:
    """Uniqueness over one or several columns, reporting every row of each duplicated key."""

    def no_duplicates(frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(subset=list(columns), keep=False)

    rule = "unique together" if len(columns) > 1 else "unique"
    return FrameRule(columns, rule, no_duplicates)


def _between(low: float, high: float) -> pa.Check:
    return pa.Check.in_range(low, high, error=f"between {low:g} and {high:g}")


def _one_of(values: tuple[object, ...]) -> pa.Check:
    shown = ", ".join(str(v) for v in values)
    return pa.Check.isin(list(values), error=f"one of {shown}")


def _not_blank() -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.len() > 0, error="not blank")


def _exit_reason_iff_exit_date(frame: pd.DataFrame) -> pd.Series:
    return frame["exit_date"].isna() == frame["exit_reason"].isna()


def _exit_not_before_hire(frame: pd.DataFrame) -> pd.Series:
    return frame["exit_date"].isna() | (frame["exit_date"] >= frame["hire_date"])


def _end_not_before_start(frame: pd.DataFrame) -> pd.Series:
    return frame["end_date"].isna() | (frame["end_date"] >= frame["start_date"])


def _periods_do_not_overlap(frame: pd.DataFrame) -> pd.Series:
    """One employee's assignment periods must not overlap (an open end runs forever)."""
    ordered = frame.sort_values(["employee_id", "start_date"], kind="stable")
    same_employee = ordered["employee_id"].eq(ordered["employee_id"].shift())
    previous_end = ordered["end_date"].shift()
    previous_open = previous_end.isna() & same_employee
    overlaps_previous = same_employee & (previous_open | (ordered["start_date"] <= previous_end))
    # flag both rows of each overlapping pair
    overlaps_next = overlaps_previous.shift(-1, fill_value=False)
    bad = overlaps_previous | overlaps_next
    return ~bad.reindex(frame.index)


def _is_monday(dates: pd.Series) -> pd.Series:
    return dates.dt.day_of_week == 0


TEAMS = TableSpec(
    "teams",
    (
        ColumnSpec("team_id", "id", True, (_not_blank(),)),
        ColumnSpec("team_name", "text", True, (_not_blank(),)),
        ColumnSpec("department", "text", True, (_not_blank(),)),
        ColumnSpec("parent_team_id", "id", False),
    ),
    unique=("team_id",),
    description="one row per team",
)

EMPLOYEES = TableSpec(
    "employees",
    (
        ColumnSpec("employee_id", "id", True, (_not_blank(),)),
        ColumnSpec("team_id", "id", True),
        ColumnSpec("hire_date", "date", True),
        ColumnSpec("exit_date", "date", False),
        ColumnSpec("exit_reason", "text", False, (_one_of(EXIT_REASONS),)),
        ColumnSpec("annual_leave_days", "number", False, (_between(0, 366),)),
    ),
    frame_rules=(
        FrameRule(
            ("exit_date", "exit_reason"),
            "exit_reason is set if and only if exit_date is set",
            _exit_reason_iff_exit_date,
        ),
        FrameRule(("hire_date", "exit_date"), "exit_date >= hire_date", _exit_not_before_hire),
    ),
    unique=("employee_id",),
    description="one row per employee",
)

TIMESHEETS = TableSpec(
    "timesheets",
    (
        ColumnSpec("employee_id", "id", True),
        ColumnSpec("work_date", "date", True),
        ColumnSpec("scheduled_hours", "number", True, (_between(0, 24),)),
        ColumnSpec("worked_hours", "number", True, (_between(0, 24),)),
    ),
    unique=("employee_id", "work_date"),
    description="one row per employee per day worked",
)

LEAVE = TableSpec(
    "leave",
    (
        ColumnSpec("employee_id", "id", True),
        ColumnSpec("leave_date", "date", True),
        ColumnSpec("leave_type", "text", True, (_one_of(LEAVE_TYPES),)),
        ColumnSpec("days", "number", True, (_one_of((0.5, 1.0)),)),
    ),
    description="one row per employee per day of leave",
)

WORKLOAD = TableSpec(
    "workload",
    (
        ColumnSpec("team_id", "id", True),
        ColumnSpec(
            "week_start", "date", True, (pa.Check(_is_monday, error="a Monday", name="monday"),)
        ),
        ColumnSpec("volume", "number", True, (pa.Check.ge(0, error=">= 0"),)),
        ColumnSpec("backlog", "number", False, (pa.Check.ge(0, error=">= 0"),)),
    ),
    unique=("team_id", "week_start"),
    optional_file=True,
    description="team operational volume per week",
)

SURVEYS = TableSpec(
    "surveys",
    (
        ColumnSpec("response_id", "id", True, (_not_blank(),)),
        ColumnSpec("team_id", "id", True),
        ColumnSpec("survey_date", "date", True),
        ColumnSpec("vigor", "number", True, (_between(0, 6),)),
        ColumnSpec("dedication", "number", True, (_between(0, 6),)),
        ColumnSpec("absorption", "number", True, (_between(0, 6),)),
        ColumnSpec("recognition", "number", False, (_between(1, 5),)),
    ),
    unique=("response_id",),
    optional_file=True,
    description="pulse-survey responses, pseudonymous",
)

ASSIGNMENTS = TableSpec(
    "assignments",
    (
        ColumnSpec("employee_id", "id", True),
        ColumnSpec("team_id", "id", True),
        ColumnSpec("start_date", "date", True),
        ColumnSpec("end_date", "date", False),
    ),
    frame_rules=(
        FrameRule(("start_date", "end_date"), "end_date >= start_date", _end_not_before_start),
        FrameRule(
            ("employee_id", "start_date", "end_date"),
            "one employee's periods do not overlap",
            _periods_do_not_overlap,
        ),
    ),
    optional_file=True,
    description="team membership history (optional)",
)

INTERVENTIONS = TableSpec(
    "interventions",
    (
        ColumnSpec("team_id", "id", True),
        ColumnSpec("start_date", "date", True),
        ColumnSpec("intervention", "text", True, (_one_of(INTERVENTION_TYPES),)),
        ColumnSpec("action_id", "id", False),
        ColumnSpec("note", "text", False),
        ColumnSpec("intervention_id", "id", False),
        ColumnSpec("cancels", "id", False),
    ),
    # the rules of pipelines.interventions, shared with the CLI, the API and the page
    frame_rules=tuple(FrameRule(r.columns, r.rule, r.passes) for r in (*ROW_RULES, *FILE_RULES)),
    optional_file=True,
    description="what HR did, for measuring what helped (optional); copied into the scores "
    "database, not a feature input",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TEAMS,
        EMPLOYEES,
        TIMESHEETS,
        LEAVE,
        WORKLOAD,
        SURVEYS,
        ASSIGNMENTS,
        INTERVENTIONS,
    )
}
ALLOWED_MISSING = ("surveys", "workload")


@dataclass(frozen=True)
class Reference:
    """A cross-table rule: every non-missing ``column`` of ``table`` is a key of ``target``."""

    table: str
    column: str
    target: str
    target_column: str

    @property
    def rule(self) -> str:
        return f"must reference {self.target}.{self.target_column}"


REFERENCES: tuple[Reference, ...] = (
    Reference("teams", "parent_team_id", "teams", "team_id"),
    Reference("employees", "team_id", "teams", "team_id"),
    Reference("timesheets", "employee_id", "employees", "employee_id"),
    Reference("leave", "employee_id", "employees", "employee_id"),
    Reference("workload", "team_id", "teams", "team_id"),
    Reference("surveys", "team_id", "teams", "team_id"),
    Reference("assignments", "employee_id", "employees", "employee_id"),
    Reference("assignments", "team_id", "teams", "team_id"),
    Reference("interventions", "team_id", "teams", "team_id"),
)
