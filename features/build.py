"""The team-month table: every feature module on one grid, then the labels.

Two paths give identical rows:
- :func:`build_team_months` builds many months in one vectorised pass;
- :func:`build_team_month` builds one month ``as_of`` from tables cut at that month's last
  day (:func:`cut_as_of`), so it cannot see the future by construction.
Features never depend on later records; labels do by definition, so they are computed
from the full tables and joined (:func:`attach_labels`), on every build.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from features.calendar import (
    last_business_day,
    month_end,
    month_range,
    month_start,
    months_of,
    shift_month,
)
from features.catalogue import FEATURES, feature_names, table_columns
from features.grid import make_grid
from features.labels import LABEL_OUTPUTS, LabelConfig, label_team_months
from features.leave import leave_features
from features.overtime import overtime_features
from features.periods import month_label, month_number
from features.survey import survey_features
from features.tables import Tables
from features.team import team_features
from features.workload import workload_features

logger = logging.getLogger(__name__)

FEATURE_COLUMNS: tuple[str, ...] = ("team_id", "month", *feature_names(), "survey_suppressed")
# bump when a feature's definition changes, so that cached months are rebuilt
FEATURES_VERSION = 2


def scorable_months(tables: Tables) -> list[str]:
    """Months from the first timesheet month to the last one whose last business day is in.

    A month can be scored only once timesheets reach its last business day.
    """
    first = history_start(tables)
    if first is None:
        return []
    last_day = tables.timesheets["work_date"].max()
    last = str(months_of(pd.Series([last_day])).iloc[0])
    if last_day < last_business_day(last):
        last = month_label(month_number(last) - 1)
    if month_number(last) < month_number(first):
        return []
    return month_range(first, last)


def cut_as_of(tables: Tables, month: str) -> Tables:
    """The tables as they stood at ``month``'s end: later records dropped, later exits open.

    Large tables are copied only when they hold later rows (the latest month costs nothing).
    """
    end = month_end(month)

    def upto(frame: pd.DataFrame | None, column: str) -> pd.DataFrame | None:
        if frame is None:
            return None
        late = frame[column] > end
        return frame.loc[~late] if late.any() else frame

    employees = tables.employees.loc[tables.employees["hire_date"] <= end]
    exited_later = employees["exit_date"] > end
    if exited_later.any():
        employees = employees.copy()
        employees.loc[exited_later, "exit_date"] = pd.NaT
        employees.loc[exited_later, "exit_reason"] = pd.NA
    assignments = upto(tables.assignments, "start_date")
    if assignments is not None and (assignments["end_date"] > end).any():
        assignments = assignments.copy()
        assignments.loc[assignments["end_date"] > end, "end_date"] = pd.NaT
    workload = tables.workload
    if workload is not None:
        unfinished = workload["week_start"] + pd.Timedelta(days=6) > end
        workload = workload.loc[~unfinished] if unfinished.any() else workload
    return Tables(
        teams=tables.teams,
        employees=employees,
        timesheets=upto(tables.timesheets, "work_date"),
        leave=upto(tables.leave, "leave_date"),
        workload=workload,
        surveys=upto(tables.surveys, "survey_date"),
        assignments=assignments,
    )


def history_start(tables: Tables) -> str | None:
    """The first month the export covers: the month of its earliest timesheet row.

    Before it, absent timesheets and leave mean "not exported", so windows reaching back
    before it are missing (or pro-rated, for the fiscal-year leave pace) instead of zero.
    """
    work_dates = tables.timesheets["work_date"]
    if len(work_dates) == 0 or work_dates.isna().all():
        return None
    return str(months_of(pd.Series([work_dates.min()])).iloc[0])


def compute_features(
    tables: Tables, months: Sequence[str], first_month: str | None = None
) -> pd.DataFrame:
    """Features and ``survey_suppressed`` (no label) for every team and the given months.

    ``first_month`` is the first month the export covers (default: :func:`history_start`);
    a per-team partition must pass the whole export's so that its rows stay identical.
    Rows are sorted by month, then team_id; columns follow the catalogue.
    """
    month_numbers = np.asarray(sorted({month_number(m) for m in months}), dtype=np.int64)
    if len(month_numbers) == 0 or len(tables.teams) == 0:
        return _empty_features()
    first_month = first_month or history_start(tables)
    start = month_number(first_month) if first_month else int(month_numbers.min())
    grid = make_grid(tables, month_numbers, start)
    parts = [
        workload_features(tables.workload, grid),
        overtime_features(tables.timesheets, grid),
        leave_features(tables.leave, grid),
        survey_features(tables.surveys, grid),
        team_features(tables.teams, grid),
    ]
    frame = pd.concat(parts, axis=1)
    frame.insert(
        0,
        "month",
        pd.array(
            np.tile(np.array([month_label(m) for m in grid.months]), grid.n_teams), dtype="str"
        ),
    )
    frame.insert(
        0,
        "team_id",
        pd.array(np.repeat(grid.team_ids.to_numpy(dtype=object), grid.n_months), dtype="str"),
    )
    frame = frame[list(FEATURE_COLUMNS)]
    numeric = [spec.name for spec in FEATURES if spec.kind == "numeric"]
    frame[numeric] = frame[numeric].astype(np.float64)
    frame["survey_suppressed"] = frame["survey_suppressed"].astype(bool)
    return frame.sort_values(["month", "team_id"], kind="stable").reset_index(drop=True)


def attach_labels(
    features: pd.DataFrame, tables: Tables, config: LabelConfig | None = None
) -> pd.DataFrame:
    """Join the label (recomputed from the full tables) onto a features frame."""
    months = sorted(features["month"].unique().tolist())
    if not months:
        labelled = features.copy()
        for name in LABEL_OUTPUTS:
            labelled[name] = pd.array([], dtype="Int8")
        return labelled[table_columns()]
    config = config or LabelConfig()
    labels = label_team_months(_label_window(tables, months, config), months, config)
    labels = labels[["team_id", "month", *LABEL_OUTPUTS]].astype({"team_id": "str", "month": "str"})
    labelled = features.merge(labels, on=["team_id", "month"], how="left", validate="one_to_one")
    for name in LABEL_OUTPUTS:
        labelled[name] = labelled[name].astype("Int8")
    return labelled[table_columns()]


def _label_window(tables: Tables, months: list[str], config: LabelConfig) -> Tables:
    """The tables with survey responses outside M-11..M+H of the requested months dropped.

    The label reads responses only in those windows (its baseline and post window); dropping
    the rest first makes the label of one month cheap (parsing every response's month is
    the label's main cost).
    """
    if tables.surveys is None:
        return tables
    first = month_start(shift_month(min(months), 1 - config.baseline_months))
    last = month_end(shift_month(max(months), config.horizon))
    dates = tables.surveys["survey_date"]
    inside = (dates >= first) & (dates <= last)
    if inside.all():
        return tables
    return replace(tables, surveys=tables.surveys.loc[inside])


def build_team_months(
    tables: Tables,
    months: Sequence[str] | None = None,
    label_config: LabelConfig | None = None,
    first_month: str | None = None,
) -> pd.DataFrame:
    """The team-month table for ``months`` (default: every scorable month), all at once."""
    months = scorable_months(tables) if months is None else list(months)
    features = compute_features(tables, months, first_month)
    return attach_labels(features, tables, label_config)


def build_team_month(
    tables: Tables,
    month: str,
    label_config: LabelConfig | None = None,
    first_month: str | None = None,
) -> pd.DataFrame:
    """The team-month rows of one month, built from the tables cut at its last day."""
    features = compute_features(cut_as_of(tables, month), [month], first_month)
    return attach_labels(features, tables, label_config)


def _empty_features() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series([], dtype=np.float64) for name in FEATURE_COLUMNS})
    frame["team_id"] = pd.Series([], dtype="str")
    frame["month"] = pd.Series([], dtype="str")
    frame["department"] = pd.Series([], dtype="str")
    frame["survey_suppressed"] = pd.Series([], dtype=bool)
    return frame
