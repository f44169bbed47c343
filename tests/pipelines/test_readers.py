"""Reading one table: encodings, leading zeros, values that do not parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.contract import TABLES
from pipelines.errors import UserError
from pipelines.readers import detect_encoding, read_table

TEAMS_CSV = "team_id,team_name,department\n007,経理一課,accounting\n0070,総務課,general_affairs\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("cp932", "cp932"), ("shift_jis", "cp932")],
)
def test_encoding_is_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    # given a CSV in one encoding
    path = tmp_path / "teams.csv"
    path.write_bytes(TEAMS_CSV.encode(encoding))
    # when detected, then the right codec is chosen
    assert detect_encoding(path) == detected


def test_undecodable_bytes_are_refused_with_a_hint(tmp_path: Path) -> None:
    # given bytes that are neither UTF-8 nor cp932
    path = tmp_path / "teams.csv"
    path.write_bytes(b"team_id\n\x81\x7f\xff\n")
    # then the message names the file and the --encoding option
    with pytest.raises(UserError, match=r"teams\.csv.*--encoding"):
        detect_encoding(path)


def test_identifiers_keep_leading_zeros(tmp_path: Path) -> None:
    # given ids that look like numbers
    path = tmp_path / "teams.csv"
    path.write_text(TEAMS_CSV, encoding="utf-8")
    # when read
    result = read_table(path, TABLES["teams"])
    # then they stay text, zeros included
    assert result.table is not None
    assert result.table.column("team_id").to_pylist() == ["007", "0070"]


def test_every_unparseable_value_is_located(tmp_path: Path) -> None:
    # given dates and numbers that do not parse on lines 3 and 5
    path = tmp_path / "timesheets.csv"
    path.write_text(
        "employee_id,work_date,scheduled_hours,worked_hours\n"
        "1,2024-01-04,8,8\n"
        "1,04/01/2024,8,8\n"
        "1,2024-01-06,8,8\n"
        "1,2024-01-07,8,eight\n",
        encoding="utf-8",
    )
    # when read
    result = read_table(path, TABLES["timesheets"])
    # then both problems are reported with their lines and no table is returned
    assert result.table is None
    assert [p.message() for p in result.problems] == [
        "timesheets.csv: column 'work_date': rule 'an ISO date YYYY-MM-DD': 1 row (line 3)",
        "timesheets.csv: column 'worked_hours': rule 'a number': 1 row (line 5)",
    ]


def test_a_header_only_file_is_an_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "leave.csv"
    path.write_text("employee_id,leave_date,leave_type,days\n", encoding="utf-8")
    result = read_table(path, TABLES["leave"])
    assert result.table is not None and result.table.num_rows == 0


def test_an_empty_file_needs_a_header(tmp_path: Path) -> None:
    path = tmp_path / "leave.csv"
    path.write_text("", encoding="utf-8")
    result = read_table(path, TABLES["leave"])
    assert [p.rule for p in result.problems] == ["a header row naming the columns"]


def test_a_corrupt_parquet_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "leave.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    result = read_table(path, TABLES["leave"])
    assert result.table is None
    assert result.problems[0].rule.startswith("a readable Parquet file")
