"""The validated input tables, as every pure function downstream receives them.

Column dtypes are fixed by ingest: identifiers are pandas strings, dates are
``datetime64`` (never Python ``date`` objects), numbers are ``float64``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

REQUIRED_TABLES: tuple[str, ...] = ("teams", "employees", "timesheets", "leave")
OPTIONAL_TABLES: tuple[str, ...] = ("workload", "surveys")
EXTRA_TABLES: tuple[str, ...] = ("assignments",)
ALL_TABLES: tuple[str, ...] = REQUIRED_TABLES + OPTIONAL_TABLES + EXTRA_TABLES


@dataclass(frozen=True)
class Tables:
    """One consistent set of contract tables (a snapshot, or a generated world).

    ``workload``, ``surveys`` and ``assignments`` are ``None`` when the export did not
    include them.
    """

    teams: pd.DataFrame
    employees: pd.DataFrame
    timesheets: pd.DataFrame
    leave: pd.DataFrame
    workload: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None

    def get(self, name: str) -> pd.DataFrame | None:
        """The table called ``name`` (one of ``ALL_TABLES``)."""
        if name not in ALL_TABLES:
            raise KeyError(name)
        return getattr(self, name)

    def present(self) -> dict[str, pd.DataFrame]:
        """The tables that exist, by name."""
        return {name: frame for name in ALL_TABLES if (frame := getattr(self, name)) is not None}
