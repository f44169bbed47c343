"""``erisk interventions add|list|import``: record what HR did, and read it back.

Rows go to the scores database (``ScoresStore.add_interventions``) through the rules of
``pipelines.interventions``, the same as ingest's ``interventions`` table and the API's
``POST /v1/interventions``. A team must be one of the current snapshot's teams. Rows are
never edited: a correction is a new row with ``--cancels`` naming the wrong one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import pandas as pd
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.contract import TABLES
from pipelines.errors import UserError, ValidationFailedError
from pipelines.ingest import interventions_to_record, team_departments
from pipelines.interventions import CLI, IMPORT, check_row
from pipelines.readers import read_table
from pipelines.scores_store import ScoresStore, existing_store
from pipelines.settings import Settings, load_settings
from pipelines.snapshots import SnapshotStore
from pipelines.validation import LoadedTable, reference_problems, table_problems

logger = logging.getLogger(__name__)

TABLE = "interventions"


def current_team_departments(settings: Settings) -> dict[str, str | None]:
    """team_id → department of the current snapshot's teams (the teams rows may name)."""
    store = SnapshotStore(settings.snapshots_dir)
    path = store.root / store.require_current() / "teams.parquet"
    return team_departments(pq.read_table(path, columns=["team_id", "department"]))


@click.group("interventions")
def interventions_command() -> None:
    """What HR did for a team (for measuring what helped): add, list, import."""


@interventions_command.command("add")
@click.option("--team", "team_id", required=True, help="A team id of the current snapshot.")
@click.option("--start", "start_date", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option(
    "--intervention", required=True, type=click.Choice(["buffer", "recognition"]), help="Type."
)
@click.option("--action", "action_id", default=None, help="An action id of the catalogue.")
@click.option("--note", default=None, help="At most 500 characters.")
@click.option("--cancels", default=None, help="The intervention_id this row withdraws.")
@click.option("--json", "as_json", is_flag=True, help="Print the recorded row as JSON.")
def add(
    team_id: str,
    start_date: str,
    intervention: str,
    action_id: str | None,
    note: str | None,
    cancels: str | None,
    as_json: bool,
) -> int:
    """Record one intervention (recorded_by 'cli')."""
    settings = load_settings()
    row = check_row(
        team_id=team_id,
        start_date=start_date,
        intervention=intervention,
        action_id=action_id,
        note=note,
        cancels=cancels,
        departments=current_team_departments(settings),
        recorded_by=CLI,
    )
    store = ScoresStore.from_settings(settings)
    try:
        added = store.add_interventions([row])
        stored = next(
            r
            for r in store.list_interventions(team_id=row.team_id)
            if r.intervention_id == row.intervention_id
        )
    finally:
        store.dispose()
    if as_json:
        click.echo(json.dumps(stored.as_json(), ensure_ascii=False))
    elif added:
        click.echo(f"recorded {stored.intervention_id}")
    else:
        click.echo(f"{stored.intervention_id} was recorded already: nothing added")
    return 0


@interventions_command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--department", default=None, help="Only this department's rows.")
@click.option("--team", "team_id", default=None, help="Only this team's rows.")
def list_command(as_json: bool, department: str | None, team_id: str | None) -> int:
    """Every recorded intervention, oldest start first, with whether it was cancelled."""
    store = existing_store(load_settings())
    rows = []
    if store is not None:
        try:
            departments = None if department is None else [department]
            rows = store.list_interventions(departments, team_id)
        finally:
            store.dispose()
    if as_json:
        payload = {"interventions": [row.as_json() for row in rows]}
        click.echo(json.dumps(payload, ensure_ascii=False))
        return 0
    if not rows:
        click.echo("no interventions recorded: see `erisk interventions add --help`")
        return 0
    table = Table(title="interventions")
    names = ("start", "team", "department", "type", "action", "note", "id", "by", "cancelled")
    for name in names:
        table.add_column(name, overflow="fold")
    for row in rows:
        cells = (
            row.start_date.isoformat(),
            row.team_id,
            row.department or "",
            row.intervention,
            row.action_id or "",
            row.note or "",
            row.intervention_id + (f" (cancels {row.cancels})" if row.cancels else ""),
            row.recorded_by,
            "yes" if row.cancelled else "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # never read as rich markup
    Console().print(table)
    return 0


@interventions_command.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="CSV encoding (default: detect UTF-8/BOM/cp932).")
def import_command(file: Path, encoding: str | None) -> int:
    """Record the rows of an interventions file (CSV or Parquet, the contract's columns;
    recorded_by 'import'); importing the same file twice adds nothing."""
    settings = load_settings()
    departments = current_team_departments(settings)
    table = checked_file(file, encoding, departments)
    store = ScoresStore.from_settings(settings)
    try:
        rows = interventions_to_record(table, departments, store, IMPORT)
        added = store.add_interventions(rows)
    finally:
        store.dispose()
    click.echo(f"{file.name}: {len(rows):,} rows, {added:,} new recorded")
    return 0


def checked_file(
    file: Path, encoding: str | None, departments: dict[str, str | None]
) -> LoadedTable:
    """The file read and checked by the contract's rules (the teams: the current
    snapshot's), or ``ValidationFailedError`` listing every broken rule."""
    if not file.is_file():
        raise UserError(f"{file} is not a file")
    if file.suffix.lower() not in (".csv", ".parquet"):
        raise UserError(f"{file.name}: give a .csv or .parquet file")
    result = read_table(file, TABLES[TABLE], encoding)
    problems = list(result.problems)
    if result.table is not None:
        frame = result.table.to_pandas()
        table = LoadedTable(TABLE, file.name, frame, result.unit, result.first_line)
        teams = LoadedTable(
            "teams",
            "teams (current snapshot)",
            # the snapshot's teams were checked at ingest: only their ids matter here
            pd.DataFrame(
                {
                    "team_id": pd.Series(list(departments), dtype="str"),
                    "parent_team_id": pd.Series([None] * len(departments), dtype="str"),
                }
            ),
            "row",
            1,
        )
        problems += table_problems(table)
        problems += reference_problems({TABLE: table, "teams": teams})
    if problems:
        raise ValidationFailedError([p.message() for p in problems])
    return table
