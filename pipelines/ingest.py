"""``erisk ingest DIR``: validate an HR export and make it the current snapshot.

All or nothing: every broken rule of every file is reported (exit 2) and the store is left
untouched; only a fully valid export becomes a new snapshot, switched to atomically. The
optional ``interventions`` table (what HR did) is checked by the same rules and copied into
the scores database in the transaction that switches the snapshot: pruning snapshots never
loses it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import click
import pyarrow as pa

from features.tables import ALL_TABLES, OPTIONAL_TABLES
from pipelines.contract import REFERENCES, TABLES
from pipelines.errors import UserError, ValidationFailedError
from pipelines.interventions import IMPORT, NewIntervention, cancels_problems, rows_of_table
from pipelines.problems import Problem
from pipelines.readers import read_table
from pipelines.scores_store import ScoresStore
from pipelines.settings import Settings, load_settings
from pipelines.snapshots import SnapshotStore
from pipelines.validation import LoadedTable, reference_problems, table_problems

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".parquet")
# the feature tables, then what HR did (not a feature input: it goes to the scores database)
INTERVENTIONS = "interventions"
INGEST_TABLES: tuple[str, ...] = (*ALL_TABLES, INTERVENTIONS)


@dataclass(frozen=True)
class IngestSummary:
    """What one successful ingest wrote."""

    snapshot_id: str
    source: str
    rows: dict[str, int]
    seconds: float
    interventions_added: int = 0


@dataclass(frozen=True)
class ValidatedExport:
    """The checked tables, and the whole interventions table (for its database checks)."""

    tables: dict[str, pa.Table]
    interventions: LoadedTable | None


def locate_tables(folder: Path, allow_missing: Iterable[str]) -> dict[str, Path]:
    """The file of each contract table in ``folder``; refuses missing or ambiguous tables."""
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder holding the export's tables")
    allowed = set(allow_missing)
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for name in INGEST_TABLES:
        candidates = [folder / f"{name}{suffix}" for suffix in SUFFIXES]
        existing = [path for path in candidates if path.is_file()]
        if len(existing) > 1:
            problems.append(
                Problem(f"{name}.csv/.parquet", None, "one file per table (found both)")
            )
        elif existing:
            found[name] = existing[0]
        elif not TABLES[name].optional_file or (name in OPTIONAL_TABLES and name not in allowed):
            hint = " (or pass --allow-missing " + name + ")" if name in OPTIONAL_TABLES else ""
            problems.append(Problem(f"{name}.csv", None, f"the table is present{hint}"))
    known = {path.name for path in found.values()}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.name not in known:
            logger.warning("%s: not a contract table; ignored", path.name)
    if problems:
        raise ValidationFailedError([p.message() for p in problems])
    return found


def parse_allow_missing(value: str | None) -> set[str]:
    """``surveys,workload`` → a set; anything else is refused."""
    if not value:
        return set()
    names = {part.strip() for part in value.split(",") if part.strip()}
    unknown = names - set(OPTIONAL_TABLES)
    if unknown:
        raise UserError(
            f"--allow-missing takes {', '.join(OPTIONAL_TABLES)}; got {', '.join(sorted(unknown))}"
        )
    return names


def load_and_validate(
    folder: Path, encoding: str | None, allow_missing: Iterable[str]
) -> dict[str, pa.Table]:
    """Read and check every table; raise ``ValidationFailedError`` listing every broken rule."""
    return validate_export(folder, encoding, allow_missing).tables


def validate_export(
    folder: Path, encoding: str | None, allow_missing: Iterable[str]
) -> ValidatedExport:
    """Read and check every table; raise ``ValidationFailedError`` listing every broken rule."""
    from rich.console import Console
    from rich.progress import Progress

    files = locate_tables(folder, allow_missing)
    problems: list[Problem] = []
    arrow: dict[str, pa.Table] = {}
    loaded: dict[str, LoadedTable] = {}
    interventions: LoadedTable | None = None
    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("validating", total=len(files) + 1)
        for name, path in files.items():
            progress.update(task, description=f"reading {path.name}")
            result = read_table(path, TABLES[name], encoding)
            problems.extend(result.problems)
            if result.table is not None:
                frame = result.table.to_pandas(split_blocks=True)  # no consolidation copy
                table = LoadedTable(name, path.name, frame, result.unit, result.first_line)
                problems.extend(table_problems(table))
                arrow[name], loaded[name] = result.table, keys_only(table)
                if name == INTERVENTIONS:
                    interventions = table
            progress.advance(task)
        progress.update(task, description="checking references between tables")
        problems.extend(reference_problems(loaded))
        progress.advance(task)
    if problems:
        raise ValidationFailedError([p.message() for p in problems])
    return ValidatedExport(arrow, interventions)


def interventions_to_record(
    table: LoadedTable,
    departments: Mapping[str, str | None],
    scores: ScoresStore,
    recorded_by: str = IMPORT,
) -> list[NewIntervention]:
    """The rows of a checked interventions table, refused (``ValidationFailedError``, the
    file's own line numbers) when a ``cancels`` names neither a row of the file nor one
    recorded in the scores database."""
    frame = table.frame
    targets = sorted(set(frame["cancels"].dropna()))
    recorded = scores.intervention_departments(targets) if targets else {}
    problems = cancels_problems(frame, recorded, table.file, table.unit, table.first_line)
    if problems:
        raise ValidationFailedError([p.message() for p in problems])
    return rows_of_table(frame, departments, recorded_by)


def team_departments(teams: pa.Table) -> dict[str, str | None]:
    """team_id → department of a checked teams table."""
    return dict(
        zip(
            teams.column("team_id").to_pylist(),
            teams.column("department").to_pylist(),
            strict=True,
        )
    )


def keys_only(table: LoadedTable) -> LoadedTable:
    """Keep only the columns other tables' references need: a checked table's other
    columns would otherwise sit in memory while the next tables are checked."""
    keys = {r.column for r in REFERENCES if r.table == table.name} | {
        r.target_column for r in REFERENCES if r.target == table.name
    }
    return dataclasses.replace(table, frame=table.frame[[c for c in table.frame if c in keys]])


def run_ingest(
    folder: Path,
    settings: Settings,
    encoding: str | None = None,
    allow_missing: Iterable[str] = (),
) -> IngestSummary:
    """Validate ``folder`` and, only if every rule holds, write and switch to a new snapshot."""
    started = time.perf_counter()
    export = validate_export(folder, encoding, allow_missing)
    tables = export.tables
    store = SnapshotStore(settings.snapshots_dir)
    source = str(folder.resolve())
    added = 0
    if export.interventions is None:
        with store.locked():
            snapshot_id = store.write(tables, source=source)
    else:
        scores = ScoresStore.from_settings(settings)
        try:
            rows_to_add = interventions_to_record(
                export.interventions, team_departments(tables["teams"]), scores
            )
            switched: list[str] = []
            with store.locked():
                # the snapshot switches inside the transaction that records the rows: if
                # writing it fails, no row is recorded
                added = scores.add_interventions(
                    rows_to_add,
                    before_commit=lambda: switched.append(store.write(tables, source=source)),
                )
            snapshot_id = switched[0]
        finally:
            scores.dispose()
        logger.info("%d new interventions recorded in the scores database", added)
    rows = {name: table.num_rows for name, table in tables.items()}
    logger.info("snapshot %s is current", snapshot_id)
    return IngestSummary(snapshot_id, str(folder), rows, time.perf_counter() - started, added)


@click.command("ingest")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--encoding", default=None, help="CSV encoding (default: detect UTF-8/BOM/cp932).")
@click.option(
    "--allow-missing",
    default=None,
    metavar="surveys,workload",
    help="Accept an export without these tables.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def ingest_command(
    folder: Path, encoding: str | None, allow_missing: str | None, as_json: bool
) -> int:
    """Validate an HR export folder and make it the current snapshot."""
    import json

    from rich.console import Console
    from rich.table import Table

    summary = run_ingest(folder, load_settings(), encoding, parse_allow_missing(allow_missing))
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(summary), ensure_ascii=False))
        return 0
    table = Table(title=f"snapshot {summary.snapshot_id} is current")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        table.add_row(name, f"{count:,}")
    Console().print(table)
    if INTERVENTIONS in summary.rows:
        Console().print(f"interventions: {summary.interventions_added:,} new rows recorded")
    Console().print(f"ingested in {summary.seconds:.1f} s")
    return 0
