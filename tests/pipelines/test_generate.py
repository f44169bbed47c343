"""``erisk generate``: contract tables that ingest accepts, the truth, determinism, refusals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from features.labels import LabelConfig, label_team_months
from features.tables import ALL_TABLES
from pipelines.cli import main
from pipelines.errors import UserError
from pipelines.generate import SUCCESS, run_generate
from synthetic.records import as_tables

CONTRACT_COLUMNS: dict[str, list[str]] = {
    "teams": ["team_id", "team_name", "department", "parent_team_id"],
    "employees": [
        "employee_id",
        "team_id",
        "hire_date",
        "exit_date",
        "exit_reason",
        "annual_leave_days",
    ],
    "timesheets": ["employee_id", "work_date", "scheduled_hours", "worked_hours"],
    "leave": ["employee_id", "leave_date", "leave_type", "days"],
    "workload": ["team_id", "week_start", "volume", "backlog"],
    "surveys": [
        "response_id",
        "team_id",
        "survey_date",
        "vigor",
        "dedication",
        "absorption",
        "recognition",
    ],
    "assignments": ["employee_id", "team_id", "start_date", "end_date"],
}
DATE_COLUMNS = {
    "hire_date",
    "exit_date",
    "work_date",
    "leave_date",
    "week_start",
    "survey_date",
    "start_date",
    "end_date",
}
SMALL = {"teams": 8, "months": 9}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small default world with truth, written once as Parquet."""
    out = tmp_path_factory.mktemp("gen") / "world"
    run_generate(out, "default", seed=1, **SMALL)
    return out


def _read(folder: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(folder / f"{name}.parquet") for name in ALL_TABLES}


def test_files_follow_the_contract(small_world: Path) -> None:
    # given the written tables
    tables = _read(small_world)
    # when / then: exactly the contract's columns, dates as dates, ids as strings
    for name, table in tables.items():
        assert table.column_names == CONTRACT_COLUMNS[name], name
        for field in table.schema:
            if field.name in DATE_COLUMNS:
                assert str(field.type) == "date32[day]", (name, field.name)
            elif field.name.endswith("_id") or field.name in {"team_name", "department"}:
                assert str(field.type) == "string", (name, field.name)
    frames = as_tables(tables)
    assert frames.teams["team_id"].str.fullmatch(r"T\d{4}").all()
    assert frames.employees["employee_id"].str.fullmatch(r"E\d{6}").all()
    assert set(frames.teams["department"]) <= {
        "accounting",
        "hr",
        "general_affairs",
        "it",
        "logistics_admin",
    }
    assert frames.teams["team_name"].str.endswith("課").all()


def test_rows_follow_the_contract_rules(small_world: Path) -> None:
    # given
    t = as_tables(_read(small_world))
    employees = t.employees
    # when / then: keys unique, references valid, values in range
    assert employees["employee_id"].is_unique and t.teams["team_id"].is_unique
    team_ids = set(t.teams["team_id"])
    people = set(employees["employee_id"])
    assert set(employees["team_id"]) <= team_ids
    for frame in (t.timesheets, t.leave, t.assignments):
        assert set(frame["employee_id"]) <= people
    for frame in (t.workload, t.surveys, t.assignments):
        assert set(frame["team_id"]) <= team_ids
    assert not t.timesheets.duplicated(["employee_id", "work_date"]).any()
    assert t.timesheets[["scheduled_hours", "worked_hours"]].stack().between(0, 24).all()
    assert (t.timesheets["scheduled_hours"] >= 3.75).all()
    assert set(t.leave["days"]) <= {0.5, 1.0}
    assert set(t.leave["leave_type"]) <= {"annual_paid", "sick", "special", "unpaid", "other"}
    exited = employees["exit_date"].notna()
    assert (employees["exit_reason"].notna() == exited).all()
    assert (employees.loc[exited, "exit_date"] >= employees.loc[exited, "hire_date"]).all()
    assert set(employees["exit_reason"].dropna()) <= {"voluntary", "involuntary", "retirement"}
    assert (t.workload["week_start"].dt.day_of_week == 0).all()
    assert not t.workload.duplicated(["team_id", "week_start"]).any()
    assert (t.workload[["volume", "backlog"]] >= 0).all().all()
    assert t.surveys["response_id"].is_unique
    assert t.surveys[["vigor", "dedication", "absorption"]].stack().between(0, 6).all()
    assert t.surveys["recognition"].between(1, 5).all()
    # no work on a day off: timesheets and leave never share an employee-day at full leave
    full_leave = t.leave.loc[t.leave["days"] == 1.0, ["employee_id", "leave_date"]]
    clash = full_leave.merge(
        t.timesheets, left_on=["employee_id", "leave_date"], right_on=["employee_id", "work_date"]
    )
    assert clash.empty
    # employees with and without a company grant
    assert 0 < employees["annual_leave_days"].notna().sum() < len(employees)


def test_assignment_periods_do_not_overlap_and_match_the_current_team(small_world: Path) -> None:
    # given
    t = as_tables(_read(small_world))
    periods = t.assignments.sort_values(["employee_id", "start_date"])
    # when
    next_start = periods.groupby("employee_id")["start_date"].shift(-1)
    last = periods.groupby("employee_id").tail(1).set_index("employee_id")["team_id"]
    current = t.employees.set_index("employee_id")["team_id"]
    # then
    ends = periods["end_date"]
    assert (ends.isna() | (ends >= periods["start_date"])).all()
    assert (next_start.isna() | (ends < next_start)).all()
    assert (last.reindex(current.index) == current).all()


def test_truth_is_written_with_the_label_hash(small_world: Path) -> None:
    # given
    truth = pd.read_parquet(small_world / "truth" / "team_month.parquet")
    facts = json.loads((small_world / "truth" / "world.json").read_text(encoding="utf-8"))
    # when / then
    assert list(truth.columns) == ["team_id", "month", "driver", "p_true", "label_config_hash"]
    assert len(truth) == SMALL["teams"] * SMALL["months"]
    assert (truth["label_config_hash"] == LabelConfig().config_hash()).all()
    assert facts["label_config_hash"] == LabelConfig().config_hash()
    assert (small_world / "truth" / "campaigns.parquet").exists()
    assert (small_world / SUCCESS).exists()
    assert not (small_world / ".partial").exists()


def test_labels_can_be_computed_from_the_written_tables(small_world: Path) -> None:
    # given
    tables = as_tables(_read(small_world))
    # when
    labels = label_team_months(tables)
    # then: every team for every month of the window
    assert len(labels) == SMALL["teams"] * SMALL["months"]
    assert labels["label"].notna().any()


def test_same_arguments_give_identical_bytes(tmp_path: Path, small_world: Path) -> None:
    # given a second run with the same arguments, and one with another seed
    again = tmp_path / "again"
    other = tmp_path / "other"
    run_generate(again, "default", seed=1, **SMALL)
    run_generate(other, "default", seed=2, **SMALL)
    # when
    first, second, third = _digest(small_world), _digest(again), _digest(other)
    # then
    assert first == second
    assert first["timesheets.parquet"] != third["timesheets.parquet"]
    assert first["truth/team_month.parquet"] != third["truth/team_month.parquet"]


def test_csv_format_is_deterministic_and_readable(tmp_path: Path) -> None:
    # given two CSV runs
    first, second = tmp_path / "a", tmp_path / "b"
    run_generate(first, "default", teams=4, months=6, seed=3, fmt="csv")
    run_generate(second, "default", teams=4, months=6, seed=3, fmt="csv")
    # when
    employees = pd.read_csv(first / "employees.csv", dtype=str, keep_default_na=False)
    # then
    assert _digest(first) == _digest(second)
    assert sorted(p.name for p in first.glob("*.csv")) == sorted(f"{n}.csv" for n in ALL_TABLES)
    assert employees["employee_id"].str.fullmatch(r"E\d{6}").all()
    assert employees["hire_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (employees["exit_date"] == "").any()


def test_enterprise_writes_no_truth_unless_asked(tmp_path: Path) -> None:
    # given a tiny enterprise-shaped run, without and with --truth
    plain, with_truth = tmp_path / "plain", tmp_path / "truth"
    run_generate(plain, "enterprise", teams=3, months=6, seed=1)
    run_generate(with_truth, "enterprise", teams=3, months=6, seed=1, truth=True)
    # when / then: the truth is opt-in, and asking for it changes no table
    assert not (plain / "truth").exists()
    assert (with_truth / "truth" / "team_month.parquet").exists()
    assert _digest(plain) == {k: v for k, v in _digest(with_truth).items() if "truth" not in k}


def test_refuses_a_folder_that_already_holds_a_world(small_world: Path) -> None:
    # given a folder with tables in it
    # when / then
    with pytest.raises(UserError, match="already holds"):
        run_generate(small_world, "default", seed=1, **SMALL)
    assert main(["generate", "--out", str(small_world), "--teams", "2"]) == 2


def test_bad_requests_exit_with_code_two(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # given / when / then
    assert main(["generate", "--out", str(tmp_path / "x"), "--months", "3"]) == 2
    assert main(["generate", "--out", str(tmp_path / "y"), "--scenario", "nope"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_writes_a_world_and_prints_rows(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # given an empty folder that already exists
    out = tmp_path / "cli"
    out.mkdir()
    # when
    code = main(["generate", "--out", str(out), "--teams", "3", "--months", "6", "--seed", "4"])
    # then
    assert code == 0
    assert "timesheets" in capsys.readouterr().out
    assert (out / "timesheets.parquet").exists()


def test_a_leftover_partial_folder_is_replaced(tmp_path: Path) -> None:
    # given the leftovers of a killed run
    out = tmp_path / "killed"
    (out / ".partial").mkdir(parents=True)
    (out / ".partial" / "teams.parquet").write_bytes(b"half a file")
    # when
    run_generate(out, "default", teams=3, months=6, seed=1)
    # then
    assert not (out / ".partial").exists()
    assert pq.read_table(out / "teams.parquet").num_rows == 3


def test_ingest_accepts_the_generated_world(
    small_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an empty data dir
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "store"))
    # when
    code = main(["ingest", str(small_world)])
    # then
    assert code == 0


def test_ingest_accepts_the_csv_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a CSV world and an empty data dir
    out = tmp_path / "csv"
    run_generate(out, "seed-story", teams=6, months=8, seed=2, fmt="csv")
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "store"))
    # when
    code = main(["ingest", str(out)])
    # then
    assert code == 0
    assert np.isfinite(pd.read_parquet(out / "truth" / "team_month.parquet")["p_true"]).all()


def test_planted_interventions_are_written_with_their_true_effects(tmp_path: Path) -> None:
    # given / when a world with random interventions and its truth
    out = tmp_path / "helped"
    code = main(
        ["generate", "--out", str(out), "--teams", "30", "--months", "20", "--seed", "4",
         "--interventions", "random", "--truth"]
    )  # fmt: skip
    # then the export holds the contract's interventions table and the truth their effects
    assert code == 0
    recorded = pd.read_parquet(out / "interventions.parquet")
    truth = pd.read_parquet(out / "truth" / "interventions.parquet")
    assert list(recorded.columns) == ["team_id", "start_date", "intervention", "action_id", "note"]
    assert set(recorded["intervention"]) <= {"buffer", "recognition"}
    assert len(truth) == len(recorded) > 0
    assert {"effect_engagement", "effect_overtime"} <= set(truth.columns)
    facts = json.loads((out / "truth" / "world.json").read_text())
    assert facts["interventions"] == "random" and facts["intervention_effect"] == 1.0
    # and a bad policy is refused
    assert main(["generate", "--out", str(tmp_path / "z"), "--interventions", "all"]) == 2
