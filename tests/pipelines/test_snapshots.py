"""The snapshot store: atomic switch, survival of killed writers, the lock, pruning."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.snapshots import SnapshotStore

KILL_MID_WRITE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyarrow.parquet as pq
    import pipelines.snapshots as snapshots
    from pipelines.cli import main

    marker = Path(sys.argv[2])
    real_write = pq.write_table
    written = []

    def write_then_stall(table, where, **kwargs):
        real_write(table, where, **kwargs)
        written.append(where)
        if len(written) == 3:  # three tables are on disk, the rest are not
            marker.write_text(str(where))
            time.sleep(60)

    snapshots.pq.write_table = write_then_stall
    sys.exit(main(["ingest", sys.argv[1]]))
    """
)


def test_a_writer_killed_mid_write_leaves_the_previous_snapshot_current(
    export_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    # given a store with a good snapshot
    assert main(["ingest", str(export_dir)]) == 0
    store = SnapshotStore(data_dir / "snapshots")
    good = store.current_id()
    # when a second ingest is SIGKILLed while its tables are being written
    marker = tmp_path / "stalled"
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_MID_WRITE, str(export_dir), str(marker)],
        env={**os.environ, "ERISK_DATA_DIR": str(data_dir)},
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, "the child ended before reaching the write"
        assert time.monotonic() < deadline, "the child never reached the write"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    # then the previous snapshot is still current and complete
    assert store.current_id() == good
    assert store.ids() == [good]
    assert len(store.load().timesheets) == 4
    # and the next ingest cleans the leftover and succeeds
    assert any(p.name.startswith(".tmp-") for p in store.root.iterdir())
    assert main(["ingest", str(export_dir)]) == 0
    assert not any(p.name.startswith(".tmp-") for p in store.root.iterdir())
    assert len(store.ids()) == 2 and store.current_id() != good


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(
    export_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a writer holding the store's lock
    store = SnapshotStore(data_dir / "snapshots")
    with store.locked():
        # when another ingest starts
        code = main(["ingest", str(export_dir)])
    # then it is refused with a clear message, and nothing was written
    assert code == 2
    assert "another ingest or prune is running" in capsys.readouterr().err
    assert store.current_id() is None
    # and once the lock is released, ingest works
    assert main(["ingest", str(export_dir)]) == 0


def test_prune_keeps_the_newest_and_the_current(
    export_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given three snapshots
    for _ in range(3):
        assert main(["ingest", str(export_dir)]) == 0
    store = SnapshotStore(data_dir / "snapshots")
    newest = store.ids()[-1]
    capsys.readouterr()
    # when pruned down to one
    code = main(["snapshots", "--prune", "--keep", "1", "--json"])
    # then only the newest, current one is left
    assert code == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["snapshot_id"] for s in listed["snapshots"]] == [newest]
    assert len(listed["pruned"]) == 2
    assert store.ids() == [newest] and store.current_id() == newest


def test_prune_needs_keep(data_dir: Path) -> None:
    assert main(["snapshots", "--prune"]) == 2
    assert main(["snapshots", "--prune", "--keep", "0"]) == 2


def test_snapshots_json_lists_rows_and_marks_current(
    export_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given one ingest
    assert main(["ingest", str(export_dir)]) == 0
    capsys.readouterr()
    # when listed as JSON
    assert main(["snapshots", "--json"]) == 0
    # then the row counts and the current flag are there
    (only,) = json.loads(capsys.readouterr().out)["snapshots"]
    assert only["current"] is True
    assert only["rows"]["timesheets"] == 4
    assert only["source"] == str(export_dir.resolve())


def test_reading_before_any_ingest_says_what_to_run(data_dir: Path) -> None:
    from pipelines.errors import UserError

    with pytest.raises(UserError, match="erisk ingest"):
        SnapshotStore(data_dir / "snapshots").load()
