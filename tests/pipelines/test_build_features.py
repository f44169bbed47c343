"""``erisk features`` end to end on a temporary store: build, cache, labels, export, refusals."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from features.build import build_team_months
from features.catalogue import table_columns
from features.tables import Tables
from pipelines.build_features import features_command, run_features
from pipelines.cli import main
from pipelines.settings import load_settings
from pipelines.snapshots import SnapshotStore
from tests.features.world import random_world


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """Contract-typed Arrow table, dates as millisecond timestamps like ingest writes."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.timestamp("ms")))
    return table


def _ingest(data_dir: Path, tables: Tables) -> str:
    store = SnapshotStore(data_dir / "snapshots")
    with store.locked():
        return store.write({n: _arrow(f) for n, f in tables.present().items()}, source="test")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "store"
    monkeypatch.setenv("ERISK_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def world() -> Tables:
    return random_world(5, with_assignments=True)


def test_all_months_are_built_stored_and_equal_to_the_pure_build(
    data_dir: Path, world: Tables
) -> None:
    # given a snapshot of a random world
    _ingest(data_dir, world)
    # when every month is built
    summary = run_features(load_settings())
    # then the stored table is the pure build's table (through Parquet and ms dates)
    stored = pd.read_parquet(summary.table_path)
    expected = build_team_months(world)
    pd.testing.assert_frame_equal(stored, expected, check_exact=True)
    assert summary.built == summary.months and summary.reused == []
    assert summary.labelled == int(expected["label"].notna().sum())


def test_cached_months_are_reused_and_rebuild_builds_them_again(
    data_dir: Path, world: Tables
) -> None:
    # given one month already built
    _ingest(data_dir, world)
    first = run_features(load_settings(), months="2025-02")
    # when all months are asked for, then again with --rebuild
    second = run_features(load_settings())
    third = run_features(load_settings(), rebuild=True)
    # then only the new months were built the second time, all of them the third
    assert first.built == ["2025-02"]
    assert "2025-02" in second.reused and "2025-02" not in second.built
    assert len(second.built) == len(second.months) - 1
    assert third.built == third.months


def test_export_has_the_documented_columns_for_the_requested_month(
    data_dir: Path, world: Tables, tmp_path: Path
) -> None:
    # given a snapshot
    _ingest(data_dir, world)
    target = tmp_path / "out" / "features-2025-03.parquet"
    # when one month is exported through the command line
    result = CliRunner().invoke(
        features_command, ["--month", "2025-03", "--export", str(target)], catch_exceptions=False
    )
    # then the file holds that month, one row per team, with the interface's columns
    assert result.exit_code == 0, result.output
    exported = pd.read_parquet(target)
    assert list(exported.columns) == table_columns()
    assert set(exported["month"]) == {"2025-03"}
    assert len(exported) == len(world.teams)
    assert exported["label"].dtype == "Int8"
    assert exported["survey_suppressed"].dtype == bool


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["features", "--month", "2030-01"], "outside the data"),
        (["features", "--month", "2025-13"], "YYYY-MM"),
        (["features", "--month", "2025-01", "--all"], "not both"),
        (["features", "--export", "table.xlsx"], ".parquet or .csv"),
    ],
)
def test_bad_requests_exit_2_with_a_message(
    data_dir: Path,
    world: Tables,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    # given a snapshot
    _ingest(data_dir, world)
    # when a bad request is made
    code = main(argv)
    # then it is refused with exit code 2 and says why
    assert code == 2
    assert message in capsys.readouterr().err


def test_before_any_ingest_the_command_says_what_to_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["features", "--all"])
    assert code == 2
    assert "erisk ingest" in capsys.readouterr().err


def test_months_cached_with_other_feature_definitions_are_rebuilt(
    data_dir: Path, world: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every month cached
    _ingest(data_dir, world)
    first = run_features(load_settings())
    # when the feature definitions change (a new version) and the command runs again
    monkeypatch.setattr("pipelines.build_features.FEATURES_VERSION", 999)
    second = run_features(load_settings())
    # then nothing stale is reused
    assert second.reused == [] and second.built == first.months


def test_a_csv_export_holds_no_cell_that_excel_would_run(
    data_dir: Path, world: Tables, tmp_path: Path
) -> None:
    # given a snapshot in which a team's id is a formula (the contract allows any text)
    first = str(world.teams["team_id"].iloc[0])
    frames = {
        name: frame.assign(team_id=frame["team_id"].replace({first: "=1+1"}))
        if "team_id" in frame
        else frame
        for name, frame in world.present().items()
    }
    _ingest(data_dir, Tables(**frames))
    target = tmp_path / "features.csv"
    # when the month is exported as CSV for people
    result = CliRunner().invoke(
        features_command, ["--month", "2025-03", "--export", str(target)], catch_exceptions=False
    )
    # then the id is written as text, and no cell starts a formula
    assert result.exit_code == 0, result.output
    cells = [c for row in csv.reader(io.StringIO(target.read_text("utf-8-sig"))) for c in row]
    assert "'=1+1" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
