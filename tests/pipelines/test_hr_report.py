"""The HR report files as pure functions: escaping, self-containment, Excel-ready CSV, trend."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pandas as pd
import pytest

from pipelines.hr_report import HrReport, render_csv, render_html


def result(team_id: str, risk: float, band: str, name: str = "経理一課") -> dict[str, object]:
    flags = ["buffer"] if band != "low" else []
    return {
        "team_id": team_id,
        "team_name": name,
        "department": "accounting",
        "month": "2026-10",
        "risk": risk,
        "band": band,
        "flags": flags,
        "drivers": [
            {
                "feature": "overtime_mean_hours",
                "value": 38.0,
                "previous": 12.0,
                "contribution": 0.11,
                "text": "10月のメンバー1人あたり残業は38時間（前月12時間から上昇）",
            }
        ],
        "actions": [{"id": "no_overtime_day", "intervention": "buffer", "title": "ノー残業デー"}],
        "model_version": 7,
    }


def report(lang: str = "ja", history: pd.DataFrame | None = None) -> HrReport:
    results = [
        result("T1", 0.55, "high", name='<script>alert("x")</script>'),
        result("T2", 0.25, "medium"),
        result("T3", 0.05, "low"),
    ]
    return HrReport(
        month="2026-10",
        model_version=7,
        lang=lang,
        results=results,
        history=history if history is not None else pd.DataFrame(),
        generated_at="2026-11-03 06:15 UTC",
    )


def test_html_is_self_contained_escaped_and_in_the_asked_language() -> None:
    # given a month whose riskiest team has markup in its name
    # when the Japanese page is rendered
    page = render_html(report("ja"))
    # then it declares its language, loads nothing from outside and escapes the name
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ja">' in page
    assert not re.search(r"(?:src|href)\s*=|url\(|@import|https?://", page)
    assert "<script>" not in page and "&lt;script&gt;" in page
    # and it lists the high and medium teams, riskiest first, not the low one
    assert page.index("&lt;script&gt;") < page.index("経理一課")
    assert "T3" not in page
    assert "ノー残業デー" in page and "経理" in page


def test_the_trend_and_the_change_come_from_the_history() -> None:
    # given the last three months of scores
    history = pd.DataFrame(
        {
            "team_id": ["T1", "T1", "T1", "T2", "T2"],
            "month": ["2026-08", "2026-09", "2026-10", "2026-09", "2026-10"],
            "risk": [0.20, 0.35, 0.55, 0.30, 0.25],
            "band": ["medium", "medium", "high", "medium", "medium"],
            "flags": ["", "", "buffer", "", ""],
        }
    )
    # when the English page is rendered
    page = render_html(report("en", history))
    # then each listed team shows its change against last month and a sparkline
    assert "+20 pt" in page and "-5 pt" in page
    assert page.count('class="spark"') == 2
    # and the trend chart has a bar per band and month with teams in it
    assert "2026-08 medium: 1" in page and "2026-10 high: 1" in page


def test_csv_opens_in_japanese_excel() -> None:
    # when the Japanese CSV is rendered
    data = render_csv(report("ja"))
    # then it is UTF-8 with a byte-order mark and CRLF lines, one row per team, riskiest first
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "チームID",
        "チーム名",
        "部門",
        "リスク",
        "区分",
        "フラグ",
        "主な要因",
        "推奨アクション",
    ]
    assert [row[0] for row in rows[1:]] == ["T1", "T2", "T3"]
    assert rows[1][2:6] == ["経理", "0.5500", "高", "業務負荷の緩和"]
    assert rows[3][5] == ""


def test_the_console_list_shows_markup_in_names_as_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.report import _print_flagged

    # given a flagged team whose name is console markup (names come from the export)
    monkeypatch.setenv("COLUMNS", "300")
    name = "[link=http://evil.example]x[/link]"
    flagged = replace(report("en"), results=[result("T1", 0.55, "high", name=name)])
    # when the console list is printed
    _print_flagged(flagged, wrote=[])
    # then the name is printed as it is, not turned into a link
    assert name in capsys.readouterr().out
