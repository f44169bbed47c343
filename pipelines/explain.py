"""``erisk explain`` and ``erisk whatif``: one team's risk, reasons, flags and actions.

Both read the current snapshot's features of the month (and the month before, for
"up from ..."), load the chosen registered model once, and call the same scoring function
as the batch job and the HTTP service (``models.scoring``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import click
import pandas as pd

from features.calendar import shift_month
from models.review import INSUFFICIENT_HISTORY, MIN_HISTORY_MONTHS
from pipelines.errors import UserError
from pipelines.settings import Settings, load_settings

logger = logging.getLogger(__name__)

LANGS = ("ja", "en")
FLAG_NAMES = {
    "en": {"buffer": "buffer (relieve the load)", "recognition": "recognition (make effort seen)"},
    "ja": {"buffer": "バッファ（負荷の軽減）", "recognition": "承認（貢献の可視化）"},
}
PLACE_WORDS = {
    "en": {
        "lift": "Lift: {lift:.1f}× the risk of an average team",
        "scored": "Status: scored",
        INSUFFICIENT_HISTORY: (
            f"Status: under {MIN_HISTORY_MONTHS} months of history in the data: band low, "
            "no flag, no rank"
        ),
        "no_rank": "Rank: none (too little history)",
        "not_stored": "Rank: the month is not in the scores store (run `erisk score`)",
        "on_list": "Rank {rank} this month: on the review list",
        "off_list": "Rank {rank} this month: not on the review list",
    },
    "ja": {
        "lift": "平均比: 平均的なチームのリスクの{lift:.1f}倍",
        "scored": "状態: 評価済み",
        INSUFFICIENT_HISTORY: (
            f"状態: データ上の履歴が{MIN_HISTORY_MONTHS}か月未満のため、区分は低、"
            "フラグと順位はありません"
        ),
        "no_rank": "順位: なし（履歴不足）",
        "not_stored": "順位: この月はまだスコア保存されていません（erisk score を実行）",
        "on_list": "今月の順位 {rank}: 要確認リストに入っています",
        "off_list": "今月の順位 {rank}: 要確認リストには入っていません",
    },
}
FLAG_TAGS = {
    "en": {"buffer": "buffer", "recognition": "recognition"},
    "ja": {"buffer": "バッファ", "recognition": "承認"},
}


@dataclass(frozen=True)
class TeamMonth:
    """The feature rows of one team in a month and in the month before (if any)."""

    current: pd.DataFrame
    previous: pd.DataFrame | None


def team_month(settings: Settings, team: str, month: str) -> TeamMonth:
    """Feature rows for ``team`` in ``month`` (and M-1), or a clear refusal."""
    from pipelines.score import SnapshotData

    data = SnapshotData(settings)
    data.require_scorable(month)
    before = shift_month(month, -1)
    months = [before, month] if before in set(data.scorable_months()) else [month]
    rows = data.features(months)
    rows = rows[rows["team_id"].astype(str) == team]
    current = rows[rows["month"].astype(str) == month].reset_index(drop=True)
    if current.empty:
        raise UserError(f"team {team!r} has no data in {month}: check the team id")
    previous = rows[rows["month"].astype(str) == before].reset_index(drop=True)
    return TeamMonth(current, previous if len(previous) else None)


def run_explain(
    settings: Settings,
    team: str,
    month: str,
    lang: str = "en",
    alias: str | None = None,
    version: int | None = None,
) -> dict[str, object]:
    """The scored-team result for one team-month."""
    from models.scoring import score_team_months
    from pipelines.score import resolve_model

    rows = team_month(settings, team, month)
    model = resolve_model(settings, alias, version)
    result = score_team_months(model.bundle, rows.current, rows.previous, model.bands, lang)[0]  # type: ignore[arg-type]
    return {**result, **month_place(settings, team, month)}


def month_place(settings: Settings, team: str, month: str) -> dict[str, object]:
    """The team's ``rank`` and ``review`` in ``month`` when the month is in the scores store
    (a rank is a place among the month's teams, so one team alone has none)."""
    import sqlalchemy.exc

    from pipelines.scores_store import existing_store

    store = existing_store(settings)
    if store is None:
        return {}
    try:
        stored = store.team_result(month, team)
    except sqlalchemy.exc.OperationalError as unreachable:
        logger.warning("scores store not readable, no rank shown: %s", unreachable)
        return {}
    finally:
        store.dispose()
    if stored is None:
        return {}
    return {"rank": stored["rank"], "review": bool(stored["review"])}


def run_whatif(
    settings: Settings,
    team: str,
    month: str,
    assignments: list[str],
    lang: str = "en",
    alias: str | None = None,
    version: int | None = None,
) -> dict[str, object]:
    """Risk and reasons before and after changing actionable features."""
    from models.scoring import WhatIfRefused, check_changes, parse_changes, what_if
    from pipelines.score import resolve_model

    try:
        changes = parse_changes(assignments)
        check_changes(changes)
    except WhatIfRefused as refused:
        raise UserError(str(refused)) from refused
    rows = team_month(settings, team, month)
    model = resolve_model(settings, alias, version)
    try:
        result = what_if(model.bundle, rows.current, rows.previous, changes, model.bands, lang)  # type: ignore[arg-type]
    except WhatIfRefused as refused:
        raise UserError(str(refused)) from refused
    return {"team_id": team, "month": month, **result.as_dict()}


def _model_options(command: click.Command) -> click.Command:
    command = click.option(
        "--model-version", "version", type=int, default=None, help="A registered version."
    )(command)
    return click.option("--alias", default=None, help="Model alias (default: champion).")(command)


@click.command("explain")
@click.option("--team", required=True, help="Team id, e.g. T0042.")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--json", "as_json", is_flag=True, help="Print the scored-team JSON.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@_model_options
def explain_command(
    team: str, month: str, as_json: bool, lang: str, alias: str | None, version: int | None
) -> int:
    """One team's risk, the reasons behind it, its flags and the recommended actions."""
    result = run_explain(load_settings(), team, month, lang, alias, version)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_result(result, lang)
    return 0


@click.command("whatif")
@click.option("--team", required=True, help="Team id, e.g. T0042.")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FEATURE=VALUE",
    help="An actionable feature and its new value (repeatable; names in docs/features.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print before/after as JSON.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@_model_options
def whatif_command(
    team: str,
    month: str,
    assignments: tuple[str, ...],
    as_json: bool,
    lang: str,
    alias: str | None,
    version: int | None,
) -> int:
    """Risk and reasons of a team after changing actionable features (a what-if)."""
    result = run_whatif(load_settings(), team, month, list(assignments), lang, alias, version)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.markup import escape

    before, after = result["before"], result["after"]
    changes = ", ".join(f"{k} = {v:g}" for k, v in result["changes"].items())  # type: ignore[union-attr]
    Console().print(
        f"[bold]{escape(f'{team} {month}')}[/bold]: {changes}\n"
        f"risk {_percent(before['risk'])} ({before['band']}) → "  # type: ignore[index]
        f"{_percent(after['risk'])} ({after['band']})"  # type: ignore[index]
    )
    _print_result(after, lang)  # type: ignore[arg-type]
    return 0


def _place(result: dict[str, object], words: dict[str, str]) -> str:
    """The team's rank and whether it is on the month's review list, in words."""
    if result.get("status") == INSUFFICIENT_HISTORY:
        return words["no_rank"]
    if result.get("rank") is None:
        return words["not_stored"]
    key = "on_list" if result.get("review") else "off_list"
    return words[key].format(rank=result["rank"])


def _percent(value: object) -> str:
    return f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]


def _print_result(result: dict[str, object], lang: str) -> None:
    """A readable panel: the band is spelled out, never carried by colour alone."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    flag_names = FLAG_NAMES[lang]
    words = PLACE_WORDS[lang]
    headings = {
        "en": ("Risk", "Reasons", "Flags", "Actions", "none"),
        "ja": ("リスク", "理由", "フラグ", "推奨アクション", "なし"),
    }[lang]
    name = result.get("team_name") or result["team_id"]
    lines = [
        escape(f"{headings[0]}: {_percent(result['risk'])}  [{str(result['band']).upper()}]"),
        escape(words["lift"].format(lift=float(result["lift"]))),  # type: ignore[arg-type]
        escape(words[str(result.get("status") or "scored")]),
        escape(_place(result, words)),
        f"{headings[2]}: {', '.join(flag_names[f] for f in result['flags']) or headings[4]}",  # type: ignore[union-attr]
        f"\n{headings[1]}:",
    ]
    for driver in result["drivers"]:  # type: ignore[union-attr]
        lines.append(f"  {driver['contribution']:+.3f}  {escape(str(driver['text']))}")
    lines.append(f"\n{headings[3]}:")
    for action in result["actions"] or []:  # type: ignore[union-attr]
        kind = FLAG_TAGS[lang][str(action["intervention"])]
        lines.append(escape(f"  [{kind}] {action['title']}"))
    if not result["actions"]:
        lines.append(f"  {headings[4]}")
    title = escape(f"{name} ({result['team_id']}, {result['department']}) {result['month']}")
    Console().print(Panel("\n".join(lines), title=title, expand=False))
