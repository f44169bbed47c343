"""``erisk interventions add|list|import``: what HR did, recorded through the shared rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main


@pytest.fixture
def ingested(export_dir: Path, data_dir: Path) -> Path:
    """A data dir whose current snapshot has teams T001 (accounting), T002 (logistics)."""
    assert main(["ingest", str(export_dir)]) == 0
    return data_dir


def listed(capsys: pytest.CaptureFixture[str], *options: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["interventions", "list", "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)["interventions"]


def test_add_records_a_row_by_the_cli_and_list_reads_it_back(
    ingested: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when an intervention is added, and added again
    args = ["interventions", "add", "--team", "T001", "--start", "2024-02-01"]
    args += ["--intervention", "buffer", "--action", "no_overtime_day", "--note", "[b]週1回[/b]"]
    assert main(args) == 0
    assert main(args) == 0
    # then it is recorded once, by the cli, in the team's department
    out = capsys.readouterr().out
    assert "recorded iv-" in out and "recorded already: nothing added" in out
    (row,) = listed(capsys)
    assert (row["team_id"], row["department"], row["recorded_by"]) == ("T001", "accounting", "cli")
    assert (row["note"], row["cancelled"]) == ("[b]週1回[/b]", False)
    # and the table shows the note as it was written (never as markup)
    assert main(["interventions", "list"]) == 0
    assert "[b]" in capsys.readouterr().out


def test_a_correction_cancels_the_wrong_row(
    ingested: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a recorded row
    base = ["interventions", "add", "--team", "T001", "--intervention", "buffer"]
    assert main([*base, "--start", "2024-02-01"]) == 0
    (wrong,) = listed(capsys)
    # when a new row cancels it
    assert main([*base, "--start", "2024-03-01", "--cancels", str(wrong["intervention_id"])]) == 0
    # then both are listed and the first is cancelled
    rows = listed(capsys)
    assert [r["cancelled"] for r in rows] == [True, False]
    assert rows[1]["cancels"] == wrong["intervention_id"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--team", "T404"], "team_id 'T404': must reference teams.team_id"),
        (["--start", "2024-02-30"], "start_date '2024-02-30': an ISO date YYYY-MM-DD"),
        (["--action", "peer_bonus"], "the action's intervention type is the row's"),
        (["--action", "free_pizza"], "an action id of the catalogue"),
        (["--note", "x" * 501], "at most 500 characters"),
        (["--cancels", "iv-0000000000000000"], "must reference an intervention_id recorded"),
        (["--intervention", "party"], "'party' is not one of 'buffer', 'recognition'"),
    ],
)
def test_bad_input_exits_2_with_the_rule_and_records_nothing(
    ingested: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    # given a row that breaks one rule
    values = {"--team": "T001", "--start": "2024-02-01", "--intervention": "buffer"}
    given = dict(zip(options[::2], options[1::2], strict=True))
    args = [part for pair in {**values, **given}.items() for part in pair]
    # when it is added
    code = main(["interventions", "add", *args])
    # then exit 2, the rule is named, no traceback, nothing recorded
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert listed(capsys) == []


def test_add_before_any_ingest_says_what_to_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when a row is added with no snapshot
    code = main(["interventions", "add", "--team", "T1", "--start", "2024-01-01",
                 "--intervention", "buffer"])  # fmt: skip
    # then exit 2 and the message says to ingest
    assert code == 2
    assert "run `erisk ingest DIR`" in capsys.readouterr().err


def test_import_records_a_file_once_and_list_filters_by_department(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file of two rows of two departments, without ids
    path = tmp_path / "done.csv"
    path.write_text(
        "team_id,start_date,intervention,action_id\n"
        "T001,2024-02-01,buffer,no_overtime_day\n"
        "T002,2024-03-01,recognition,peer_bonus\n",
        encoding="utf-8",
    )
    # when it is imported twice
    assert main(["interventions", "import", str(path)]) == 0
    assert main(["interventions", "import", str(path)]) == 0
    # then the rows are recorded once, by 'import'
    out = capsys.readouterr().out
    assert "2 rows, 2 new recorded" in out and "2 rows, 0 new recorded" in out
    assert {r["recorded_by"] for r in listed(capsys)} == {"import"}
    # and a department's list holds only its rows
    rows = listed(capsys, "--department", "logistics_admin")
    assert [r["team_id"] for r in rows] == ["T002"]


def test_import_names_every_broken_rule_and_records_nothing(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file with an unknown team and an action of the other type
    path = tmp_path / "done.csv"
    path.write_text(
        "team_id,start_date,intervention,action_id\n"
        "T001,2024-02-01,buffer,no_overtime_day\n"
        "T404,2024-03-01,buffer,\n"
        "T002,2024-03-01,buffer,peer_bonus\n",
        encoding="utf-8",
    )
    # when it is imported
    code = main(["interventions", "import", str(path)])
    # then exit 2 with both rules named by file, column and line, and nothing recorded
    err = capsys.readouterr().err
    assert code == 2
    assert "done.csv: column 'team_id': rule 'must reference teams.team_id': 1 row (line 3)" in err
    assert (
        "done.csv: columns 'intervention, action_id': rule 'the action's intervention type is "
        "the row's intervention': 1 row (line 4)"
    ) in err
    assert listed(capsys) == []
