"""The HR report files as pure functions: escaping, self-containment, Excel-ready CSV, trend."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pandas as pd
import pytest

from models.review import BandRules
from pipelines.hr_report import HrReport, render_csv, render_html

BANDS = BandRules(
    base_rate=0.07,
    backtest={"review.precision": 0.4, "review.precision.ci90": [0.3, 0.5], "event_rate": 0.07},
)


def result(
    team_id: str,
    risk: float,
    band: str,
    name: str = "経理一課",
    rank: int | None = None,
    review: bool = False,
    status: str = "scored",
) -> dict[str, object]:
    flags = ["buffer"] if band != "low" else []
    return {
        "team_id": team_id,
        "team_name": name,
        "department": "accounting",
        "month": "2026-10",
        "risk": risk,
        "band": band,
        "flags": flags,
        "rank": rank,
        "lift": round(risk / 0.07, 2),
        "review": review,
        "status": status,
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
        result("T1", 0.55, "high", name='<script>alert("x")</script>', rank=1, review=True),
        result("T2", 0.25, "medium", rank=2),
        result("T3", 0.05, "low", rank=3),
    ]
    return HrReport(
        month="2026-10",
        model_version=7,
        lang=lang,
        results=results,
        history=history if history is not None else pd.DataFrame(),
        generated_at="2026-11-03 06:15 UTC",
        bands=BANDS,
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
        "順位",
        "平均比",
        "要確認",
        "状態",
    ]
    assert [row[0] for row in rows[1:]] == ["T1", "T2", "T3"]
    assert rows[1][2:6] == ["経理", "0.5500", "高", "業務負荷の緩和"]
    assert rows[1][8:] == ["1", "7.86", "はい", "評価済み"]
    assert rows[3][5] == "" and rows[3][8:] == ["3", "0.71", "いいえ", "評価済み"]


def test_csv_says_which_teams_have_too_little_history_and_reads_old_rows() -> None:
    # given a young team (no rank) and a row stored before ranks existed (no rank, no lift)
    young = result("T4", 0.30, "low", status="insufficient_history")
    old = {k: v for k, v in result("T5", 0.02, "low").items() if k not in ("rank", "lift")}
    month = replace(report("en"), results=[young, old])
    # when the English CSV is rendered
    rows = list(csv.reader(io.StringIO(render_csv(month).decode("utf-8-sig"))))
    # then both have empty rank cells, the young one says why
    assert rows[0][8:] == ["#", "vs. average", "review list", "status"]
    assert rows[1][8:] == ["", "4.29", "no", "under 6 months of history"]
    assert rows[2][8:] == ["", "", "no", "scored"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_review_list_comes_first_with_its_backtest_sentence(lang: str) -> None:
    # given a month with one team on the review list and one on the watch list
    page = render_html(report(lang))
    # then the review list comes first, says in one sentence how often such lists were
    # right in the backtest, and holds the listed team; the watch list follows
    review = page.index('id="review-list"')
    watch = page.index('id="watch-list"')
    sentence = {
        "en": "In the backtest, 4 of 10 teams on this list had a decline within 3 months; "
        "1 in 14 overall.",
        "ja": "バックテストでは、このリストのチーム10チーム中4チームで3か月以内に",
    }[lang]
    assert review < page.index(sentence) < page.index("&lt;script&gt;") < watch
    assert watch < page.index("T2") and page.index("<svg") > watch
    assert "7.9×" in page


@pytest.mark.parametrize(
    ("lang", "nothing"),
    [("en", "Nothing stands out this month."), ("ja", "今月は特に目立つチームはありません。")],
)
def test_an_empty_review_list_says_nothing_stands_out(lang: str, nothing: str) -> None:
    # given a month with no team on the review list (one medium team only)
    month = replace(report(lang), results=[result("T2", 0.12, "medium", rank=1)])
    # when rendered
    page = render_html(month)
    # then the review list says so in plain words, with no backtest sentence; the watch list
    # still shows the medium team
    assert page.index('id="review-list"') < page.index(nothing) < page.index('id="watch-list"')
    assert "In the backtest" not in page and "バックテストでは" not in page
    assert page.index('id="watch-list"') < page.index("T2")


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
