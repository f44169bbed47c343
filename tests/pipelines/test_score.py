"""``erisk score`` and ``erisk report`` end to end on a tiny world, on SQLite and PostgreSQL.

One world per module: generate -> ingest -> features -> train -> promote (champion). Each
test then scores into a fresh database of each kind.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipelines import cli
from tests.pipelines.conftest import REVIEW_MONTH_INDEX, World
from tests.pipelines.test_scores_store import (
    CHILD_LOCK_HOLDER,
    fresh_postgres_database,
    kill,
    lock_is_free,
    start_child,
)
from tests.result_shape import DRIVER_KEYS, RESULT_KEYS

pytestmark = [
    pytest.mark.slow,
    # MLflow's own deprecation warnings (its SQLAlchemy store, pandas 4 notices in its utils)
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
    pytest.mark.filterwarnings("ignore:Starting with pandas version 4.0 all arguments"),
    # raised while training the fixture's model (the pyfunc's type hints), not by scoring
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The world's data and model, and an empty scores database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/scores.db"
    else:
        url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("ERISK_DB_URL", url)
    yield url


def erisk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI; return (code, stdout, stderr)."""
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_score_and_read_back_in_every_format(
    world: World, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import mlflow

    from pipelines.score import BATCH_EXPERIMENT
    from pipelines.scores_store import ScoresStore

    month = world.months[-1]
    # when the last month is scored with the default alias
    code, out, err = erisk(capsys, "score", "--month", month)
    assert code == 0, err
    # then report --json has the fixed shape, riskiest first, with the champion's version
    code, out, err = erisk(capsys, "report", "--month", month, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {"month", "model_version", "results"}
    assert report["month"] == month and report["model_version"] == world.champion
    results = report["results"]
    assert len(results) > 0
    assert [r["risk"] for r in results] == sorted((r["risk"] for r in results), reverse=True)
    for result in results:
        assert set(result) == RESULT_KEYS
        assert result["month"] == month and result["model_version"] == world.champion
        assert result["band"] in {"low", "medium", "high"}
        assert set(result["flags"]) <= {"buffer", "recognition"}
        assert all(set(driver) == DRIVER_KEYS for driver in result["drivers"])
        assert all({"id", "intervention", "title"} <= set(a) for a in result["actions"])
        assert result["status"] == "scored"  # the world's last month has years of history
    # and the ranks run 1..n by risk; the review list is the first high teams, at most k
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    k = max(3, -(-len(results) // 20))
    high = [r["team_id"] for r in results if r["band"] == "high"]
    assert [r["team_id"] for r in results if r["review"]] == high[:k]

    # and the batch run records the concrete version, the snapshot and its MLflow run, k
    # and the backtest figures of the model's review list
    store = ScoresStore(db_url)
    run = store.batch_runs(month)[-1]
    japanese = store.read_month(month, "ja")
    store.dispose()
    assert japanese is not None
    assert [(r["team_id"], r["rank"], r["review"]) for r in japanese.results] == [
        (r["team_id"], r["rank"], r["review"]) for r in results
    ]
    assert run.review_capacity == k
    assert run.model_bands is not None and "review.precision" in run.backtest
    base_rate = run.model_bands.base_rate
    assert all(r["lift"] == pytest.approx(r["risk"] / base_rate, abs=0.01) for r in results)
    assert run.model_version == world.champion
    assert run.model_uri == f"models:/engagement-risk/{world.champion}"
    assert run.team_count == len(results)
    mlflow.set_tracking_uri(world.tracking_uri)
    logged = mlflow.get_run(run.mlflow_run_id)
    experiment = mlflow.get_experiment(logged.info.experiment_id)
    assert experiment.name == BATCH_EXPERIMENT
    assert logged.data.params["model_version"] == str(world.champion)
    assert logged.data.params["snapshot_id"] == run.snapshot_id
    assert logged.data.metrics["team_count"] == len(results)
    flagged = sum("buffer" in r["flags"] for r in results)
    assert logged.data.metrics["flags.buffer"] == flagged
    assert logged.data.metrics["review_list"] == min(k, len(high))
    assert any(key.startswith("psi.") for key in logged.data.metrics)
    assert "drift.warning" in logged.data.tags
    # against every training row: this short history holds the month in under two years
    assert logged.data.params["drift.reference"] == "training_table"
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.mlflow_run_id)}
    assert {"drift_psi.csv", "score_distribution.json", "report"} <= artifacts

    # and the Japanese CSV opens in Excel: UTF-8 with BOM, one row per team
    csv_file = tmp_path / "report.csv"
    code, _, err = erisk(capsys, "report", "--month", month, "--csv", str(csv_file), "--lang", "ja")
    assert code == 0, err
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["チームID", "チーム名"]
    assert [row[0] for row in rows[1:]] == [r["team_id"] for r in results]

    # and the HTML is self-contained and in the asked language
    html_file = tmp_path / "report.html"
    code, _, err = erisk(
        capsys, "report", "--month", month, "--html", str(html_file), "--lang", "ja"
    )
    assert code == 0, err
    page = html_file.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "<svg" in page
    assert not re.search(r"(?:src|href)\s*=|url\(|@import|https?://", page)
    # and the batch job wrote both languages' files to the data dir
    written = sorted(p.name for p in (world.data_dir / "reports" / month).iterdir())
    assert written == [
        f"hr-report-{month}-{lang}.{ext}" for lang in ("en", "ja") for ext in ("csv", "html")
    ]

    # when the month is scored again with the same snapshot and model
    code, _, err = erisk(capsys, "score", "--month", month, "--model-version", str(world.champion))
    assert code == 0, err
    # then the results are identical
    code, out, _ = erisk(capsys, "report", "--month", month, "--json")
    assert json.loads(out) == report


def test_the_review_list_holds_the_riskiest_high_teams_up_to_k(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a month of the world with more high teams than the default k (3 for 16 teams)
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    monkeypatch.setenv("ERISK_DB_URL", f"sqlite:///{tmp_path}/scores.db")
    month = world.months[REVIEW_MONTH_INDEX]
    listed: dict[str, list[str]] = {}
    for capacity in (None, "1"):
        if capacity is not None:
            monkeypatch.setenv("ERISK_REVIEW_CAPACITY", capacity)
        # when it is scored with the default k, then with ERISK_REVIEW_CAPACITY=1
        code, out, err = erisk(capsys, "score", "--month", month, "--json")
        assert code == 0, err
        summary = json.loads(out)[0]
        code, out, err = erisk(capsys, "report", "--month", month, "--json")
        results = json.loads(out)["results"]
        high = [r["team_id"] for r in results if r["band"] == "high"]
        assert len(high) > 3, "the world's month no longer has more high teams than k"
        listed[str(capacity)] = [r["team_id"] for r in results if r["review"]]
        assert summary["review_count"] == len(listed[str(capacity)])
    # then the list holds the riskiest high teams, k of them; the others stay high, unlisted
    assert listed["None"] == high[:3] and listed["1"] == high[:1]
    assert summary["review_capacity"] == 1
    # and the console shows the review list, then the watch list with the unlisted high team
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "300")
    assert cli.main(["report", "--month", month]) == 0
    console = capsys.readouterr().out
    assert console.index("Review list") < console.index(high[0]) < console.index("Watch list")
    assert console.index("Watch list") < console.index(high[1])


def test_backfill_scores_every_month_in_order(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.scores_store import ScoresStore

    # when every month is backfilled
    code, out, err = erisk(capsys, "score", "--all-months", "--json")
    assert code == 0, err
    # then every scorable month is in the store, each from its own batch run, oldest first
    summaries = json.loads(out)
    assert [s["month"] for s in summaries] == world.months
    # and the export's first 5 months give every team insufficient_history: low, no flag, no
    # rank, no review list (they flagged 57 of 60 teams before); the 6th month is scored
    for summary in summaries[:5]:
        assert summary["insufficient_history"] == summary["team_count"], summary["month"]
        assert (
            summary["review_count"] == 0 and summary["band_counts"]["low"] == summary["team_count"]
        )
    assert summaries[5]["insufficient_history"] == 0
    store = ScoresStore(db_url)
    assert store.months() == world.months
    assert all(len(store.batch_runs(m)) == 1 for m in world.months)
    first = store.read_month(world.months[0])
    assert first is not None
    assert {(r["status"], r["band"], r["rank"], r["review"]) for r in first.results} == {
        ("insufficient_history", "low", None, False)
    }
    assert not any(r["flags"] for r in first.results)
    # and the report of the last month draws the trend of the months before
    history = store.month_rows(world.months[-3:])
    store.dispose()
    assert sorted(history["month"].unique()) == world.months[-3:]
    # and 'latest' reads the newest scored month back
    code, out, err = erisk(capsys, "report", "--month", "latest", "--json")
    assert code == 0, err
    assert json.loads(out)["month"] == world.months[-1]


def test_report_of_latest_before_any_score_says_what_to_run(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = erisk(capsys, "report", "--month", "latest")
    assert code == 2
    assert "erisk score" in err


def test_a_second_job_for_the_same_month_exits_2(
    world: World, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    month = world.months[-1]
    # given another job holding the month
    holder = start_child(CHILD_LOCK_HOLDER, db_url, month, ready="locked")
    try:
        # when a second job starts for it
        code, _, err = erisk(capsys, "score", "--month", month)
    finally:
        kill(holder)
    # then it is refused with a clear message, and succeeds once the holder is gone
    assert code == 2
    assert f"{month} is already being scored" in err and "Traceback" not in err
    assert lock_is_free(db_url, month)
    code, _, err = erisk(capsys, "score", "--month", month)
    assert code == 0, err


def test_refusals_exit_2_with_a_message(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from features.calendar import last_business_day, shift_month
    from pipelines.ingest import run_ingest
    from pipelines.score import SnapshotData
    from pipelines.settings import load_settings

    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("ERISK_DB_URL", f"sqlite:///{tmp_path}/scores.db")
    after, before = shift_month(world.months[-1], 1), shift_month(world.months[0], -2)
    cases = {
        ("score", "--month", after): "timesheets end on",
        ("score", "--month", before): "no data",
        ("score", "--month", "2026-13"): "YYYY-MM",
        ("score", "--month", world.months[-1], "--master", "local[2]"): "--engine spark only",
        ("score", "--month", world.months[-1], "--alias", "nobody"): "no 'nobody' version",
        ("score",): "choose --month",
        ("report", "--month", world.months[-1]): "has not been scored",
        ("score", "--month", "0000-01"): "year from 1900",
        ("explain", "--team", "T0001", "--month", "9999-12"): "year from 1900",
    }
    for args, message in cases.items():
        code, _, err = erisk(capsys, *args)
        assert (code, message in err) == (2, True), (args, err)
    for capacity in ("0", "three", "99999999999999999999999"):
        monkeypatch.setenv("ERISK_REVIEW_CAPACITY", capacity)
        code, _, err = erisk(capsys, "score", "--month", world.months[-1])
        assert code == 2 and "ERISK_REVIEW_CAPACITY" in err and "Traceback" not in err, err
    monkeypatch.delenv("ERISK_REVIEW_CAPACITY")

    # given a snapshot whose timesheets stop the day before the last month's last business day
    export = tmp_path / "export"
    shutil.copytree(world.export, export)
    last = world.months[-1]
    timesheets = pd.read_parquet(export / "timesheets.parquet")
    cut = last_business_day(last) - pd.Timedelta(days=1)
    worked = pd.to_datetime(timesheets["work_date"])  # Parquet dates read as datetime.date
    timesheets[worked <= cut].to_parquet(export / "timesheets.parquet")
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "data"))
    run_ingest(export, load_settings())
    # when that month is scored, it is refused naming the dates; the month before is scorable
    code, _, err = erisk(capsys, "score", "--month", last)
    assert code == 2
    assert f"timesheets end on {cut:%Y-%m-%d}" in err
    assert f"last business day {last_business_day(last):%Y-%m-%d}" in err
    assert SnapshotData(load_settings()).scorable_months()[-1] == shift_month(last, -1)


def test_features_from_trimmed_timesheets_equal_the_whole_snapshot(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from features.build import compute_features
    from features.calendar import shift_month
    from pipelines.score import SnapshotData
    from pipelines.settings import load_settings

    # given the job's view of the snapshot, without the feature cache
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    data = SnapshotData(load_settings())
    data.cache_dir = world.root / "no-cache"
    months = [shift_month(world.months[-1], -1), world.months[-1]]
    # when the job builds the last two months from timesheets trimmed to its lookback
    trimmed = data.features(months).drop(columns=["team_name", "history_months"])
    # then the rows are identical to those built from every table, whole
    whole = compute_features(data.store.load(data.snapshot_id), months)
    assert len(data.tables_for(months[0]).timesheets) < len(data.store.load().timesheets)
    pd.testing.assert_frame_equal(trimmed.reset_index(drop=True), whole.reset_index(drop=True))
