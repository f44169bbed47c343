"""``erisk ingest``: valid exports become the current snapshot; each broken rule is named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.scores_store import ScoresStore, StoredIntervention, scores_db_url
from pipelines.settings import load_settings
from pipelines.snapshots import SnapshotStore
from tests.export_fixture import valid_frames, write_export

Frames = dict[str, pd.DataFrame]


def store_state(data_dir: Path) -> tuple[str | None, list[str]]:
    store = SnapshotStore(data_dir / "snapshots")
    return store.current_id(), store.ids()


def test_valid_export_becomes_current_snapshot(export_dir: Path, data_dir: Path) -> None:
    # given a valid export
    # when it is ingested
    code = main(["ingest", str(export_dir)])
    # then it is the current snapshot with every table typed
    assert code == 0
    tables = SnapshotStore(data_dir / "snapshots").load()
    assert tables.employees["employee_id"].tolist() == ["007", "008", "0100"]
    assert str(tables.timesheets["work_date"].dtype) == "datetime64[ms]"
    assert tables.timesheets["worked_hours"].dtype == "float64"
    assert tables.teams["team_name"].tolist() == ["経理一課", "物流管理課"]
    assert tables.employees["annual_leave_days"].isna().tolist() == [False, True, False]
    assert tables.assignments is not None and len(tables.assignments) == 4


def test_extra_columns_are_accepted_with_a_warning(
    tmp_path: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given an export whose employees table carries a column the contract does not know
    frames = valid_frames()
    frames["employees"]["grade"] = ["G3", "G2", "G5"]
    folder = write_export(tmp_path / "export", frames)
    # when it is ingested
    code = main(["ingest", str(folder)])
    # then it succeeds, warns, and does not keep the extra column
    assert code == 0
    assert "extra columns ignored: grade" in caplog.text
    assert "grade" not in SnapshotStore(data_dir / "snapshots").load().employees.columns


def test_optional_columns_may_be_absent(tmp_path: Path, data_dir: Path) -> None:
    # given an export without the optional columns
    frames = valid_frames()
    frames["teams"] = frames["teams"].drop(columns="parent_team_id")
    frames["employees"] = frames["employees"].drop(columns="annual_leave_days")
    frames["surveys"] = frames["surveys"].drop(columns="recognition")
    frames["workload"] = frames["workload"].drop(columns="backlog")
    folder = write_export(tmp_path / "export", frames)
    # when it is ingested
    code = main(["ingest", str(folder)])
    # then the absent columns exist and are missing
    assert code == 0
    tables = SnapshotStore(data_dir / "snapshots").load()
    assert tables.employees["annual_leave_days"].isna().all()
    assert tables.surveys is not None and tables.surveys["recognition"].isna().all()


def test_column_order_is_free(tmp_path: Path, data_dir: Path) -> None:
    # given an export whose columns are in another order
    frames = {name: frame[frame.columns[::-1]] for name, frame in valid_frames().items()}
    folder = write_export(tmp_path / "export", frames)
    # when / then
    assert main(["ingest", str(folder)]) == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_encodings_are_detected(tmp_path: Path, data_dir: Path, encoding: str) -> None:
    # given an export written in one of the accepted encodings
    folder = write_export(tmp_path / "export", valid_frames(), encoding=encoding)
    # when it is ingested without saying which
    code = main(["ingest", str(folder)])
    # then Japanese names survive
    assert code == 0
    teams = SnapshotStore(data_dir / "snapshots").load().teams
    assert teams["team_name"].tolist() == ["経理一課", "物流管理課"]


def test_encoding_can_be_forced(tmp_path: Path, data_dir: Path) -> None:
    # given a cp932 export
    folder = write_export(tmp_path / "export", valid_frames(), encoding="cp932")
    # when the encoding is given
    code = main(["ingest", str(folder), "--encoding", "cp932"])
    # then it is read with it
    assert code == 0
    assert SnapshotStore(data_dir / "snapshots").load().teams["team_name"][0] == "経理一課"


def test_unknown_encoding_is_refused(export_dir: Path, data_dir: Path) -> None:
    assert main(["ingest", str(export_dir), "--encoding", "klingon"]) == 2


def test_parquet_tables_are_accepted_with_their_own_types(tmp_path: Path, data_dir: Path) -> None:
    # given an export whose timesheets and employees are Parquet with native types
    frames = valid_frames()
    folder = write_export(tmp_path / "export", frames)
    (folder / "timesheets.csv").unlink()
    (folder / "employees.csv").unlink()
    timesheets = pa.table(
        {
            "employee_id": pa.array(["007", "007", "008", "0100"]),
            "work_date": pa.array(
                pd.to_datetime(frames["timesheets"]["work_date"]).dt.date, type=pa.date32()
            ),
            "scheduled_hours": pa.array([8, 8, 7, 8], type=pa.int32()),
            "worked_hours": pa.array([10.5, 8.0, 7.5, 12.0]),
        }
    )
    employees = pa.table(
        {
            "employee_id": ["007", "008", "0100"],
            "team_id": pa.array(["T001", "T001", "T002"]).dictionary_encode(),
            "hire_date": pa.array(pd.to_datetime(frames["employees"]["hire_date"])),
            "exit_date": pa.array([None, "2024-03-31", None], type=pa.string()),
            "exit_reason": [None, "voluntary", None],
        }
    )
    pq.write_table(timesheets, folder / "timesheets.parquet")
    pq.write_table(employees, folder / "employees.parquet")
    # when it is ingested
    code = main(["ingest", str(folder)])
    # then the values come through typed
    assert code == 0
    tables = SnapshotStore(data_dir / "snapshots").load()
    assert tables.timesheets["scheduled_hours"].tolist() == [8.0, 8.0, 7.0, 8.0]
    assert tables.employees["exit_date"].iloc[1] == pd.Timestamp("2024-03-31")
    assert tables.employees["team_id"].tolist() == ["T001", "T001", "T002"]


def test_surveys_and_workload_may_be_missing_only_when_allowed(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an export without surveys and workload
    frames = valid_frames()
    del frames["surveys"], frames["workload"]
    folder = write_export(tmp_path / "export", frames)
    # when ingested without allowing it, then refused naming both
    assert main(["ingest", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "surveys.csv: file: rule 'the table is present" in err
    assert "workload.csv: file: rule 'the table is present" in err
    # when allowed, then accepted
    assert main(["ingest", str(folder), "--allow-missing", "surveys,workload"]) == 0
    assert SnapshotStore(data_dir / "snapshots").load().surveys is None


def test_allow_missing_refuses_required_tables(export_dir: Path, data_dir: Path) -> None:
    assert main(["ingest", str(export_dir), "--allow-missing", "timesheets"]) == 2


def test_assignments_are_optional(tmp_path: Path, data_dir: Path) -> None:
    frames = valid_frames()
    del frames["assignments"]
    assert main(["ingest", str(write_export(tmp_path / "export", frames))]) == 0


def test_missing_required_table_is_refused(tmp_path: Path, data_dir: Path, capsys) -> None:
    frames = valid_frames()
    del frames["leave"]
    assert main(["ingest", str(write_export(tmp_path / "export", frames))]) == 2
    assert "leave.csv: file: rule 'the table is present'" in capsys.readouterr().err


def test_a_table_in_two_formats_is_ambiguous(export_dir: Path, data_dir: Path, capsys) -> None:
    pd.read_csv(export_dir / "leave.csv", dtype=str).to_parquet(export_dir / "leave.parquet")
    assert main(["ingest", str(export_dir)]) == 2
    assert "one file per table" in capsys.readouterr().err


def test_not_a_folder_is_refused(tmp_path: Path, data_dir: Path, capsys) -> None:
    assert main(["ingest", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def set_cell(table: str, column: str, row: int, value: str) -> Callable[[Frames], None]:
    def mutate(frames: Frames) -> None:
        frames[table].loc[row, column] = value

    return mutate


def drop_column(table: str, column: str) -> Callable[[Frames], None]:
    def mutate(frames: Frames) -> None:
        frames[table] = frames[table].drop(columns=column)

    return mutate


# (mutation, the exact message line; CSV data row r is line r + 2)
BROKEN_RULES: list[tuple[str, Callable[[Frames], None], str]] = [
    (
        "team id required",
        set_cell("teams", "team_id", 1, ""),
        "teams.csv: column 'team_id': rule 'a value is required': 1 row (line 3)",
    ),
    (
        "team id unique",
        set_cell("teams", "team_id", 1, "T001"),
        "teams.csv: column 'team_id': rule 'unique': 2 rows (lines 2, 3)",
    ),
    (
        "team name required",
        set_cell("teams", "team_name", 0, ""),
        "teams.csv: column 'team_name': rule 'a value is required': 1 row (line 2)",
    ),
    (
        "department required",
        set_cell("teams", "department", 1, ""),
        "teams.csv: column 'department': rule 'a value is required': 1 row (line 3)",
    ),
    (
        "parent team exists",
        set_cell("teams", "parent_team_id", 1, "T999"),
        "teams.csv: column 'parent_team_id': rule 'must reference teams.team_id': 1 row (line 3)",
    ),
    (
        "required column present",
        drop_column("teams", "department"),
        "teams.csv: column 'department': rule 'required column is present'",
    ),
    (
        "employee id unique",
        set_cell("employees", "employee_id", 2, "007"),
        "employees.csv: column 'employee_id': rule 'unique': 2 rows (lines 2, 4)",
    ),
    (
        "employee team exists",
        set_cell("employees", "team_id", 0, "T404"),
        "employees.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 2)",
    ),
    (
        "hire date required",
        set_cell("employees", "hire_date", 1, ""),
        "employees.csv: column 'hire_date': rule 'a value is required': 1 row (line 3)",
    ),
    (
        "hire date is ISO",
        set_cell("employees", "hire_date", 1, "2021/10/01"),
        "employees.csv: column 'hire_date': rule 'an ISO date YYYY-MM-DD': 1 row (line 3)",
    ),
    (
        "hire date is a real day",
        set_cell("employees", "hire_date", 0, "2021-02-30"),
        "employees.csv: column 'hire_date': rule 'an ISO date YYYY-MM-DD': 1 row (line 2)",
    ),
    (
        "exit not before hire",
        set_cell("employees", "exit_date", 1, "2020-01-01"),
        "employees.csv: columns 'hire_date, exit_date': rule 'exit_date >= hire_date': "
        "1 row (line 3)",
    ),
    (
        "exit reason without exit date",
        set_cell("employees", "exit_reason", 0, "voluntary"),
        "employees.csv: columns 'exit_date, exit_reason': "
        "rule 'exit_reason is set if and only if exit_date is set': 1 row (line 2)",
    ),
    (
        "exit date without exit reason",
        set_cell("employees", "exit_reason", 1, ""),
        "employees.csv: columns 'exit_date, exit_reason': "
        "rule 'exit_reason is set if and only if exit_date is set': 1 row (line 3)",
    ),
    (
        "exit reason in list",
        set_cell("employees", "exit_reason", 1, "fired"),
        "employees.csv: column 'exit_reason': "
        "rule 'one of voluntary, involuntary, retirement, transfer': 1 row (line 3)",
    ),
    (
        "annual leave days is a number",
        set_cell("employees", "annual_leave_days", 0, "ten"),
        "employees.csv: column 'annual_leave_days': rule 'a number': 1 row (line 2)",
    ),
    (
        "timesheet employee exists",
        set_cell("timesheets", "employee_id", 3, "7"),
        "timesheets.csv: column 'employee_id': "
        "rule 'must reference employees.employee_id': 1 row (line 5)",
    ),
    (
        "timesheet day unique per employee",
        set_cell("timesheets", "work_date", 1, "2024-01-04"),
        "timesheets.csv: columns 'employee_id, work_date': rule 'unique together': "
        "2 rows (lines 2, 3)",
    ),
    (
        "work date required",
        set_cell("timesheets", "work_date", 2, ""),
        "timesheets.csv: column 'work_date': rule 'a value is required': 1 row (line 4)",
    ),
    (
        "worked hours at most 24",
        set_cell("timesheets", "worked_hours", 0, "24.5"),
        "timesheets.csv: column 'worked_hours': rule 'between 0 and 24': 1 row (line 2)",
    ),
    (
        "scheduled hours not negative",
        set_cell("timesheets", "scheduled_hours", 2, "-1"),
        "timesheets.csv: column 'scheduled_hours': rule 'between 0 and 24': 1 row (line 4)",
    ),
    (
        "worked hours is a number",
        set_cell("timesheets", "worked_hours", 3, "8h"),
        "timesheets.csv: column 'worked_hours': rule 'a number': 1 row (line 5)",
    ),
    (
        "leave employee exists",
        set_cell("leave", "employee_id", 0, "XYZ"),
        "leave.csv: column 'employee_id': rule 'must reference employees.employee_id': "
        "1 row (line 2)",
    ),
    (
        "leave type in list",
        set_cell("leave", "leave_type", 1, "holiday"),
        "leave.csv: column 'leave_type': "
        "rule 'one of annual_paid, sick, special, unpaid, other': 1 row (line 3)",
    ),
    (
        "leave days half or whole",
        set_cell("leave", "days", 0, "2"),
        "leave.csv: column 'days': rule 'one of 0.5, 1.0': 1 row (line 2)",
    ),
    (
        "workload team exists",
        set_cell("workload", "team_id", 2, "T003"),
        "workload.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 4)",
    ),
    (
        "week starts on Monday",
        set_cell("workload", "week_start", 1, "2024-01-09"),
        "workload.csv: column 'week_start': rule 'a Monday': 1 row (line 3)",
    ),
    (
        "team week unique",
        set_cell("workload", "week_start", 1, "2024-01-01"),
        "workload.csv: columns 'team_id, week_start': rule 'unique together': 2 rows (lines 2, 3)",
    ),
    (
        "volume not negative",
        set_cell("workload", "volume", 0, "-5"),
        "workload.csv: column 'volume': rule '>= 0': 1 row (line 2)",
    ),
    (
        "backlog not negative",
        set_cell("workload", "backlog", 2, "-1"),
        "workload.csv: column 'backlog': rule '>= 0': 1 row (line 4)",
    ),
    (
        "response id unique",
        set_cell("surveys", "response_id", 2, "R1"),
        "surveys.csv: column 'response_id': rule 'unique': 2 rows (lines 2, 4)",
    ),
    (
        "survey team exists",
        set_cell("surveys", "team_id", 0, "T777"),
        "surveys.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 2)",
    ),
    (
        "vigor on the 0-6 scale",
        set_cell("surveys", "vigor", 1, "6.5"),
        "surveys.csv: column 'vigor': rule 'between 0 and 6': 1 row (line 3)",
    ),
    (
        "dedication on the 0-6 scale",
        set_cell("surveys", "dedication", 0, "-0.1"),
        "surveys.csv: column 'dedication': rule 'between 0 and 6': 1 row (line 2)",
    ),
    (
        "absorption required",
        set_cell("surveys", "absorption", 2, ""),
        "surveys.csv: column 'absorption': rule 'a value is required': 1 row (line 4)",
    ),
    (
        "recognition on the 1-5 scale",
        set_cell("surveys", "recognition", 0, "0"),
        "surveys.csv: column 'recognition': rule 'between 1 and 5': 1 row (line 2)",
    ),
    (
        "assignment employee exists",
        set_cell("assignments", "employee_id", 3, "0101"),
        "assignments.csv: column 'employee_id': rule 'must reference employees.employee_id': "
        "1 row (line 5)",
    ),
    (
        "assignment team exists",
        set_cell("assignments", "team_id", 2, "T9"),
        "assignments.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 4)",
    ),
    (
        "assignment end not before start",
        set_cell("assignments", "end_date", 2, "2020-01-01"),
        "assignments.csv: columns 'start_date, end_date': rule 'end_date >= start_date': "
        "1 row (line 4)",
    ),
    (
        "assignment periods do not overlap",
        set_cell("assignments", "start_date", 1, "2022-03-01"),
        "assignments.csv: columns 'employee_id, start_date, end_date': "
        "rule 'one employee's periods do not overlap': 2 rows (lines 2, 3)",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in BROKEN_RULES],
)
def test_each_broken_rule_is_named_and_the_store_is_untouched(
    tmp_path: Path,
    data_dir: Path,
    export_dir: Path,
    capsys: pytest.CaptureFixture[str],
    mutate: Callable[[Frames], None],
    expected: str,
) -> None:
    # given a store holding a good snapshot, and an export that breaks one rule
    assert main(["ingest", str(export_dir)]) == 0
    before = store_state(data_dir)
    capsys.readouterr()
    frames = valid_frames()
    mutate(frames)
    broken = write_export(tmp_path / "broken", frames)
    # when it is ingested
    code = main(["ingest", str(broken)])
    # then exit 2, the rule is named with its rows, no traceback, and nothing changed
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err.splitlines(), err
    assert "Traceback" not in err
    assert store_state(data_dir) == before


def test_all_broken_rules_are_reported_at_once(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an export that breaks one rule in each of three files
    chosen = {"team name required", "worked hours at most 24", "vigor on the 0-6 scale"}
    frames = valid_frames()
    cases = [(mutate, expected) for name, mutate, expected in BROKEN_RULES if name in chosen]
    for mutate, _expected in cases:
        mutate(frames)
    # when it is ingested
    code = main(["ingest", str(write_export(tmp_path / "broken", frames))])
    # then every one of them is listed
    err = capsys.readouterr().err
    assert code == 2
    assert "input rejected: 3 rules broken" in err
    for _mutate, expected in cases:
        assert expected in err.splitlines()
    assert SnapshotStore(data_dir / "snapshots").current_id() is None


def test_many_offending_rows_are_counted_and_the_first_shown(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a timesheet with 40 rows over 24 hours
    frames = valid_frames()
    days = pd.date_range("2024-02-01", periods=40).strftime("%Y-%m-%d")
    frames["timesheets"] = pd.DataFrame(
        {"employee_id": "007", "work_date": days, "scheduled_hours": "8", "worked_hours": "30"}
    )
    # when it is ingested
    main(["ingest", str(write_export(tmp_path / "broken", frames))])
    # then the count is exact and the first five lines are shown
    assert (
        "timesheets.csv: column 'worked_hours': rule 'between 0 and 24': "
        "40 rows (lines 2, 3, 4, 5, 6, ...)"
    ) in capsys.readouterr().err


def test_json_output_names_the_new_snapshot(
    export_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when ingested with --json
    assert main(["ingest", str(export_dir), "--json"]) == 0
    # then the printed snapshot id is the current one and rows are counted
    import json

    printed = json.loads(capsys.readouterr().out)
    assert printed["snapshot_id"] == SnapshotStore(data_dir / "snapshots").current_id()
    assert printed["rows"]["employees"] == 3


# ---- what HR did: the optional interventions table (issue 20) -----------------------------
def with_interventions(**columns: list[str]) -> Frames:
    """A valid export plus an interventions table of the given columns."""
    frames = valid_frames()
    frames["interventions"] = pd.DataFrame(columns)
    return frames


GOOD_INTERVENTIONS = {
    "team_id": ["T001", "T002"],
    "start_date": ["2024-02-01", "2024-03-01"],
    "intervention": ["buffer", "recognition"],
    "action_id": ["no_overtime_day", ""],
    "note": ["", "朝会で感謝を伝える"],
}


def recorded_interventions(data_dir: Path) -> list[StoredIntervention]:
    store = ScoresStore(scores_db_url(load_settings()))
    try:
        return store.list_interventions()
    finally:
        store.dispose()


def test_interventions_are_copied_into_the_scores_database_once(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an export with an interventions table without ids
    export = write_export(tmp_path / "export", with_interventions(**GOOD_INTERVENTIONS))
    # when it is ingested twice
    assert main(["ingest", str(export)]) == 0
    assert main(["ingest", str(export), "--json"]) == 0
    # then its rows are recorded once, by 'import', with ids made from their content
    rows = recorded_interventions(data_dir)
    assert [(r.team_id, r.department, r.intervention, r.action_id) for r in rows] == [
        ("T001", "accounting", "buffer", "no_overtime_day"),
        ("T002", "logistics_admin", "recognition", None),
    ]
    assert {r.recorded_by for r in rows} == {"import"}
    assert rows[1].note == "朝会で感謝を伝える"
    assert all(r.intervention_id.startswith("iv-") for r in rows)
    out = capsys.readouterr().out
    assert "interventions: 2 new rows recorded" in out
    assert '"interventions_added": 0' in out


def test_interventions_in_parquet_with_datetimes_and_no_optional_columns(
    tmp_path: Path, data_dir: Path
) -> None:
    # given a Parquet interventions table whose start is a timestamp, with no optional column
    export = write_export(tmp_path / "export", valid_frames())
    table = pa.table(
        {
            "team_id": ["T001"],
            "start_date": pa.array([pd.Timestamp("2024-02-01 09:30")], type=pa.timestamp("us")),
            "intervention": ["buffer"],
        }
    )
    pq.write_table(table, export / "interventions.parquet")
    # when it is ingested
    assert main(["ingest", str(export)]) == 0
    # then the row is recorded with its day
    (row,) = recorded_interventions(data_dir)
    assert (row.team_id, str(row.start_date), row.action_id, row.note) == (
        "T001",
        "2024-02-01",
        None,
        None,
    )


def test_a_correction_cancels_a_row_recorded_by_an_earlier_ingest(
    tmp_path: Path, data_dir: Path
) -> None:
    # given an ingested intervention
    first = write_export(tmp_path / "first", with_interventions(**GOOD_INTERVENTIONS))
    assert main(["ingest", str(first)]) == 0
    wrong = recorded_interventions(data_dir)[0]
    # when a later export cancels it by its id
    later = with_interventions(
        team_id=["T001"],
        start_date=["2024-02-05"],
        intervention=["buffer"],
        cancels=[wrong.intervention_id],
    )
    assert main(["ingest", str(write_export(tmp_path / "later", later))]) == 0
    # then the first row is kept and reads as cancelled
    rows = {r.intervention_id: r for r in recorded_interventions(data_dir)}
    assert len(rows) == 3
    assert rows[wrong.intervention_id].cancelled


LONG_NOTE = "あ" * 501
BROKEN_INTERVENTIONS: list[tuple[str, dict[str, list[str]], str]] = [
    (
        "unknown team",
        {"team_id": ["T001", "T404"]},
        "interventions.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 3)",
    ),
    (
        "bad intervention type",
        {"intervention": ["buffer", "training"]},
        "interventions.csv: column 'intervention': rule 'one of buffer, recognition': 1 row "
        "(line 3)",
    ),
    (
        "unknown action",
        {"action_id": ["no_overtime_day", "free_pizza"]},
        "interventions.csv: column 'action_id': rule 'an action id of the catalogue "
        "(models/interventions.json)': 1 row (line 3)",
    ),
    (
        "action of the other type",
        {"action_id": ["peer_bonus", ""]},
        "interventions.csv: columns 'intervention, action_id': rule 'the action's intervention "
        "type is the row's intervention': 1 row (line 2)",
    ),
    (
        "note too long",
        {"note": ["", LONG_NOTE]},
        "interventions.csv: column 'note': rule 'at most 500 characters': 1 row (line 3)",
    ),
    (
        "duplicate id",
        {"intervention_id": ["A-1", "A-1"]},
        "interventions.csv: column 'intervention_id': rule 'unique': 2 rows (lines 2, 3)",
    ),
    (
        "cancels nothing",
        {"cancels": ["", "iv-0123456789abcdef"]},
        "interventions.csv: column 'cancels': rule 'must reference an intervention_id of this "
        "file or one recorded before': 1 row (line 3)",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=name) for name, change, expected in BROKEN_INTERVENTIONS],
)
def test_each_broken_intervention_rule_is_named_and_nothing_is_written(
    tmp_path: Path,
    data_dir: Path,
    export_dir: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, list[str]],
    expected: str,
) -> None:
    # given a store with a good snapshot, and an export whose interventions break one rule
    assert main(["ingest", str(export_dir)]) == 0
    before = store_state(data_dir)
    capsys.readouterr()
    broken = write_export(
        tmp_path / "broken", with_interventions(**{**GOOD_INTERVENTIONS, **change})
    )
    # when it is ingested
    code = main(["ingest", str(broken)])
    # then exit 2 with the rule named, no traceback, no new snapshot and no row recorded
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err.splitlines(), err
    assert "Traceback" not in err
    assert store_state(data_dir) == before
    assert recorded_interventions(data_dir) == []
