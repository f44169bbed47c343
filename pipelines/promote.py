"""``erisk promote``: the challenger becomes champion only if it is at least as good.

Fair comparison: the champion's recorded recipe (parameters, seed, features) is refitted on
the challenger's backtest folds and data, so both are judged on the same out-of-fold rows.
The gate's rules live in :mod:`models.promotion`. ``--force --reason TEXT`` overrides a
refusal and records the reason on the version; the first model becomes champion directly.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from models.backtest import BacktestConfig, make_folds
from models.dataset import KEY_COLUMNS, restrict_schema, schema_from_table
from models.evaluation import backtest_choice, prepare_training_data
from models.metrics import brier, roc_auc
from models.prior import load_prior
from models.promotion import (
    DepartmentScore,
    GateEvidence,
    RuleOutcome,
    evaluate_gate,
    failed_rules,
)
from models.recipes import LOCAL
from models.train import BoosterParams
from pipelines.errors import UserError
from pipelines.settings import Settings, load_settings
from pipelines.train_logging import CONFIG_FILE, OOF_FILE, TABLE_FILE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromoteResult:
    """What happened: the champion's version afterwards and why."""

    champion_version: str
    previous_version: str | None
    decision: str
    outcomes: tuple[RuleOutcome, ...] = ()


def run_promote(
    settings: Settings, force: bool = False, reason: str | None = None
) -> PromoteResult:
    """Gate the current challenger into champion; raise ``UserError`` naming a failed rule."""
    from models.registry import (
        CHALLENGER,
        CHAMPION,
        configure_tracking,
        make_champion,
        version_by_alias,
    )

    if force and not (reason and reason.strip()):
        raise UserError("--force needs --reason TEXT: the reason is recorded on the version")
    configure_tracking(settings.mlflow_tracking_uri)
    name = settings.model_name
    challenger = version_by_alias(name, CHALLENGER)
    if challenger is None:
        raise UserError(f"no {CHALLENGER} version of {name!r}: run `erisk train` first")
    champion = version_by_alias(name, CHAMPION)
    if champion is None:
        make_champion(name, challenger.version, {"promotion": "first model: no champion yet"})
        return PromoteResult(str(challenger.version), None, "first champion")
    if champion.version == challenger.version:
        return PromoteResult(str(champion.version), str(champion.version), "already champion")

    outcomes = tuple(compare_with_champion(_run_id(challenger), _run_id(champion)))
    failed = failed_rules(outcomes)
    gate_tags = {
        f"gate.{o.rule}": f"{'pass' if o.passed else 'fail'}: {o.detail}" for o in outcomes
    }
    gate_tags["gate.compared_with_version"] = str(champion.version)
    if failed and not force:
        lines = [f"rule {o.rule} failed: {o.detail}" for o in failed]
        raise UserError(
            f"version {challenger.version} not promoted over champion {champion.version}:\n"
            + "\n".join(lines)
            + "\n(--force --reason TEXT overrides)"
        )
    if failed:
        decision = "forced"
        gate_tags["promotion"] = "forced"
        gate_tags["forced_reason"] = str(reason)
    else:
        decision = "gate passed"
        gate_tags["promotion"] = "gate passed"
        if force:
            gate_tags["forced_reason"] = str(reason)
    make_champion(name, challenger.version, gate_tags)
    return PromoteResult(str(challenger.version), str(champion.version), decision, outcomes)


def compare_with_champion(challenger_run: str, champion_run: str) -> list[RuleOutcome]:
    """Refit the champion's recipe on the challenger's folds and apply the gate."""
    table = pd.read_parquet(_download(challenger_run, TABLE_FILE))
    challenger_config = _read_json(_download(challenger_run, CONFIG_FILE))
    champion_config = _read_json(_download(champion_run, CONFIG_FILE))
    challenger_oof = pd.read_parquet(_download(challenger_run, OOF_FILE))

    local_names = [n for n in champion_config["features"]["names"] if n in table.columns]
    schema = restrict_schema(schema_from_table(table), local_names)
    # a champion trained before recipes were compared used the local booster alone
    compared = "recipe" in champion_config
    data = prepare_training_data(table, schema, prior=load_prior() if compared else None)
    folds = make_folds(data.months, BacktestConfig(**challenger_config["backtest"]))
    horizon = int(champion_config.get("label", {}).get("horizon", 3))
    try:
        champion_oof, _, _, _ = backtest_choice(
            data,
            folds,
            BoosterParams.from_dict(champion_config["params"]),
            champion_config["seed"],
            horizon,
            int(champion_config.get("tune_trials") or 0) if compared else 0,
            None if compared else (LOCAL,),
        )
    except ValueError as short:
        raise UserError(str(short)) from short
    keys = list(KEY_COLUMNS)
    paired = challenger_oof[[*keys, "label", "p_model"]].merge(
        champion_oof[[*keys, "p_model"]].rename(columns={"p_model": "p_champion"}),
        on=keys,
        validate="one_to_one",
    )
    if len(paired) != len(challenger_oof):
        raise UserError("the champion's refit does not cover the challenger's backtest rows")
    paired = paired.merge(data.rows[[*keys, "department"]], on=keys, how="left")
    return evaluate_gate(_evidence(paired, "p_model"), _evidence(paired, "p_champion"))


def _evidence(paired: pd.DataFrame, column: str) -> GateEvidence:
    label = paired["label"].to_numpy(dtype=np.float64)
    prob = paired[column].to_numpy(dtype=np.float64)
    departments: dict[str, DepartmentScore] = {}
    for department, part in paired.groupby(paired["department"].astype(object).fillna("unknown")):
        y = part["label"].to_numpy(dtype=np.float64)
        departments[str(department)] = DepartmentScore(
            roc_auc(y, part[column].to_numpy(dtype=np.float64)),
            int(y.sum()),
            int(len(y) - y.sum()),
        )
    return GateEvidence(roc_auc(label, prob), brier(label, prob), departments)


def _run_id(version: Any) -> str:
    run_id = version.run_id or (version.tags or {}).get("run_id")
    if not run_id:
        raise UserError(f"version {version.version} has no training run to compare with")
    return str(run_id)


def _download(run_id: str, artifact: str) -> Path:
    import mlflow

    try:
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=artifact))
    except Exception as missing:  # MLflow raises several types for a missing artifact
        raise UserError(f"run {run_id} has no artifact {artifact}: {missing}") from missing


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@click.command("promote")
@click.option("--force", is_flag=True, help="promote even if the gate refuses (needs --reason)")
@click.option("--reason", type=str, default=None, help="why the gate is overridden (recorded)")
def promote_command(force: bool, reason: str | None) -> int:
    """Make the challenger the champion if it is at least as good, compared fairly."""
    result = run_promote(load_settings(), force, reason)
    for outcome in result.outcomes:
        click.echo(f"{'pass' if outcome.passed else 'FAIL'} {outcome.rule}: {outcome.detail}")
    previous = f" (was {result.previous_version})" if result.previous_version else ""
    click.echo(f"champion: version {result.champion_version}{previous} — {result.decision}")
    return 0
