"""The scores store on SQLite and on a real PostgreSQL server: migrations, one-transaction
replace, identical re-runs, a SIGKILL mid-write, and the month lock."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from models.review import BandRules
from pipelines import scores_store
from pipelines.errors import UserError
from pipelines.interventions import NewIntervention, check_row
from pipelines.scores_store import (
    BatchRun,
    ScoredTeam,
    ScoresStore,
    schema_differences,
    scored_teams,
)
from pipelines.snapshots import SnapshotStore

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-10"
OTHER_MONTH = "2026-09"
NEW_COLUMNS = ("lift", "rank", "review", "status")  # revision 0002
NEW_RUN_COLUMNS = ("review_capacity", "model_bands")
OLD_RESULT_KEYS = ("team_id", "month", "risk", "band", "flags", "drivers", "actions")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/scores.db"
        return
    server = request.getfixturevalue("postgres_url")
    yield fresh_postgres_database(server)


def fresh_postgres_database(server_url: str) -> str:
    """A new database on the test server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def store(store_url: str) -> Iterator[ScoresStore]:
    opened = ScoresStore(store_url)
    yield opened
    opened.dispose()


def batch(month: str = MONTH, teams: int = 3) -> BatchRun:
    now = dt.datetime(2026, 11, 3, 6, 15, tzinfo=dt.UTC)
    return BatchRun(
        id=uuid.uuid4().hex,
        month=month,
        model_name="engagement-risk",
        model_version=7,
        model_uri="models:/engagement-risk/7",
        snapshot_id="snap-1",
        started_at=now,
        finished_at=now,
        mlflow_run_id=None,
        team_count=teams,
    )


def team(team_id: str, risk: float, month: str = MONTH, tag: str = "") -> ScoredTeam:
    """A scored team; its rank is 1 for a risk from 0.5, on the review list when high."""
    band = "high" if risk >= 0.4 else "medium" if risk >= 0.2 else "low"
    flags = ("buffer",) if band != "low" else ()
    rank = 1 if risk >= 0.5 else 2
    result = {
        "team_id": team_id,
        "team_name": f"経理{team_id}",
        "department": "accounting",
        "month": month,
        "risk": risk,
        "band": band,
        "flags": list(flags),
        "rank": rank,
        "lift": round(risk / 0.07, 2),
        "review": band == "high",
        "status": "scored",
        "drivers": [],
        "actions": [],
        "model_version": 7,
    }
    return ScoredTeam(
        month=month,
        team_id=team_id,
        team_name=f"経理{team_id}",
        department="accounting",
        risk=risk,
        band=band,
        flags=flags,
        results={"en": {**result, "tag": f"en{tag}"}, "ja": {**result, "tag": f"ja{tag}"}},
        model_version=7,
        lift=result["lift"],  # type: ignore[arg-type]
        rank=rank,
        review=band == "high",
    )


def rows_of(store: ScoresStore, month: str) -> list[tuple[object, ...]]:
    """Every column but the run reference, in a stable order."""
    columns = [c for c in scored_teams.c if c.name != "batch_run_id"]
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(*columns)
                .where(scored_teams.c.month == month)
                .order_by(scored_teams.c.team_id)
            )
        ]


def test_migrations_create_the_schema_the_code_uses(store: ScoresStore) -> None:
    # given a new database, upgraded twice (the second run must be a no-op)
    store.upgrade()
    store.upgrade()
    # then the migrated schema matches the table definitions and sits at the head revision
    with store.engine.connect() as connection:
        assert schema_differences(connection) == []
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0003"
    assert store.months() == []


def test_rows_stored_before_the_review_list_read_back_with_its_defaults(
    store: ScoresStore,
) -> None:
    from alembic import command
    from alembic.config import Config

    # given a store at revision 0001 holding a month written by the code of that time
    config = Config()
    config.set_main_option("script_location", str(scores_store.MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    old_run = {k: v for k, v in batch().as_row().items() if k not in NEW_RUN_COLUMNS}
    old_team = {
        k: v for k, v in team("T1", 0.5).as_row(old_run["id"]).items() if k not in NEW_COLUMNS
    }
    for lang in ("en", "ja"):
        result = json.loads(old_team[f"result_{lang}"])
        old_team[f"result_{lang}"] = json.dumps({k: result[k] for k in OLD_RESULT_KEYS})
    with store.engine.begin() as connection:
        connection.execute(sa.table("batch_runs", *map(sa.column, old_run)).insert(), [old_run])
        connection.execute(sa.table("scored_teams", *map(sa.column, old_team)).insert(), [old_team])
    # when it is read by this code (which upgrades the schema first)
    month = store.read_month(MONTH)
    # then the row has no rank or lift, is not on a review list and counts as scored
    assert month is not None
    result = month.results[0]
    assert (result["rank"], result["lift"], result["review"], result["status"]) == (
        None,
        None,
        False,
        "scored",
    )
    assert rows_of(store, MONTH)[0][-4:] == (None, None, False, "scored")
    # and its run has no capacity and no backtest figures
    assert month.run.review_capacity is None and month.run.backtest == {}


def test_a_run_keeps_the_review_capacity_and_the_model_bands(store: ScoresStore) -> None:
    # given a run recorded with k and the band rules of its model
    bands = BandRules(
        base_rate=0.07,
        backtest={"review.precision": 0.4, "review.precision.ci90": [0.3, 0.5], "event_rate": 0.07},
    )
    run = replace(batch(), review_capacity=3, model_bands=bands)
    store.replace_month(run, [team("T1", 0.5), team("T2", 0.1)])
    # when the month is read back
    month = store.read_month(MONTH)
    # then the run and each team carry what was decided
    assert month is not None
    assert month.run.review_capacity == 3 and month.run.model_bands == bands
    assert month.run.backtest["review.precision.ci90"] == [0.3, 0.5]
    assert [(r["team_id"], r["rank"], r["review"]) for r in month.results] == [
        ("T1", 1, True),
        ("T2", 2, False),
    ]


def test_replace_month_swaps_a_month_and_leaves_the_others(store: ScoresStore) -> None:
    # given two scored months
    store.replace_month(batch(), [team("T1", 0.5), team("T2", 0.1), team("T3", 0.3)])
    store.replace_month(batch(OTHER_MONTH), [team("T1", 0.2, OTHER_MONTH)])
    # when the first month is scored again with other teams
    store.replace_month(batch(teams=2), [team("T2", 0.6), team("T4", 0.05)])
    # then it holds exactly the new rows, riskiest first; the other month is untouched
    month = store.read_month(MONTH, "ja")
    assert month is not None
    assert [r["team_id"] for r in month.results] == ["T2", "T4"]
    assert month.results[0]["tag"] == "ja"
    assert month.model_version == 7 and month.run.team_count == 2
    assert [r["team_id"] for r in store.read_month(OTHER_MONTH).results] == ["T1"]
    assert store.months() == [OTHER_MONTH, MONTH]
    # and both runs of the month are kept as history
    assert len(store.batch_runs(MONTH)) == 2
    assert [h["month"] for h in store.team_history("T1")] == [OTHER_MONTH, MONTH][:1]


def test_a_write_that_fails_midway_keeps_the_previous_rows(
    store: ScoresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a scored month, and inserts of one row per batch
    store.replace_month(batch(), [team("T1", 0.5), team("T2", 0.1)])
    before = rows_of(store, MONTH)
    monkeypatch.setattr(scores_store, "INSERT_BATCH_ROWS", 1)

    def fail_after_first_batch(written: int) -> None:
        raise RuntimeError(f"disk full after {written} row(s)")

    # when a new write fails after deleting the month and inserting one row
    with pytest.raises(RuntimeError, match="disk full"):
        store.replace_month(
            batch(), [team("T7", 0.9), team("T8", 0.8)], progress=fail_after_first_batch
        )
    # then the month holds exactly its previous rows and no run was recorded
    assert rows_of(store, MONTH) == before
    assert len(store.batch_runs(MONTH)) == 1


def test_the_same_inputs_give_identical_rows(store: ScoresStore) -> None:
    # given a month scored once
    teams = [team("T1", 0.123456789), team("T2", 0.4), team("T3", 0.0)]
    store.replace_month(batch(), teams)
    first = rows_of(store, MONTH)
    # when it is scored again with the same results
    store.replace_month(batch(), teams)
    # then every column but the run reference is identical
    assert rows_of(store, MONTH) == first
    assert first[0][4] == pytest.approx(0.123456789, abs=0)


CHILD_WRITER = """
import sys, time
from pipelines import scores_store
from tests.pipelines.test_scores_store import batch, team
scores_store.INSERT_BATCH_ROWS = 1
store = scores_store.ScoresStore(sys.argv[1])
def stall(written):
    if written == 2:
        print("stalled", flush=True)
        time.sleep(600)
store.replace_month(batch(), [team(f"N{i}", 0.9) for i in range(5)], progress=stall)
"""

CHILD_LOCK_HOLDER = """
import sys, time
from pipelines.scores_store import ScoresStore
store = ScoresStore(sys.argv[1])
with store.month_lock(sys.argv[2]):
    print("locked", flush=True)
    time.sleep(600)
"""


def start_child(script: str, *args: str, ready: str) -> subprocess.Popen[str]:
    """Run ``script`` in a new Python process and wait until it prints ``ready``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if line != ready:
        child.kill()
        _, errors = child.communicate(timeout=30)
        raise AssertionError(f"child did not get ready: {line!r} {errors}")
    return child


def lock_is_free(url: str, month: str, within: float = 10.0) -> bool:
    """Whether the month's lock can be taken within ``within`` seconds: PostgreSQL frees a
    dead session's locks once its backend notices the closed socket, a moment after."""
    store = ScoresStore(url)
    deadline = time.monotonic() + within
    try:
        while True:
            try:
                with store.month_lock(month):
                    return True
            except UserError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
    finally:
        store.dispose()


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)  # reaps it and closes the pipes
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_a_job_killed_mid_write_leaves_the_previous_month_readable(
    store: ScoresStore, store_url: str
) -> None:
    # given a scored month
    store.replace_month(batch(), [team("T1", 0.5), team("T2", 0.1)])
    before = rows_of(store, MONTH)
    # when a child process has deleted the month and inserted 2 of 5 new rows, and stalls
    child = start_child(CHILD_WRITER, store_url, ready="stalled")
    try:
        # then readers still see the previous rows while it writes
        assert rows_of(store, MONTH) == before
    finally:
        # when it is killed with SIGKILL inside its transaction
        kill(child)
    # then the previous rows are intact and readable, from this and from a fresh connection
    assert rows_of(store, MONTH) == before
    reopened = ScoresStore(store_url)
    assert [r["team_id"] for r in reopened.read_month(MONTH).results] == ["T1", "T2"]
    # and the month can be written again at once (no lock or transaction left behind)
    with reopened.month_lock(MONTH):
        reopened.replace_month(batch(), [team("T9", 0.3)])
    assert [r["team_id"] for r in reopened.read_month(MONTH).results] == ["T9"]
    reopened.dispose()


@pytest.mark.slow
def test_a_second_job_for_the_month_is_refused_until_the_holder_dies(
    store: ScoresStore, store_url: str
) -> None:
    # given another process holding the month's lock
    child = start_child(CHILD_LOCK_HOLDER, store_url, MONTH, ready="locked")
    try:
        # when this process asks for the same month, it is refused with a clear message
        with (
            pytest.raises(UserError, match=f"{MONTH} is already being scored"),
            store.month_lock(MONTH),
        ):
            pass
        # and another month is free
        with store.month_lock(OTHER_MONTH):
            pass
    finally:
        # when the holder dies without releasing anything
        kill(child)
    # then the lock died with it
    assert lock_is_free(store_url, MONTH)


def test_the_lock_is_released_when_the_job_ends(store: ScoresStore) -> None:
    # given a job that took and left the month's lock (normally or by an error)
    with store.month_lock(MONTH):
        pass
    with pytest.raises(RuntimeError), store.month_lock(MONTH):
        raise RuntimeError("job failed")
    # then the next job gets it
    with store.month_lock(MONTH):
        pass


def test_postgres_urls_use_psycopg_3() -> None:
    # given the URL forms people paste
    # then they all go through psycopg 3
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert scores_store.normalise_url(url) == "postgresql+psycopg://u@h/db"


def test_the_default_store_is_a_sqlite_file_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.settings import load_settings

    # given no ERISK_DB_URL
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ERISK_DB_URL", raising=False)
    # then the store is scores.db in the data dir; the variable overrides it
    assert scores_store.scores_db_url(load_settings()) == (
        f"sqlite:///{(tmp_path / 'data' / 'scores.db').resolve()}"
    )
    monkeypatch.setenv("ERISK_DB_URL", "postgresql://u@h/db")
    assert scores_store.scores_db_url(load_settings()) == "postgresql+psycopg://u@h/db"


# ---- what HR did (issue 20) ---------------------------------------------------------------
def recorded(
    team_id: str = "T1",
    department: str | None = "hr",
    start: str = "2026-10-01",
    cancels: str | None = None,
    recorded_by: str = "cli",
) -> NewIntervention:
    return check_row(
        team_id=team_id,
        start_date=start,
        intervention="buffer",
        action_id="no_overtime_day",
        cancels=cancels,
        departments={team_id: department},
        recorded_by=recorded_by,
    )


def test_interventions_are_recorded_once_however_often_imported(store: ScoresStore) -> None:
    # given two rows
    rows = [recorded("T1"), recorded("T2", "it")]
    # when they are added twice
    first = store.add_interventions(rows)
    second = store.add_interventions(rows)
    # then the second time adds nothing, and both read back as recorded
    assert (first, second) == (2, 0)
    listed = store.list_interventions()
    assert [(r.team_id, r.department, r.recorded_by) for r in listed] == [
        ("T1", "hr", "cli"),
        ("T2", "it", "cli"),
    ]
    assert listed[0].start_date == dt.date(2026, 10, 1)
    assert listed[0].recorded_at.tzinfo is not None
    assert not any(r.cancelled for r in listed)


def test_a_later_row_cancels_an_earlier_one_without_deleting_it(store: ScoresStore) -> None:
    # given a recorded row
    wrong = recorded("T1", start="2026-10-01")
    store.add_interventions([wrong])
    # when a correction cancels it
    fix = recorded("T1", start="2026-11-01", cancels=wrong.intervention_id)
    assert store.add_interventions([fix]) == 1
    # then both rows are kept and the wrong one reads as cancelled
    listed = {r.intervention_id: r for r in store.list_interventions()}
    assert listed[wrong.intervention_id].cancelled is True
    assert listed[fix.intervention_id].cancelled is False
    assert listed[fix.intervention_id].as_json()["cancels"] == wrong.intervention_id


def test_a_cancels_that_names_nothing_is_refused_and_nothing_written(store: ScoresStore) -> None:
    # given a good row and a row that cancels an id never recorded
    rows = [recorded("T1"), recorded("T2", cancels="iv-0000000000000000")]
    # when they are added together
    with pytest.raises(scores_store.UnknownCancelsError, match="iv-0000000000000000"):
        store.add_interventions(rows)
    # then neither is recorded
    assert store.list_interventions() == []


def test_a_failure_before_commit_records_nothing(store: ScoresStore) -> None:
    # given a step after the inserts that fails (ingest's snapshot switch)
    def fails() -> None:
        raise OSError("disk full")

    # when rows are added with it
    with pytest.raises(OSError, match="disk full"):
        store.add_interventions([recorded("T1")], before_commit=fails)
    # then nothing is recorded
    assert store.list_interventions() == []


def test_interventions_are_listed_by_department_and_team(store: ScoresStore) -> None:
    # given rows of two departments
    store.add_interventions([recorded("T1", "hr"), recorded("T2", "it"), recorded("T3", "hr")])
    # when listed for one department, or one team
    hr = store.list_interventions(departments=["hr"])
    team = store.list_interventions(departments=["hr"], team_id="T2")
    # then only that department's rows come back
    assert sorted(r.team_id for r in hr) == ["T1", "T3"]
    assert team == []
    assert store.intervention_departments(["nope", hr[0].intervention_id]) == {
        hr[0].intervention_id: "hr"
    }


def test_pruning_snapshots_keeps_the_interventions(store: ScoresStore, tmp_path: Path) -> None:
    # given recorded interventions and three snapshots
    store.add_interventions([recorded("T1")])
    snapshots = SnapshotStore(tmp_path / "snapshots")
    table = pa.table({"team_id": ["T1"]})
    with snapshots.locked():
        for _ in range(3):
            snapshots.write({"teams": table}, source="test")
        # when all but one snapshot are pruned
        assert len(snapshots.prune(1)) == 2
    # then the interventions are still there
    assert [r.team_id for r in store.list_interventions()] == ["T1"]


def test_a_row_recorded_meanwhile_by_another_writer_is_not_an_error(
    store: ScoresStore, store_url: str
) -> None:
    # given another writer (its own engine) that records the same row just before this
    # store's insert
    row = recorded("T1")
    other = ScoresStore(store_url)
    raced: list[bool] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def other_writer_first(_c: object, _r: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT INTO interventions") and not raced:
            raced.append(True)
            other.add_interventions([row])

    try:
        # when this store adds it
        added = store.add_interventions([row])
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", other_writer_first)
        other.dispose()
    # then it is tried again, finds the row and adds nothing; the row is there once
    assert raced == [True]
    assert added == 0
    assert [r.intervention_id for r in store.list_interventions()] == [row.intervention_id]
