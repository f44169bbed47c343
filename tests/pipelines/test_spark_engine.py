"""The Spark engine gives the pandas engine's rows: features, scores and the CLI end to end.

One ``local[2]`` session for the module, on the ``world`` fixture (16 teams, 22 months,
with transfers between teams in ``assignments``). pyspark and Java are required: ``make
test`` installs both, so a missing one is a failure, never a skip.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from pipelines import cli
from tests.pipelines.conftest import World

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [
    pytest.mark.slow,
    # MLflow's own deprecation warnings (its SQLAlchemy store, pandas 4 notices in its utils)
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
    pytest.mark.filterwarnings("ignore:Starting with pandas version 4.0 all arguments"),
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType"),
    # PySpark 4.x on pandas 3 (works; see docs/spark.md)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local[2] session, bound to loopback, for every test of the module."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: `make test` installs openjdk-17-jre-headless")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail("pyspark is missing: `make test` installs the [spark] extra")
    from pipelines.spark_engine import spark_session

    session = spark_session("local[2]", app_name="erisk-tests")
    yield session
    session.stop()


@pytest.fixture
def env(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return world


def snapshot_folder(world: World) -> Path:
    from pipelines.snapshots import SnapshotStore

    store = SnapshotStore(world.data_dir / "snapshots")
    return store.root / store.require_current()


def test_the_world_moves_people_between_teams(world: World) -> None:
    # given the world's assignments
    assignments = pd.read_parquet(snapshot_folder(world) / "assignments.parquet")
    # when counting the teams each employee belonged to
    teams_per_person = assignments.groupby("employee_id")["team_id"].nunique()
    # then some moved: the parity below covers replicated person rows
    assert (teams_per_person > 1).sum() >= 5


def test_features_on_spark_equal_pandas_for_every_month(spark: SparkSession, world: World) -> None:
    from features.build import compute_features, history_start
    from pipelines.snapshots import SnapshotStore
    from pipelines.spark_engine import compute_features_spark

    # given the world's snapshot and every scorable month
    tables = SnapshotStore(world.data_dir / "snapshots").load()
    # when both engines build the features
    expected = compute_features(tables, world.months)
    got = compute_features_spark(spark, snapshot_folder(world), world.months, history_start(tables))
    # then the rows are identical: columns, dtypes, order, values (NaN where NaN)
    assert len(got) == 16 * len(world.months)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_scoring_on_spark_gives_the_pandas_rows(
    spark: SparkSession, env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.score import run_score
    from pipelines.scores_store import ScoresStore
    from pipelines.settings import load_settings
    from pipelines.spark_engine import run_score_spark

    # given the world's last month, scored by each engine into its own database
    month = env.months[-1]
    results = {}
    for engine, run in (("pandas", run_score), ("spark", run_score_spark)):
        url = f"sqlite:///{tmp_path}/{engine}.db"
        monkeypatch.setenv("ERISK_DB_URL", url)
        # when the month is scored
        summary = run(load_settings(), month)
        store = ScoresStore(url)
        scored = store.read_month(month, "en")
        scored_ja = store.read_month(month, "ja")
        store.dispose()
        assert scored is not None and scored_ja is not None
        results[engine] = (summary, scored, scored_ja)
    # then the same teams get the same risk, band, flags, actions and drivers
    (p_sum, p_en, p_ja), (s_sum, s_en, s_ja) = results["pandas"], results["spark"]
    assert s_sum.team_count == p_sum.team_count == 16 - p_sum.skipped_empty_teams
    assert s_sum.band_counts == p_sum.band_counts and s_sum.flag_counts == p_sum.flag_counts
    assert (s_sum.review_count, s_sum.review_capacity) == (
        p_sum.review_count,
        p_sum.review_capacity,
    )
    assert s_en.model_version == p_en.model_version == env.champion
    for pandas_rows, spark_rows in ((p_en.results, s_en.results), (p_ja.results, s_ja.results)):
        by_team = {row["team_id"]: row for row in spark_rows}
        assert set(by_team) == {row["team_id"] for row in pandas_rows}
        for expected in pandas_rows:
            got = by_team[expected["team_id"]]
            assert abs(got["risk"] - expected["risk"]) <= 1e-6
            for key in (
                *("band", "flags", "actions", "drivers", "team_name", "model_version"),
                *("rank", "lift", "review", "status"),
            ):
                assert got[key] == expected[key], (expected["team_id"], key)
    assert np.isclose(
        s_sum.drift["psi"].fillna(-1), p_sum.drift["psi"].fillna(-1), atol=1e-12
    ).all()


def test_cli_scores_and_builds_features_on_spark(
    spark: SparkSession,
    env: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a copy of the world's snapshots (no feature cache) and an empty scores database
    data = tmp_path / "data"
    shutil.copytree(env.data_dir / "snapshots", data / "snapshots")
    monkeypatch.setenv("ERISK_DATA_DIR", str(data))
    monkeypatch.setenv("ERISK_DB_URL", f"sqlite:///{tmp_path}/scores.db")
    month = env.months[-2]
    # when the features and one month's scores are built with --engine spark
    capsys.readouterr()
    features_code = cli.main(["features", "--all", "--engine", "spark", "--master", "local[2]"])
    score_code = cli.main(["score", "--month", month, "--engine", "spark", "--json"])
    out, _ = capsys.readouterr()
    # then both succeed: the feature table is the pandas one, the month is stored
    assert features_code == 0 and score_code == 0
    built = pd.read_parquet(next((data / "features").glob("*/team_months.parquet")))
    expected = pd.read_parquet(next((env.data_dir / "features").glob("*/team_months.parquet")))
    pd.testing.assert_frame_equal(built, expected, check_exact=True)
    summary = json.loads(out[out.index("[") :])[0]
    assert summary["month"] == month and summary["team_count"] > 0
    assert cli.main(["report", "--month", month, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["results"]) == summary["team_count"]
