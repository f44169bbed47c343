"""The snapshot store: immutable folders of validated tables, one pointer to the current one.

A snapshot is written under a temporary name, fsynced, renamed into place, and only then
made current by atomically replacing the ``CURRENT`` pointer file. A process killed at any
point therefore leaves the previous snapshot current and readable.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.parquet as pq

from features.tables import ALL_TABLES, Tables
from pipelines.errors import UserError

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class SnapshotInfo:
    """What ``erisk snapshots`` lists about one snapshot."""

    snapshot_id: str
    created_at: str
    source: str
    rows: dict[str, int]
    current: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "snapshot_id": self.snapshot_id,
            "created_at": self.created_at,
            "source": self.source,
            "rows": self.rows,
            "current": self.current,
        }


class SnapshotStore:
    """Snapshots under one root folder (``$ERISK_DATA_DIR/snapshots``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # ---- writing -------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise writers (ingest, prune); the lock dies with its holder."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as busy:
                raise UserError(
                    f"another ingest or prune is running on {self.root}; try again when it ends"
                ) from busy
            yield

    def write(self, tables: Mapping[str, pa.Table], source: str) -> str:
        """Write a new snapshot and make it current; returns its id. Caller holds the lock."""
        self._remove_leftovers()
        created = dt.datetime.now(dt.UTC)
        snapshot_id = created.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]
        staging = self.root / f"{TMP_PREFIX}{snapshot_id}"
        staging.mkdir(parents=True)
        for name, table in tables.items():
            pq.write_table(table, staging / f"{name}.parquet", compression="zstd")
        manifest = {
            "snapshot_id": snapshot_id,
            "created_at": created.isoformat(timespec="seconds"),
            "source": source,
            "rows": {name: table.num_rows for name, table in tables.items()},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _fsync_tree(staging)
        final = self.root / snapshot_id
        os.rename(staging, final)
        self._point_to(snapshot_id)
        return snapshot_id

    def _point_to(self, snapshot_id: str) -> None:
        pointer_tmp = self.root / f"{TMP_PREFIX}{POINTER}-{uuid.uuid4().hex[:6]}"
        with open(pointer_tmp, "w") as handle:
            handle.write(snapshot_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer_tmp, self.root / POINTER)
        _fsync_dir(self.root)

    def _remove_leftovers(self) -> None:
        """Staging folders of killed writers are never current: delete them."""
        for leftover in self.root.glob(f"{TMP_PREFIX}*"):
            logger.info("removing leftover of an interrupted write: %s", leftover.name)
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` snapshots (never the current one)."""
        if keep < 1:
            raise UserError("--keep must be at least 1: the current snapshot is always kept")
        current = self.current_id()
        ids = self.ids()
        keep_ids = set(ids[-keep:]) | ({current} if current else set())
        removed = [snapshot_id for snapshot_id in ids if snapshot_id not in keep_ids]
        for snapshot_id in removed:
            shutil.rmtree(self.root / snapshot_id)
        self._remove_leftovers()
        return removed

    # ---- reading -------------------------------------------------------------------
    def ids(self) -> list[str]:
        """Snapshot ids, oldest first (ids sort by creation time)."""
        if not self.root.exists():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()
        )

    def current_id(self) -> str | None:
        """The current snapshot's id, or None before the first ingest."""
        pointer = self.root / POINTER
        if not pointer.exists():
            return None
        return pointer.read_text().strip() or None

    def require_current(self) -> str:
        """The current snapshot's id, or a clear error saying what to run."""
        current = self.current_id()
        if current is None:
            raise UserError(f"no data ingested yet in {self.root.parent}: run `erisk ingest DIR`")
        return current

    def info(self, snapshot_id: str) -> SnapshotInfo:
        """Manifest of one snapshot."""
        manifest = json.loads((self.root / snapshot_id / MANIFEST).read_text())
        return SnapshotInfo(
            snapshot_id=snapshot_id,
            created_at=manifest["created_at"],
            source=manifest["source"],
            rows=manifest["rows"],
            current=snapshot_id == self.current_id(),
        )

    def load(self, snapshot_id: str | None = None) -> Tables:
        """The tables of a snapshot (the current one by default) as typed pandas frames."""
        snapshot_id = snapshot_id or self.require_current()
        folder = self.root / snapshot_id
        if not folder.is_dir():
            raise UserError(f"snapshot {snapshot_id} does not exist in {self.root}")
        frames = {
            name: pq.read_table(path).to_pandas()
            for name in ALL_TABLES
            if (path := folder / f"{name}.parquet").exists()
        }
        return Tables(**frames)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@click.command("snapshots")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--prune", is_flag=True, help="Delete old snapshots (individual-level data).")
@click.option("--keep", type=click.IntRange(min=1), default=None, help="With --prune: how many.")
def snapshots_command(as_json: bool, prune: bool, keep: int | None) -> int:
    """List the ingested snapshots (and prune old ones)."""
    from rich.console import Console
    from rich.table import Table

    from pipelines.settings import load_settings

    store = SnapshotStore(load_settings().snapshots_dir)
    if keep is not None and not prune:
        raise UserError("--keep goes with --prune")
    removed: list[str] = []
    if prune:
        if keep is None:
            raise UserError("--prune needs --keep N")
        with store.locked():
            removed = store.prune(keep)
    infos = [store.info(snapshot_id) for snapshot_id in store.ids()]
    if as_json:
        payload: dict[str, object] = {"snapshots": [i.as_dict() for i in infos]}
        if prune:
            payload["pruned"] = removed
        click.echo(json.dumps(payload, ensure_ascii=False))
        return 0
    console = Console()
    if prune:
        console.print(f"pruned {len(removed)} snapshot(s)")
    if not infos:
        console.print("no snapshots yet: run `erisk ingest DIR`")
        return 0
    table = Table(title="snapshots")
    for column in ("id", "created (UTC)", "source", "rows", "current"):
        table.add_column(column)
    for info in infos:
        rows = ", ".join(f"{k} {v:,}" for k, v in info.rows.items())
        table.add_row(info.snapshot_id, info.created_at, info.source, rows, "*" * info.current)
    console.print(table)
    return 0
