"""``erisk features``: build the team-month table from the current snapshot into the store.

Layout under ``$ERISK_DATA_DIR/features/<snapshot_id>/``:
- ``months/YYYY-MM.parquet``: the features of one month (no label). A snapshot never
  changes, so a month built once is reused until ``--rebuild``;
- ``team_months.parquet``: every cached month with its label. Labels depend on data after
  the month, so they are recomputed on every run and never cached.
Every file is written under a temporary name and renamed into place, so a killed run leaves
the previous file readable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.build import (
    FEATURE_COLUMNS,
    FEATURES_VERSION,
    attach_labels,
    compute_features,
    scorable_months,
)
from features.calendar import parse_month
from features.catalogue import table_columns
from features.schema import team_month_schema
from pipelines.errors import UserError
from pipelines.settings import Settings, load_settings
from pipelines.snapshots import SnapshotStore

logger = logging.getLogger(__name__)

TABLE_FILE = "team_months.parquet"
FINGERPRINT_KEY = b"erisk_features_fingerprint"
MONTHS_FOLDER = "months"
EXPORT_SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class FeaturesSummary:
    """What a run did: which months it built, which it reused, and where the table is."""

    snapshot_id: str
    months: list[str]
    built: list[str]
    reused: list[str]
    rows: int
    teams: int
    labelled: int
    positives: int
    table_path: str
    export_path: str | None
    seconds: float
    first_month: str | None = None
    last_month: str | None = None


def features_fingerprint() -> str:
    """Identifies the feature definitions a cached month was built with.

    Bump ``FEATURES_VERSION`` in ``features.build`` when a definition changes; a new column
    list changes the fingerprint by itself. Cached months with another fingerprint are rebuilt.
    """
    payload = json.dumps([FEATURES_VERSION, list(FEATURE_COLUMNS)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _write_parquet_atomically(
    frame: pd.DataFrame, path: Path, metadata: dict[str, str] | None = None
) -> None:
    """Write ``frame`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:6]}")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                **{k.encode(): v.encode() for k, v in metadata.items()},
            }
        )
    try:
        pq.write_table(table, staging, compression="zstd")
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _cached_months(month_folder: Path) -> dict[str, Path]:
    """Months cached with the current feature definitions (others are stale: rebuilt)."""
    if not month_folder.exists():
        return {}
    fingerprint = features_fingerprint().encode()
    cached = {}
    for path in month_folder.glob("*.parquet"):
        metadata = pq.read_schema(path).metadata or {}
        if metadata.get(FINGERPRINT_KEY) == fingerprint:
            cached[path.stem] = path
        else:
            logger.info("cached %s was built with other feature definitions: rebuilding", path.stem)
    return cached


def _write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """CSV for people: UTF-8 with a BOM so that Japanese Excel opens it correctly, and no
    cell that Excel would run as a formula (team ids come from the customer's export)."""
    from pipelines.csv_cells import write_csv

    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:6]}")
    try:
        write_csv(frame, staging, index=False, encoding="utf-8-sig")
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _requested_months(months: str | Sequence[str] | None, available: list[str]) -> list[str]:
    """The months to build: the given ones, checked, or every scorable month."""
    if not available:
        raise UserError("the current snapshot has no complete month of timesheets to build")
    if months is None:
        return available
    wanted = [months] if isinstance(months, str) else list(months)
    for month in wanted:
        try:
            parse_month(month)
        except ValueError as bad:
            raise UserError(str(bad)) from bad
        if month not in available:
            raise UserError(
                f"month {month} is outside the data: the snapshot covers {available[0]} to "
                f"{available[-1]} (a month counts once timesheets reach its last business day)"
            )
    return sorted(set(wanted))


def run_features(
    settings: Settings,
    months: str | Sequence[str] | None = None,
    rebuild: bool = False,
    export: Path | None = None,
    engine: str = "pandas",
    master: str | None = None,
) -> FeaturesSummary:
    """Build (or reuse) the features of ``months`` (``YYYY-MM`` strings; None for every
    scorable month), label every cached month, store the table, and optionally export the
    requested months. ``engine="spark"`` builds the features on Spark (``master``), per
    team group, with the same functions and point-in-time rules."""
    started = time.perf_counter()
    if export is not None and export.suffix.lower() not in EXPORT_SUFFIXES:
        raise UserError(f"--export writes .parquet or .csv, not {export.name!r}")
    store = SnapshotStore(settings.snapshots_dir)
    snapshot_id = store.require_current()
    tables = store.load(snapshot_id)
    available = scorable_months(tables)
    requested = _requested_months(months, available)

    folder = settings.features_dir / snapshot_id
    month_folder = folder / MONTHS_FOLDER
    cached = _cached_months(month_folder)
    to_build = [m for m in requested if rebuild or m not in cached]
    reused = [m for m in requested if m not in to_build]
    if to_build:
        logger.info("building %d month(s) of features", len(to_build))
        if engine == "spark":
            from features.build import history_start
            from pipelines.spark_engine import build_features_spark

            built = build_features_spark(
                store.root / snapshot_id, to_build, history_start(tables), master
            )
        else:
            built = compute_features(tables, to_build)
        stamp = {FINGERPRINT_KEY.decode(): features_fingerprint()}
        for month, rows in built.groupby("month", sort=True):
            _write_parquet_atomically(
                rows.reset_index(drop=True), month_folder / f"{month}.parquet", stamp
            )

    current = _cached_months(month_folder)
    kept = [current[m] for m in sorted(current) if m in set(available)]
    features = pd.concat([pd.read_parquet(p) for p in kept], ignore_index=True)
    table = attach_labels(features, tables)
    team_month_schema().validate(table)
    table_path = folder / TABLE_FILE
    _write_parquet_atomically(table, table_path)

    selected = table.loc[table["month"].isin(requested), table_columns()].reset_index(drop=True)
    if export is not None:
        if export.suffix.lower() == ".csv":
            _write_csv_atomically(selected, export)
        else:
            _write_parquet_atomically(selected, export)
    labels = selected["label"]
    return FeaturesSummary(
        snapshot_id=snapshot_id,
        months=requested,
        built=to_build,
        reused=reused,
        rows=len(selected),
        teams=int(selected["team_id"].nunique()),
        labelled=int(labels.notna().sum()),
        positives=int((labels == 1).sum()),
        table_path=str(table_path),
        export_path=None if export is None else str(export),
        seconds=time.perf_counter() - started,
        first_month=requested[0],
        last_month=requested[-1],
    )


@click.command("features")
@click.option("--month", default=None, metavar="YYYY-MM", help="Build one month.")
@click.option("--all", "all_months", is_flag=True, help="Build every month (the default).")
@click.option("--rebuild", is_flag=True, help="Ignore cached months and build them again.")
@click.option(
    "--export",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE.parquet",
    help="Also write the requested months, labels included, to this file (.parquet or .csv).",
)
@click.option(
    "--engine",
    type=click.Choice(("pandas", "spark")),
    default="pandas",
    show_default=True,
    help="Build on one process (pandas) or on Spark.",
)
@click.option(
    "--master", default=None, metavar="URL", help="Spark master (--engine spark; default local[2])."
)
def features_command(
    month: str | None,
    all_months: bool,
    rebuild: bool,
    export: Path | None,
    engine: str,
    master: str | None,
) -> int:
    """Build the team-month feature table from the current snapshot (cached by month)."""
    from rich.console import Console
    from rich.table import Table

    if month is not None and all_months:
        raise UserError("choose --month M or --all, not both")
    if master is not None and engine != "spark":
        raise UserError("--master applies to --engine spark only")
    summary = run_features(load_settings(), month, rebuild, export, engine, master)
    table = Table(title=f"team-month features, snapshot {summary.snapshot_id}")
    table.add_column("months")
    table.add_column("built", justify="right")
    table.add_column("reused", justify="right")
    table.add_column("teams", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("labelled", justify="right")
    table.add_column("label = 1", justify="right")
    span = (
        summary.first_month
        if summary.first_month == summary.last_month
        else f"{summary.first_month} .. {summary.last_month}"
    )
    table.add_row(
        span,
        f"{len(summary.built):,}",
        f"{len(summary.reused):,}",
        f"{summary.teams:,}",
        f"{summary.rows:,}",
        f"{summary.labelled:,}",
        f"{summary.positives:,}",
    )
    console = Console()
    console.print(table)
    console.print(f"table: {summary.table_path}")
    if summary.export_path:
        console.print(f"exported: {summary.export_path}")
    console.print(f"done in {summary.seconds:.1f} s")
    return 0
