"""``erisk prior build``: rebuild the shipped prior model from generated worlds.

The prior (:mod:`models.prior`) is a LightGBM model learnt once from several large worlds of
the synthetic generator, whose marginals follow ``shared/world-parameters.md``, so that a
back office with too little history of its own still gets a model that knows the published
patterns. Each world is generated in memory exactly as ``erisk generate`` writes it, built
into the team-month table with its labels (label v2), and the worlds are pooled (team ids
prefixed by the world). The model is fitted with the shipped recipe (the latest months as
holdout, the one calibration procedure) and then checked on one more world that it never
saw. Its folder holds the booster, calibration, features, the build facts (seeds, command,
versions, figures) and a model card. The same configuration gives byte-identical files.

The seeds are the prior's own: no benchmark reports on them (benchmarks use 1-13, 42 and
the flags' 7-12; the observable ceiling's reference worlds 900,000 and up).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
import pandas as pd

from features.build import FEATURES_VERSION, build_team_months
from features.labels import LabelConfig
from models.backtest import BacktestConfig
from models.evaluation import fit_final_model, prepare_training_data
from models.metrics import expected_calibration_error, roc_auc
from models.prior import (
    BOOSTER_FILE,
    BUILD_FILE,
    CALIBRATION_FILE,
    CARD_FILE,
    FEATURES_FILE,
    PRIOR_DIR,
)
from models.recipes import LOCAL
from models.train import BoosterParams
from pipelines.errors import UserError
from synthetic.build import RandomStreams, build_world
from synthetic.parameters import WORLD_VERSION
from synthetic.records import as_tables, world_tables
from synthetic.scenarios import build_scenario

logger = logging.getLogger(__name__)

FIT_SEED = 20240401


@dataclass(frozen=True)
class PriorConfig:
    """Which worlds the prior learns from and which one checks it (defaults: 4 x 300 teams)."""

    scenario: str = "eval"
    teams: int = 300
    months: int = 36
    seeds: tuple[int, ...] = (7001, 7002, 7003, 7004)
    check_seed: int = 7101

    def as_dict(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["seeds"] = list(self.seeds)
        return payload


@dataclass(frozen=True)
class PriorBuild:
    """What a build wrote and measured."""

    folder: Path
    config: PriorConfig
    figures: dict[str, float]
    seconds: float
    files: list[str] = field(default_factory=list)


def world_table(scenario: str, teams: int, months: int, seed: int) -> pd.DataFrame:
    """The labelled team-month table of one generated world, team ids prefixed by its seed."""
    spec = build_scenario(scenario, teams, months)
    streams = RandomStreams.from_seed(seed)
    world = build_world(spec, streams, keep_states=False)
    table = build_team_months(as_tables(world_tables(world, streams)))
    table["team_id"] = f"w{seed}-" + table["team_id"].astype(str)
    return table


def run_prior_build(out: Path = PRIOR_DIR, config: PriorConfig = PriorConfig()) -> PriorBuild:
    """Build the prior into ``out`` (replaced whole: written to a side folder, then moved)."""
    started = time.perf_counter()
    if not config.seeds:
        raise UserError("the prior needs at least one world seed")
    if config.check_seed in config.seeds:
        raise UserError("the check world's seed must not be one the prior learns from")
    tables = []
    for seed in config.seeds:
        logger.info("prior: world %d", seed)
        tables.append(world_table(config.scenario, config.teams, config.months, seed))
    pooled = pd.concat(tables, ignore_index=True)
    try:
        data = prepare_training_data(pooled)
        model, split, params, _ = fit_final_model(
            data, BacktestConfig(), BoosterParams(), FIT_SEED, recipe=LOCAL
        )
    except ValueError as short:
        raise UserError(f"cannot build the prior from these worlds: {short}") from short
    check = prepare_training_data(
        world_table(config.scenario, config.teams, config.months, config.check_seed), data.schema
    )
    risk = model.predict_proba(check.matrix)
    figures = {
        "training_rows": float(len(data.rows)),
        "training_events": float(data.label.sum()),
        "training_event_rate": float(data.label.mean()),
        "rounds": float(model.best_iteration),
        "check_rows": float(len(check.rows)),
        "check_event_rate": float(check.label.mean()),
        "check_roc_auc": roc_auc(check.label, risk),
        "check_ece": expected_calibration_error(check.label, risk),
        "check_mean_risk": float(risk.mean()),
    }
    figures = {k: round(v, 6) for k, v in figures.items()}
    side = out.with_name(out.name + ".partial")
    shutil.rmtree(side, ignore_errors=True)
    side.mkdir(parents=True)
    model.booster.save_model(str(side / BOOSTER_FILE))
    _write_json(side / CALIBRATION_FILE, model.calibration.as_dict())
    _write_json(side / FEATURES_FILE, model.schema.as_dict())
    facts = {
        "command": "erisk prior build" + _command_options(config),
        "config": config.as_dict(),
        "world_version": WORLD_VERSION,
        "features_version": FEATURES_VERSION,
        "label_config_hash": LabelConfig().config_hash(),
        "fit_seed": FIT_SEED,
        "params": params.as_dict(),
        "fit_months": [split.fit_months[0], split.fit_months[-1]],
        "holdout_months": [split.holdout_months[0], split.holdout_months[-1]],
        "figures": figures,
    }
    _write_json(side / BUILD_FILE, facts)
    (side / CARD_FILE).write_text(render_prior_card(facts), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(side, out)
    return PriorBuild(
        out, config, figures, time.perf_counter() - started, sorted(p.name for p in out.iterdir())
    )


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _command_options(config: PriorConfig) -> str:
    default = PriorConfig()
    parts = []
    if config.scenario != default.scenario:
        parts.append(f" --scenario {config.scenario}")
    if config.teams != default.teams:
        parts.append(f" --teams {config.teams}")
    if config.months != default.months:
        parts.append(f" --months {config.months}")
    if config.seeds != default.seeds:
        parts.append(" --seeds " + ",".join(str(s) for s in config.seeds))
    if config.check_seed != default.check_seed:
        parts.append(f" --check-seed {config.check_seed}")
    return "".join(parts)


def render_prior_card(facts: dict[str, Any]) -> str:
    """The prior's own model card: which worlds, which figures, what it cannot know."""
    config, figures = facts["config"], facts["figures"]
    seeds = ", ".join(str(s) for s in config["seeds"])
    return "\n".join(
        [
            "# Model card: the engagement-risk prior",
            "",
            "## What it is",
            "A LightGBM model of label v2 (an engagement decline against the team's own year,",
            "or voluntary exits unusual for the organisation), learnt once from generated back",
            "offices and shipped with the package. `erisk train` tries it for every customer,",
            "with its level re-anchored to the customer's own event rate or continued on the",
            "customer's data, and keeps it only where the customer's own backtest says it helps.",
            "",
            "## Built from",
            f"- {len(config['seeds'])} worlds of the `{config['scenario']}` scenario, "
            f"{config['teams']} teams and {config['months']} months each (seeds {seeds}; world "
            f"version {facts['world_version']}); the generator's marginals follow the "
            "published figures of `shared/world-parameters.md` (MHLW surveys on leave, "
            "overtime and separations, the JILPT UWES means, the 5-respondent reporting "
            "floor).",
            f"- {int(figures['training_rows']):,} labelled team-months, "
            f"{int(figures['training_events']):,} events "
            f"(rate {figures['training_event_rate']:.3f}); {int(figures['rounds'])} rounds; "
            f"fit months {facts['fit_months'][0]}..{facts['fit_months'][1]}, holdout "
            f"{facts['holdout_months'][0]}..{facts['holdout_months'][1]}.",
            f"- Rebuilt by `{facts['command']}` (deterministic: the same command gives the same "
            "files); features version "
            f"{facts['features_version']}, label settings hash `{facts['label_config_hash']}`.",
            "",
            "## Checked on a world it never saw",
            f"Seed {config['check_seed']}: {int(figures['check_rows']):,} labelled team-months, "
            f"event rate {figures['check_event_rate']:.3f}; ROC AUC "
            f"{figures['check_roc_auc']:.3f}, ECE {figures['check_ece']:.4f}, mean risk "
            f"{figures['check_mean_risk']:.3f}.",
            "",
            "## What it cannot know about a real company",
            "- Everything it knows comes from a simulation: how strongly workload, leave and",
            "  recognition move engagement and exits there is a design choice fitted to",
            "  published averages, not measured in any company.",
            "- A real company's survey cadence, response rates, units of volume, departments",
            "  and exit habits differ; its level is therefore always re-anchored to the",
            "  customer's own event rate, and the customer's backtest decides whether it is used.",
            "- Department names other than the five generated ones are unknown to it.",
            "- It describes teams, not people, and associations, not causes.",
            "",
        ]
    )


@click.group("prior")
def prior_command() -> None:
    """The shipped prior model for small back offices."""


@prior_command.command("build")
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default=PRIOR_DIR, show_default=True
)
@click.option("--scenario", default=PriorConfig.scenario, show_default=True)
@click.option("--teams", type=int, default=PriorConfig.teams, show_default=True)
@click.option("--months", type=int, default=PriorConfig.months, show_default=True)
@click.option("--seeds", default=",".join(map(str, PriorConfig.seeds)), show_default=True)
@click.option("--check-seed", type=int, default=PriorConfig.check_seed, show_default=True)
def build_command(
    out: Path, scenario: str, teams: int, months: int, seeds: str, check_seed: int
) -> int:
    """Rebuild the prior from generated worlds (records its seeds and command in OUT)."""
    try:
        seed_list = tuple(int(s) for s in seeds.split(",") if s.strip())
        config = PriorConfig(scenario, teams, months, seed_list, check_seed)
        build_scenario(scenario, teams, months)
    except ValueError as bad:
        raise UserError(f"--seeds, --scenario, --teams or --months: {bad}") from bad
    result = run_prior_build(out, config)
    f = result.figures
    click.echo(
        f"prior written to {result.folder} in {result.seconds:.0f} s: "
        f"{int(f['training_rows']):,} team-months, {int(f['training_events']):,} events; "
        f"check world AUC {f['check_roc_auc']:.3f}, ECE {f['check_ece']:.4f}"
    )
    return 0
