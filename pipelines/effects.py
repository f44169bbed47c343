"""``erisk effects``: what HR's recorded interventions did, next to similar teams (issue 20).

The wiring around :mod:`models.effects`: the team-month panel is the current snapshot's
feature table joined with each scored month's band, flags and risk from the scores
database; the interventions are the recorded rows that nothing withdrew (cancelling rows and
the rows they cancel are both left out). The same :func:`measure` feeds the command, the
API's ``GET /v1/effects``, the "What helped" page and the benchmark.

Privacy: in a month where a team has fewer than 5 members every outcome but the risk is
left out of the panel (a per-member figure of such a team is never shown, nor derived as an
effect), and survey figures are already missing where fewer than 5 answered.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from models.effects import (
    OUTCOMES,
    POST_MONTHS,
    Intervention,
    TeamEffect,
    describe,
    summarise,
    team_effects,
)
from pipelines.build_features import TABLE_FILE
from pipelines.errors import UserError
from pipelines.scores_store import ScoresStore, StoredIntervention, existing_store
from pipelines.settings import Settings, load_settings
from pipelines.snapshots import SnapshotStore

MIN_MEMBERS = 5  # below this, no per-member or survey figure of a team (privacy rule)
MEASURED: tuple[str, ...] = ("engagement", "overtime", "leave_uptake", "exits", "risk")


@dataclass(frozen=True)
class EffectsReport:
    """What ``erisk effects --json`` and ``GET /v1/effects`` return."""

    effects: list[dict[str, Any]]  # per type (action_id None) and per action, per outcome
    teams: list[TeamEffect]  # each measured intervention's own effect
    waiting: list[StoredIntervention]  # recorded, but fewer than 6 scored months after it
    last_month: str | None  # the last scored month the panel holds

    def as_json(self) -> dict[str, Any]:
        return {
            "effects": self.effects,
            "teams": [team_row(effect) for effect in self.teams],
            "waiting": [row.intervention_id for row in self.waiting],
            "last_month": self.last_month,
            "post_months": POST_MONTHS,
        }


def team_row(effect: TeamEffect) -> dict[str, Any]:
    """One intervention's effect on one outcome, with its sentence."""
    return {
        "intervention_id": effect.intervention_id,
        "team_id": effect.team_id,
        "month": effect.month,
        "intervention": effect.intervention,
        "action_id": effect.action_id,
        "outcome": effect.outcome,
        "estimate": round(effect.estimate, 4),
        "comparisons": effect.comparisons,
        "sentence": sentence(effect),
    }


def panel_of(features: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The estimator's team-month panel: features of the scored team-months with their band,
    flags (sorted, comma-joined) and risk; outcomes of small teams blanked (privacy)."""
    table = features.astype({"team_id": str, "month": str})
    scored = scores.astype({"team_id": str, "month": str})[
        ["team_id", "month", "risk", "band", "flags"]
    ].copy()
    scored["flags"] = [
        ",".join(sorted(f for f in str(value or "").split(",") if f)) for value in scored["flags"]
    ]
    panel = table.drop(columns=["risk", "band", "flags"], errors="ignore").merge(
        scored, on=["team_id", "month"], how="inner"
    )
    if "headcount" in panel.columns:
        small = pd.to_numeric(panel["headcount"], errors="coerce").fillna(0) < MIN_MEMBERS
        blank = [OUTCOMES[o] for o in MEASURED if o != "risk" and OUTCOMES[o] in panel.columns]
        panel.loc[small, blank] = float("nan")
    return panel


def live(rows: Sequence[StoredIntervention]) -> list[StoredIntervention]:
    """The recorded interventions that stand: neither withdrawn nor a withdrawal."""
    return [row for row in rows if not row.cancelled and row.cancels is None]


def to_intervention(row: StoredIntervention) -> Intervention:
    return Intervention(
        intervention_id=row.intervention_id,
        team_id=str(row.team_id),
        month=row.start_date.strftime("%Y-%m"),
        intervention=row.intervention,
        action_id=row.action_id,
    )


def read_features(settings: Settings) -> pd.DataFrame:
    """The current snapshot's feature table (``erisk features`` writes it)."""
    snapshot = SnapshotStore(settings.snapshots_dir).require_current()
    path = settings.features_dir / snapshot / TABLE_FILE
    if not path.exists():
        raise UserError(f"no feature table for snapshot {snapshot}: run `erisk features --all`")
    return pd.read_parquet(path)


def measure(
    settings: Settings,
    store: ScoresStore,
    departments: Collection[str] | None = None,
    outcomes: Sequence[str] = MEASURED,
    team_id: str | None = None,
) -> EffectsReport:
    """The effects of the standing interventions of ``departments`` (None: all; of one team
    when ``team_id`` is given, for its page), each against comparison teams of the whole
    organisation."""
    # every recorded intervention shapes the comparison sets (a team helped is no
    # comparison while its help acts), whichever department may read the result
    standing = live(store.list_interventions(None))
    rows = [
        row
        for row in standing
        if (departments is None or row.department in departments)
        and (team_id is None or row.team_id == team_id)
    ]
    months = store.months()
    if not rows or not months:
        return EffectsReport([], [], rows, months[-1] if months else None)
    panel = panel_of(read_features(settings), store.month_rows(months))
    measured = [to_intervention(row) for row in rows]
    everyone = [to_intervention(row) for row in standing]
    effects = team_effects(panel, measured, outcomes, everyone)
    done = {effect.intervention_id for effect in effects}
    waiting = [row for row in rows if row.intervention_id not in done]
    return EffectsReport(summarise(effects), effects, waiting, months[-1])


EFFECTS_EXPERIMENT = "engagement-risk-effects"


def log_effects(settings: Settings, report: EffectsReport, department: str | None) -> str:
    """One MLflow run in the ``engagement-risk-effects`` experiment: per type and action and
    outcome the estimate, its interval and count as metrics (``buffer.all.engagement.
    estimate``), the status as a tag, the whole JSON as an artifact; returns the run id."""
    import mlflow

    from models.registry import ensure_experiment

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    experiment = ensure_experiment(settings.mlflow_tracking_uri, EFFECTS_EXPERIMENT)
    with mlflow.start_run(experiment_id=experiment, run_name=f"effects {report.last_month}") as run:
        mlflow.log_params(
            {
                "last_month": report.last_month,
                "department": department or "all",
                "measured": len({e.intervention_id for e in report.teams}),
                "waiting": len(report.waiting),
            }
        )
        for row in report.effects:
            key = f"{row['intervention']}.{row['action_id'] or 'all'}.{row['outcome']}"
            mlflow.set_tag(f"{key}.status", str(row["status"]))
            mlflow.log_metric(f"{key}.n", float(row["n"]))
            if row["estimate"] is not None and row["ci90"] is not None:
                mlflow.log_metric(f"{key}.estimate", float(row["estimate"]))
                mlflow.log_metric(f"{key}.ci90_low", float(row["ci90"][0]))
                mlflow.log_metric(f"{key}.ci90_high", float(row["ci90"][1]))
        mlflow.log_dict(report.as_json(), "effects.json")
        return str(run.info.run_id)


@click.command("effects")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--department", default=None, help="Only the interventions of this department.")
@click.option("--log", "log_run", is_flag=True, help="Also log the effects as an MLflow run.")
def effects_command(as_json: bool, department: str | None, log_run: bool) -> int:
    """What the recorded interventions did: per type and action, against similar teams."""
    settings = load_settings()
    store = existing_store(settings)
    if store is None:
        raise UserError("no scores database yet: run `erisk score` first")
    try:
        report = measure(settings, store, None if department is None else [department])
    finally:
        store.dispose()
    if log_run:
        run_id = log_effects(settings, report, department)
        click.echo(f"logged to MLflow: experiment {EFFECTS_EXPERIMENT}, run {run_id}", err=True)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return 0
    print_report(report)
    return 0


def print_report(report: EffectsReport) -> None:
    """The effects as a table a person reads (no markup read from stored text)."""
    console = Console()
    if not report.effects:
        console.print(
            "No intervention has 6 scored months after its start yet "
            f"({len(report.waiting)} recorded and waiting).",
            markup=False,
        )
        return
    table = Table(title=f"What helped (scored months up to {report.last_month})")
    for name in ("type", "action", "outcome", "effect", "90% interval", "n", "status"):
        table.add_column(name)
    for row in report.effects:
        ci = row["ci90"]
        table.add_row(
            str(row["intervention"]),
            str(row["action_id"] or "(all)"),
            f"{row['outcome']} ({row['unit']})",
            "" if row["estimate"] is None else f"{row['estimate']:+.2f}",
            "" if ci is None else f"{ci[0]:+.2f} .. {ci[1]:+.2f}",
            str(row["n"]),
            verdict(row),
        )
    console.print(table)


VERDICTS: dict[str, dict[str, str]] = {
    "en": {
        "too_few": "too few to tell yet",
        "confounded": "confounded (teams already moved apart before)",
        "no_clear_effect": "no clear effect",
        "estimated": "estimated",
    },
    "ja": {
        "too_few": "件数が少なく、まだ判断できません",
        "confounded": "比較できません（開始前から差が開いていました）",
        "no_clear_effect": "はっきりした効果はありません",
        "estimated": "推定値あり",
    },
}


def verdict_key(row: dict[str, Any]) -> str:
    """Which verdict a summary row gets: too few, confounded, no clear effect (its 90 %
    interval spans zero) or estimated; the words are ``VERDICTS``."""
    if row["status"] == "too_few":
        return "too_few"
    if row["status"] == "confounded":
        return "confounded"
    ci = row["ci90"]
    if ci is not None and ci[0] <= 0.0 <= ci[1]:
        return "no_clear_effect"
    return "estimated"


def verdict(row: dict[str, Any], lang: str = "en") -> str:
    """A summary row's status in words: too few, confounded, no clear effect, or estimated."""
    return VERDICTS["ja" if lang == "ja" else "en"][verdict_key(row)]


OUTCOME_WORDS_JA = {
    "engagement": "エンゲージメント",
    "overtime": "一人あたり残業時間",
    "leave_uptake": "休暇取得ペース",
    "exits": "自己都合退職",
    "risk": "リスク",
}
UNIT_WORDS_JA = {
    "engagement": "ポイント",
    "overtime": "時間/月",
    "leave_uptake": "（ペース比）",
    "exits": "人（3か月）",
    "risk": "パーセントポイント",
}
KIND_WORDS_JA = {"buffer": "業務負荷の緩和", "recognition": "承認・評価"}


def sentence(effect: TeamEffect, lang: str = "en") -> str:
    """One team's effect in words, in English (:func:`models.effects.describe`) or
    Japanese (the same facts). The risk is a probability: its change is said in percentage
    points (0.01 is 1 point), not as the raw difference ``describe`` would print."""
    size = abs(effect.estimate) * (100 if effect.outcome == "risk" else 1)
    if lang != "ja":
        if effect.outcome != "risk":
            return describe(effect)
        direction = "rose" if effect.estimate > 0 else "fell"
        return (
            f"after the {effect.intervention} started in {effect.month}, risk {direction} "
            f"{size:.1f} percentage points against {effect.comparisons} similar teams"
        )
    direction = "上昇" if effect.estimate > 0 else "低下"
    kind = KIND_WORDS_JA.get(effect.intervention, effect.intervention)
    digits = 1 if effect.outcome == "risk" else 2
    return (
        f"{effect.month}に{kind}を始めた後、{OUTCOME_WORDS_JA[effect.outcome]}は"
        f"似たチーム{effect.comparisons}件と比べて{size:.{digits}f}"
        f"{UNIT_WORDS_JA[effect.outcome]}{direction}しました"
    )
