"""``erisk report``: read a scored month back from the scores store.

``--json`` prints the fixed shape ``{"month", "model_version", "results"}`` (riskiest
first); ``--csv FILE`` and ``--html FILE`` write the HR report files; with none of them the
console shows the review list and the watch list. No model is needed: each team's result
is stored in both languages by ``erisk score``, with its rank and review list place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import click
import pandas as pd

from features.calendar import parse_month, shift_month
from pipelines.errors import UserError
from pipelines.hr_report import TREND_MONTHS, HrReport, render_csv, render_html
from pipelines.scores_store import LANGS, MonthScores, ScoresStore
from pipelines.settings import Settings, load_settings

REPORTS_DIR = "reports"


LATEST = "latest"


def read_scored_month(store: ScoresStore, month: str, lang: str = "en") -> MonthScores:
    """A scored month from the store, or a clear refusal saying what to run."""
    try:
        parse_month(month)
    except ValueError as bad:
        raise UserError(str(bad)) from bad
    scores = store.read_month(month, lang)
    if scores is None:
        scored = store.months()
        known = f"scored months: {scored[0]} .. {scored[-1]}" if scored else "nothing scored yet"
        raise UserError(f"{month} has not been scored ({known}): run `erisk score --month {month}`")
    return scores


def build_report(
    store: ScoresStore, month: str, lang: str, history: pd.DataFrame | None = None
) -> HrReport:
    """The month's results in ``lang`` and the risks of the months before it, for trends."""
    scores = read_scored_month(store, month, lang)
    return HrReport(
        month=month,
        model_version=scores.model_version,
        lang=lang,
        results=scores.results,
        history=trend_rows(store, month) if history is None else history,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        bands=scores.run.model_bands,
    )


def trend_rows(store: ScoresStore, month: str) -> pd.DataFrame:
    """Risks and bands of the ``TREND_MONTHS`` months up to ``month`` (the trend charts)."""
    return store.month_rows([shift_month(month, -k) for k in range(TREND_MONTHS - 1, -1, -1)])


def report_paths(data_dir: Path, month: str, lang: str) -> tuple[Path, Path]:
    """Where the batch job writes a month's report: HTML and CSV, per language."""
    folder = Path(data_dir) / REPORTS_DIR / month
    stem = f"hr-report-{month}-{lang}"
    return folder / f"{stem}.html", folder / f"{stem}.csv"


def write_month_reports(store: ScoresStore, month: str, data_dir: Path) -> list[Path]:
    """Write the month's HTML and CSV reports in every language; return their paths."""
    written = []
    history = trend_rows(store, month)
    for lang in LANGS:
        report = build_report(store, month, lang, history)
        html_path, csv_path = report_paths(data_dir, month, lang)
        write_atomically(html_path, render_html(report).encode("utf-8"))
        write_atomically(csv_path, render_csv(report))
        written += [html_path, csv_path]
    return written


def write_atomically(path: Path, content: bytes) -> None:
    """Write through a temporary file in the same folder: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".tmp-{path.name}-{uuid.uuid4().hex[:6]}")
    try:
        staging.write_bytes(content)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def run_report(
    settings: Settings,
    month: str,
    lang: str = "en",
    csv_file: Path | None = None,
    html_file: Path | None = None,
) -> HrReport:
    """Read a scored month (``latest``: the newest one) and write the requested files."""
    store = ScoresStore.from_settings(settings)
    try:
        if month == LATEST:
            scored = store.months()
            if not scored:
                raise UserError("nothing is scored yet: run `erisk score --month YYYY-MM` first")
            month = scored[-1]
        report = build_report(store, month, lang)
        if csv_file is not None:
            write_atomically(csv_file, render_csv(report))
        if html_file is not None:
            write_atomically(html_file, render_html(report).encode("utf-8"))
        return report
    finally:
        store.dispose()


@click.command("report")
@click.option("--month", required=True, metavar="YYYY-MM", help="The scored month, or 'latest'.")
@click.option("--json", "as_json", is_flag=True, help="Print the month's results as JSON.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the CSV (UTF-8 with BOM, for Excel) to FILE.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the self-contained HTML report to FILE.",
)
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
def report_command(
    month: str, as_json: bool, csv_file: Path | None, html_file: Path | None, lang: str
) -> int:
    """Read a scored month back: JSON, CSV, HTML, or the review and watch lists on the console."""
    report = run_report(load_settings(), month, lang, csv_file, html_file)
    if as_json:
        payload = {
            "month": report.month,
            "model_version": report.model_version,
            "results": report.results,
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return 0
    _print_flagged(report, wrote=[p for p in (csv_file, html_file) if p is not None])
    return 0


def _print_flagged(report: HrReport, wrote: list[Path]) -> None:
    """The review list (with its backtest sentence, or "nothing stands out"), then the
    watch list; names and ids come from the customer's export, so they are printed as text
    ('[link=...]' is not markup here)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = report.text
    console = Console()
    console.print(f"{t['title']} {report.month} ({t['model']} {report.model_version})")
    for title, teams, empty, sentence in (
        (t["review_title"], report.review_list(), t["review_none"], report.sentence()),
        (t["watch_title"], report.watch_list(), t["watch_none"], None),
    ):
        if not teams:
            console.print(f"[bold]{escape(title)}[/bold]: {escape(empty)}")
            continue
        table = Table(title=title)
        for key in ("rank", "team", "department", "risk", "lift", "band", "flags", "drivers"):
            table.add_column(t[key], justify="right" if key in ("rank", "risk", "lift") else "left")
        for result in teams:
            table.add_row(
                str(result.get("rank") or "–"),
                escape(f"{result.get('team_name') or ''} ({result['team_id']})"),
                escape(report.department(result)),
                f"{100 * float(result['risk']):.0f}%",
                report.lift(result),
                t[str(result["band"])],
                ", ".join(t.get(flag, flag) for flag in result["flags"]),
                escape("\n".join(d["text"] for d in result["drivers"][:2])),
            )
        console.print(table)
        if sentence:
            console.print(escape(sentence))
    flagged = sum(bool(r["flags"]) for r in report.results)
    console.print(f"{flagged} / {len(report.results)} {t['flagged']}")
    for path in wrote:
        console.print(f"→ {path}")
