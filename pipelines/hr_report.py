"""The monthly HR report as files: a self-contained HTML page and an Excel-friendly CSV.

Pure functions from a scored month (and its recent history) to text or bytes. The HTML has
inline CSS and inline SVG charts and links nothing outside itself, so it can be mailed or
opened on a machine with no network. The CSV is UTF-8 with a byte-order mark, which is what
Japanese Excel needs to open UTF-8 without garbling it.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.review import (
    INSUFFICIENT_HISTORY,
    MIN_HISTORY_MONTHS,
    BandRules,
    backtest_sentence,
    flagged_order,
)
from pipelines.csv_cells import safe_cell

TREND_MONTHS = 12
SPARK_MONTHS = 6
TOP_DRIVERS = 3
HISTOGRAM_BINS = 20

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Engagement risk report",
        "model": "model version",
        "teams": "teams scored",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "flagged": "flagged teams",
        "trend": "Teams in the high and medium bands, by month",
        "distribution": "Risk of every team this month",
        "review_title": "Review list: the teams to act on first",
        "review_none": "Nothing stands out this month.",
        "watch_title": "Watch list: the other high and medium teams",
        "watch_none": "No other team is in the high or medium band this month.",
        "review_count": "on the review list",
        "short_history": (
            "{n} team(s) have under {months} months of history in the data and are not ranked "
            "(band low, no flag) until they have."
        ),
        "rank": "#",
        "lift": "vs. average",
        "review": "review list",
        "status": "status",
        "yes": "yes",
        "no": "no",
        "status_scored": "scored",
        "status_insufficient_history": "under 6 months of history",
        "team": "team",
        "department": "department",
        "risk": "risk",
        "band": "band",
        "change": "vs last month",
        "history": "last months",
        "flags": "flags",
        "drivers": "main reasons",
        "actions": "suggested actions",
        "buffer": "workload buffer",
        "recognition": "recognition",
        "generated": "generated",
        "note": (
            "Risk is the estimated probability that the team's engagement drops, or several "
            "members leave, within the next three months; 'vs. average' is how many times the "
            "risk of an average team it is (high: at least {high:g} times, medium: at least "
            "{medium:g} times). The review list holds the riskiest high teams, at most a few a "
            "month. Reasons are "
            "the signals that moved this team's risk most, in percentage points. Per-member "
            "figures are hidden for teams under 5 members."
        ),
        "team_id": "team_id",
        "team_name": "team_name",
    },
    "ja": {
        "title": "エンゲージメント・リスク月次レポート",
        "model": "モデル版",
        "teams": "対象チーム数",
        "high": "高",
        "medium": "中",
        "low": "低",
        "flagged": "フラグ付きチーム",
        "trend": "リスク「高」「中」のチーム数の推移",
        "distribution": "今月の全チームのリスク分布",
        "review_title": "要確認リスト：最初に対応するチーム",
        "review_none": "今月は特に目立つチームはありません。",
        "watch_title": "注視リスト：その他のリスク「高」「中」のチーム",
        "watch_none": "今月はほかにリスク「高」「中」のチームはありません。",
        "review_count": "要確認リスト",
        "short_history": (
            "{n}チームはデータ上の履歴が{months}か月未満のため、順位を付けていません"
            "（区分は低、フラグなし）。"
        ),
        "rank": "順位",
        "lift": "平均比",
        "review": "要確認",
        "status": "状態",
        "yes": "はい",
        "no": "いいえ",
        "status_scored": "評価済み",
        "status_insufficient_history": "履歴6か月未満",
        "team": "チーム",
        "department": "部門",
        "risk": "リスク",
        "band": "区分",
        "change": "前月比",
        "history": "推移",
        "flags": "フラグ",
        "drivers": "主な要因",
        "actions": "推奨アクション",
        "buffer": "業務負荷の緩和",
        "recognition": "承認・評価",
        "generated": "作成日時",
        "note": (
            "リスクは、今後3か月以内にチームのエンゲージメントが低下する、または複数名が"
            "退職する確率の推定値です。「平均比」は平均的なチームのリスクの何倍かを示します"
            "（高：{high:g}倍以上、中：{medium:g}倍以上）。要確認リストはリスク「高」のうち上位の数チームです。"
            "要因はこのチームのリスクを最も動かした指標で、単位はパーセントポイントです。"
            "5名未満のチームでは一人あたりの数値を表示しません。"
        ),
        "team_id": "チームID",
        "team_name": "チーム名",
    },
}
# department codes of the data contract's examples, named for Japanese readers
DEPARTMENTS_JA: dict[str, str] = {
    "accounting": "経理",
    "hr": "人事",
    "general_affairs": "総務",
    "it": "情報システム",
    "logistics_admin": "物流管理",
}
BAND_COLOURS = {"high": "#c62828", "medium": "#ef8f00", "low": "#4f8a3c"}


@dataclass(frozen=True)
class HrReport:
    """Everything one report shows: the month's results and the recent history."""

    month: str
    model_version: int | None
    lang: str
    results: list[dict[str, Any]]
    history: pd.DataFrame  # team_id, month, risk, band, flags of recent scored months
    generated_at: str
    # the band rules and backtest figures of the model that scored the month (None for
    # months scored before they were stored with the run)
    bands: BandRules | None = None

    @property
    def backtest(self) -> dict[str, Any]:
        return dict(self.bands.backtest) if self.bands is not None else {}

    def note(self) -> str:
        """The closing note, with the model's lift cuts."""
        bands = self.bands or BandRules(base_rate=1.0)
        return self.text["note"].format(high=bands.high_lift, medium=bands.medium_lift)

    @property
    def text(self) -> dict[str, str]:
        return TEXT[self.lang]

    def department(self, result: dict[str, Any]) -> str:
        """The team's department as this report's reader knows it (codes kept if unknown)."""
        code = str(result.get("department") or "")
        return DEPARTMENTS_JA.get(code, code) if self.lang == "ja" else code

    def listed(self) -> list[dict[str, Any]]:
        """The review list, then the watch list (``models.review.flagged_order``)."""
        return flagged_order(self.results)

    def review_list(self) -> list[dict[str, Any]]:
        """The teams to act on first, by rank."""
        return [r for r in self.listed() if r.get("review")]

    def watch_list(self) -> list[dict[str, Any]]:
        """The other high and medium teams, by rank."""
        return [r for r in self.listed() if not r.get("review")]

    def sentence(self) -> str | None:
        """The review list's backtest precision in one plain sentence (None: unknown)."""
        return backtest_sentence(self.backtest, self.lang)

    def short_history(self) -> int:
        """How many teams have too little history to be ranked."""
        return sum(r.get("status") == INSUFFICIENT_HISTORY for r in self.results)

    def lift(self, result: dict[str, Any]) -> str:
        """``2.3×`` (times an average team's risk), or an en dash for rows stored before."""
        lift = result.get("lift")
        return "–" if lift is None else f"{float(lift):.1f}×"

    def status(self, result: dict[str, Any]) -> str:
        return self.text[f"status_{result.get('status') or 'scored'}"]


# ---- CSV -----------------------------------------------------------------------------
def render_csv(report: HrReport) -> bytes:
    """One row per team, riskiest first, as UTF-8 with BOM and CRLF lines (for Excel); no
    cell starts a formula (team names and ids come from the customer's export)."""
    t = report.text
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows: list[list[object]] = [
        [
            t["team_id"],
            t["team_name"],
            t["department"],
            t["risk"],
            t["band"],
            t["flags"],
            t["drivers"],
            t["actions"],
            t["rank"],
            t["lift"],
            t["review"],
            t["status"],
        ]
    ]
    rows += [
        [
            result["team_id"],
            result.get("team_name") or "",
            report.department(result),
            f"{float(result['risk']):.4f}",
            t[result["band"]],
            " / ".join(t.get(flag, flag) for flag in result["flags"]),
            " / ".join(d["text"] for d in result["drivers"][:TOP_DRIVERS]),
            " / ".join(str(a["title"]) for a in result["actions"]),
            "" if result.get("rank") is None else int(result["rank"]),
            "" if result.get("lift") is None else f"{float(result['lift']):.2f}",
            t["yes"] if result.get("review") else t["no"],
            report.status(result),
        ]
        for result in report.results
    ]
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# ---- HTML ----------------------------------------------------------------------------
def render_html(report: HrReport) -> str:
    """The whole page, self-contained (inline CSS and SVG, no external URL)."""
    t = report.text
    e = html.escape
    counts = {band: sum(r["band"] == band for r in report.results) for band in BAND_COLOURS}
    flagged = sum(bool(r["flags"]) for r in report.results)
    review, watch = report.review_list(), report.watch_list()
    tiles = "".join(
        f'<div class="tile"><div class="n">{value}</div><div>{e(label)}</div></div>'
        for value, label in (
            (f"{len(report.results):,}", t["teams"]),
            (f"{len(review):,}", t["review_count"]),
            (f"{counts['high']:,}", f"{t['risk']}: {t['high']}"),
            (f"{counts['medium']:,}", f"{t['risk']}: {t['medium']}"),
            (f"{flagged:,}", t["flagged"]),
        )
    )
    if review:
        sentence = report.sentence()
        review_part = (f'<p class="sentence">{e(sentence)}</p>' if sentence else "") + (
            _team_table(report, review)
        )
    else:
        review_part = f'<p class="nothing">{e(t["review_none"])}</p>'
    watch_part = _team_table(report, watch) if watch else f"<p>{e(t['watch_none'])}</p>"
    short = report.short_history()
    short_note = (
        f'<p class="note">{e(t["short_history"].format(n=short, months=MIN_HISTORY_MONTHS))}</p>'
        if short
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{e(report.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(t["title"])} {e(report.month)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(t["title"])} <span class="month">{e(report.month)}</span></h1>
<p class="meta">{e(t["model"])}: {e(str(report.model_version))} · {e(t["generated"])}:
{e(report.generated_at)}</p>
<section id="review-list">
<h2>{e(t["review_title"])}</h2>
{review_part}
</section>
<section id="watch-list">
<h2>{e(t["watch_title"])}</h2>
{watch_part}
</section>
{short_note}
<div class="tiles">{tiles}</div>
<div class="charts">
<figure><figcaption>{e(t["trend"])}</figcaption>{_trend_chart(report)}</figure>
<figure><figcaption>{e(t["distribution"])}</figcaption>{_histogram(report)}</figure>
</div>
<p class="note">{e(report.note())}</p>
</body>
</html>
"""


def _team_table(report: HrReport, listed: Sequence[dict[str, Any]]) -> str:
    t = report.text
    e = html.escape
    history = _history_by_team(report)
    header = "".join(
        f"<th>{e(t[key])}</th>"
        for key in (
            "rank",
            "team",
            "department",
            "risk",
            "lift",
            "band",
            "change",
            "history",
            "flags",
            "drivers",
            "actions",
        )
    )
    rows = []
    for result in listed:
        rank = "–" if result.get("rank") is None else str(result["rank"])
        risks = history.get(str(result["team_id"]), [])
        change = _change(risks, float(result["risk"]))
        flags = "".join(
            f'<span class="flag">{e(t.get(flag, flag))}</span>' for flag in result["flags"]
        )
        drivers = "".join(f"<li>{e(d['text'])}</li>" for d in result["drivers"][:TOP_DRIVERS])
        actions = "".join(f"<li>{e(str(a['title']))}</li>" for a in result["actions"])
        band = str(result["band"])
        rows.append(
            "<tr>"
            f'<td class="num">{rank}</td>'
            f"<td><b>{e(str(result.get('team_name') or ''))}</b><br>"
            f'<span class="id">{e(str(result["team_id"]))}</span></td>'
            f"<td>{e(report.department(result))}</td>"
            f'<td class="num">{100 * float(result["risk"]):.0f}%</td>'
            f'<td class="num">{e(report.lift(result))}</td>'
            f'<td><span class="band {e(band)}">{e(t[band])}</span></td>'
            f'<td class="num">{e(change)}</td>'
            f"<td>{_sparkline(risks)}</td>"
            f"<td>{flags}</td>"
            f"<td><ul>{drivers}</ul></td>"
            f"<td><ul>{actions}</ul></td>"
            "</tr>"
        )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _history_by_team(report: HrReport) -> dict[str, list[float]]:
    """The listed teams' risks over the last ``SPARK_MONTHS`` scored months up to the
    report's, oldest first."""
    if report.history.empty:
        return {}
    months = sorted(m for m in report.history["month"].unique() if m <= report.month)
    listed = {str(r["team_id"]) for r in report.listed()}
    history = report.history
    recent = history[
        history["month"].isin(months[-SPARK_MONTHS:]) & history["team_id"].isin(listed)
    ]
    by_team: dict[str, list[float]] = {}
    for team_id, risk in recent.sort_values(["team_id", "month"])[["team_id", "risk"]].itertuples(
        index=False
    ):
        by_team.setdefault(str(team_id), []).append(float(risk))
    return by_team


def _change(risks: Sequence[float], risk: float) -> str:
    """Percentage-point change against the previous scored month, or an en dash."""
    if len(risks) < 2:
        return "–"
    delta = 100 * (risk - risks[-2])
    return f"{delta:+.0f} pt"


def _sparkline(risks: Sequence[float], width: int = 90, height: int = 24) -> str:
    if len(risks) < 2:
        return ""
    step = width / (len(risks) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * min(max(r, 0.0), 1.0):.1f}"
        for i, r in enumerate(risks)
    )
    last_x, last_y = points.split(" ")[-1].split(",")
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img"><polyline fill="none" stroke="#555" stroke-width="1.5" points="{points}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.5" fill="#c62828"/></svg>'
    )


def _trend_chart(report: HrReport, width: int = 420, height: int = 170) -> str:
    """Stacked bars of high and medium teams over the last scored months."""
    if report.history.empty:
        return ""
    frame = report.history[report.history["month"] <= report.month]
    months = sorted(frame["month"].unique())[-TREND_MONTHS:]
    counts = (
        frame[frame["month"].isin(months)]
        .groupby(["month", "band"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=months, columns=["high", "medium"], fill_value=0)
    )
    top = max(1, int((counts["high"] + counts["medium"]).max()))
    plot_h = height - 34
    bar_w = (width - 40) / max(len(months), 1)
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(report.text["trend"])}">',
        f'<text x="0" y="12" class="axis">{top}</text>',
        f'<line x1="30" y1="{plot_h + 4}" x2="{width}" y2="{plot_h + 4}" stroke="#999"/>',
    ]
    for i, month in enumerate(months):
        x = 34 + i * bar_w
        base = plot_h + 4
        for band in ("high", "medium"):
            value = int(counts.loc[month, band])
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w * 0.75:.1f}" height="{h:.1f}" '
                f'fill="{BAND_COLOURS[band]}"><title>{month} {band}: {value}</title></rect>'
            )
        if i % max(1, len(months) // 6) == 0 or month == months[-1]:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 14}" class="axis">{html.escape(month)}</text>'
            )
    legend = " ".join(
        f'<tspan fill="{BAND_COLOURS[b]}">■</tspan> {html.escape(report.text[b])}'
        for b in ("high", "medium")
    )
    parts.append(f'<text x="34" y="{height - 1}" class="axis">{legend}</text></svg>')
    return "".join(parts)


def _histogram(report: HrReport, width: int = 420, height: int = 170) -> str:
    """Histogram of this month's risks, bars coloured by the band of their left edge."""
    risks = [float(r["risk"]) for r in report.results]
    if not risks:
        return ""
    edges = [i / HISTOGRAM_BINS for i in range(HISTOGRAM_BINS + 1)]
    counts = [0] * HISTOGRAM_BINS
    for risk in risks:
        counts[min(int(risk * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
    ordered = sorted(report.results, key=lambda r: r["risk"], reverse=True)
    band_at = {r["band"]: float(r["risk"]) for r in ordered}  # the lowest risk of each band
    top = max(counts)
    plot_h = height - 30
    bar_w = (width - 40) / HISTOGRAM_BINS
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(report.text["distribution"])}">',
        f'<text x="0" y="12" class="axis">{top}</text>',
    ]
    for i, count in enumerate(counts):
        h = plot_h * count / top
        colour = _band_colour(edges[i], band_at)
        parts.append(
            f'<rect x="{34 + i * bar_w:.1f}" y="{plot_h + 4 - h:.1f}" width="{bar_w * 0.9:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{edges[i]:.2f}–{edges[i + 1]:.2f}: '
            f"{count}</title></rect>"
        )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = 34 + tick * (width - 40)
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" class="axis">{tick:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _band_colour(left_edge: float, lowest_risk_of_band: dict[str, float]) -> str:
    """Colour of a histogram bar: the band whose lowest scored risk is at or below it."""
    for band in ("high", "medium"):
        if band in lowest_risk_of_band and left_edge >= lowest_risk_of_band[band] - 1e-9:
            return BAND_COLOURS[band]
    return BAND_COLOURS["low"]


_CSS = """
body{font-family:"Hiragino Sans","Noto Sans CJK JP","Yu Gothic","Meiryo",system-ui,sans-serif;
margin:24px;color:#222;line-height:1.5}
h1{font-size:1.5em;margin:0 0 4px}h1 .month{color:#666;font-weight:normal}
h2{font-size:1.15em;margin-top:28px}.meta{color:#666;margin:0 0 16px}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #ddd;border-radius:6px;
padding:8px 16px;min-width:110px}.tile .n{font-size:1.6em;font-weight:bold}
.charts{display:flex;gap:24px;flex-wrap:wrap;margin-top:16px}figure{margin:0}
figcaption{font-size:.9em;color:#444;margin-bottom:4px}.axis{font-size:10px;fill:#555}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #e3e3e3;
padding:6px;vertical-align:top;text-align:left}th{background:#f6f6f6}
td.num{text-align:right;white-space:nowrap}td ul{margin:0;padding-left:1.1em}
.id{color:#777;font-size:.85em}.band{color:#fff;border-radius:3px;padding:1px 6px}
.band.high{background:#c62828}.band.medium{background:#ef8f00}.band.low{background:#4f8a3c}
.flag{display:inline-block;border:1px solid #888;border-radius:3px;padding:0 4px;margin:1px;
font-size:.85em}.note{color:#666;font-size:.85em;margin-top:20px}
.sentence{margin:4px 0 10px}.nothing{font-size:1.1em;font-weight:bold}
"""
