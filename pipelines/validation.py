"""Check coerced tables against the contract: pandera per table, then references across tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipelines.contract import REFERENCES, TABLES
from pipelines.problems import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedTable:
    """A coerced table as pandas, with how its rows are numbered for messages."""

    name: str
    file: str
    frame: pd.DataFrame
    unit: str
    first_line: int


def table_problems(table: LoadedTable) -> list[Problem]:
    """Every rule of the table's pandera schema that some rows break."""
    schema = TABLES[table.name].schema()
    try:
        schema.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as failed:
        return _problems_from_failures(table, failed.failure_cases)
    return []


def _problems_from_failures(table: LoadedTable, failures: pd.DataFrame) -> list[Problem]:
    """One problem per broken rule: column rules by column, row rules by their columns."""
    spec = TABLES[table.name]
    crashed = failures["index"].isna()
    if crashed.any():
        first = failures[crashed].iloc[0]
        raise RuntimeError(f"check {first['check']!r} could not run: {first['failure_case']}")
    frame_level = failures["schema_context"].astype("str") == "DataFrameSchema"
    failures = failures.assign(
        check=failures["check"].astype("str").replace({"not_nullable": "a value is required"}),
        column=np.where(
            frame_level,
            failures["check"].astype("str").map(spec.frame_rule_columns),
            failures["column"].astype("str"),
        ),
    )
    problems = []
    for (column, check), group in failures.groupby(["column", "check"], sort=False):
        rows = pd.to_numeric(group["index"], errors="coerce").dropna().to_numpy(dtype=np.int64)
        problems.append(
            Problem.for_rows(
                table.file, str(column) or None, str(check), rows, table.unit, table.first_line
            )
        )
    return problems


def reference_problems(tables: Mapping[str, LoadedTable]) -> list[Problem]:
    """Rows whose key does not exist in the table it must reference."""
    problems = []
    for ref in REFERENCES:
        if ref.table not in tables or ref.target not in tables:
            continue
        source = tables[ref.table]
        values = source.frame[ref.column]
        keys = pd.Index(tables[ref.target].frame[ref.target_column].dropna().unique())
        broken = values.notna().to_numpy() & (keys.get_indexer(values) < 0)
        if broken.any():
            problems.append(
                Problem.for_rows(
                    source.file,
                    ref.column,
                    ref.rule,
                    np.flatnonzero(broken),
                    source.unit,
                    source.first_line,
                )
            )
    return problems
