"""How close team-level data get to the oracle ceiling, even given the world's hidden team state.

The ceiling is the AUC of the generator's ``p_true``, which knows every person's latent
state. The project's own recipe (``make_folds``, ``backtest_model``, default ``BoosterParams``,
the seed of ``erisk train``) is backtested on the shipped features, then with *oracle* columns
rebuilt from the world's seed added: the campaign and recognition-deficit state, and team
means of the person state (latent engagement, transient, trait ``mu``, strain). What they
cannot close is person-level information a team-month row cannot hold.

What the shipped features carry at all (the *observable ceiling*, a regressor of
``logit(p_true)`` on them) is reported by every ``erisk train --truth`` run since label v2;
this benchmark asks what the world's hidden *team* state would add on top.

    .venv/bin/python benchmarks/train.py --scenario eval    # once: prepares the world
    .venv/bin/python benchmarks/ceiling_gap.py [--workdir DIR] [--seeds N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORKDIR = Path("/tmp/erisk-bench-train-eval")
KEYS = ["team_id", "month"]
ORACLE_MEANING: dict[str, str] = {
    "o_campaign_left": "campaign months still to run at M's end (0 = none)",
    "o_campaign_age": "months since the campaign was announced",
    "o_deficit_left": "recognition-deficit months still to run",
    "o_deficit_depth": "depth of the running recognition deficit (0 when none)",
    "o_recognition_gap": "team's baseline recognition climate minus the current one",
    "o_latent_engagement": "mean latent engagement of the active members",
    "o_transient": "mean transient (AR(1)) engagement deviation of the active members",
    "o_trait_mu": "mean engagement set point (trait mu) of the active members",
    "o_strain": "mean smoothed job-demand strain of the active members",
}
TEAM_STATE = tuple(list(ORACLE_MEANING)[:5])
PERSON_MEANS = tuple(list(ORACLE_MEANING)[5:])
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "shipped": (),
    "+ campaign & deficit state": TEAM_STATE,
    "+ team means of person state": PERSON_MEANS,
    "+ all oracle columns": TEAM_STATE + PERSON_MEANS,
}


def fail(message: str) -> int:
    """Print why the run cannot go on; exit code 2 marks a setup problem, not a result."""
    print(f"ceiling_gap: {message}", file=sys.stderr)
    return 2


def oracle_columns(facts: dict[str, Any], export: Path) -> pd.DataFrame:
    """Per (team_id, month) hidden state of the world rebuilt from its seed.

    States are those at the end of month M, the point the truth's futures start from.
    Raises ``ValueError`` when the rebuilt world is not the exported one.
    """
    from synthetic.build import RandomStreams, build_world
    from synthetic.scenarios import build_scenario

    spec = build_scenario(facts["scenario"], facts["teams"], facts["months"])
    world = build_world(spec, RandomStreams.from_seed(int(facts["seed"])), keep_states=True)
    team_ids = pd.read_parquet(export / "teams.parquet", columns=["team_id"])["team_id"]
    employees = len(pd.read_parquet(export / "employees.parquet", columns=["employee_id"]))
    if sorted(team_ids.astype(str)) != sorted(world.teams.team_ids.astype(str)):
        raise ValueError("the rebuilt world's team ids differ from the export's")
    if employees != len(world.hire_day):
        raise ValueError(f"rebuilt {len(world.hire_day)} employees, the export has {employees}")

    n_teams, trait = world.teams.count, world.people.mu.mean(axis=1)
    frames = []
    for month, people, teams in zip(
        world.calendar.months, world.person_states, world.team_states, strict=True
    ):
        active = people.active[0]
        team = people.team[0][active]
        size = np.maximum(np.bincount(team, minlength=n_teams), 1)  # 0 for an empty team
        person = {
            "o_latent_engagement": people.engagement[0],
            "o_transient": people.transient[:, 0].mean(axis=0),
            "o_trait_mu": trait,
            "o_strain": people.strain[0],
        }
        frames.append(
            pd.DataFrame(
                {
                    "team_id": world.teams.team_ids.astype(str),
                    "month": str(month),
                    "o_campaign_left": teams.campaign_left[0],
                    "o_campaign_age": teams.campaign_age[0],
                    "o_deficit_left": teams.deficit_left[0],
                    "o_deficit_depth": teams.deficit_depth[0] * (teams.deficit_left[0] > 0),
                    "o_recognition_gap": world.teams.recognition_base - teams.recognition[0],
                    **{k: np.bincount(team, v[active], n_teams) / size for k, v in person.items()},
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def oracle_specs(names: tuple[str, ...]) -> list[Any]:
    """Catalogue entries for oracle columns: direction 0, so no monotone constraint."""
    from features.catalogue import FeatureSpec

    return [
        FeatureSpec(
            name=name,
            meaning=meaning,
            meaning_ja=meaning,
            unit="",
            source="world",
            window="M",
            actionable=False,
            family="context",
            per_member=False,
            survey_derived=False,
            direction=0,
        )
        for name, meaning in ORACLE_MEANING.items()
        if name in names
    ]


def backtest(table: pd.DataFrame, extra: tuple[str, ...], seed: int) -> pd.DataFrame:
    """Out-of-fold predictions of the project's recipe; the shipped set takes run_train's path."""
    from features.catalogue import FEATURES
    from models.backtest import make_folds
    from models.dataset import labelled_rows, schema_from_table
    from models.evaluation import backtest_model, prepare_training_data
    from models.train import BoosterParams

    schema = None
    if extra:
        schema = schema_from_table(labelled_rows(table), specs=[*FEATURES, *oracle_specs(extra)])
    data = prepare_training_data(table, schema)
    oof, _ = backtest_model(data, make_folds(data.months), BoosterParams(), seed)
    return oof


def label_parts(tables: Any, oof: pd.DataFrame) -> dict[str, float]:
    """Share of the out-of-fold positives fired by the survey drop, by exits, or by both."""
    from features.labels import label_team_months

    parts = label_team_months(tables)[["team_id", "month", "label_survey", "label_exits"]]
    parts = parts.astype({"team_id": str, "month": str})
    positives = oof[oof["label"] == 1].merge(parts, on=KEYS, how="left")
    survey = positives["label_survey"].fillna(0).to_numpy(int) == 1
    exits = positives["label_exits"].fillna(0).to_numpy(int) == 1
    return {
        "survey_only": float((survey & ~exits).mean()),
        "exits_only": float((exits & ~survey).mean()),
        "both": float((survey & exits).mean()),
    }


def run_sets(
    table: pd.DataFrame, with_oracle: pd.DataFrame, truth: pd.DataFrame, seeds: range
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Pooled out-of-fold AUC of every feature set (mean over seeds) and the ceiling's AUC on
    the same rows; also the last out-of-fold frame (the rows are the same for every set)."""
    from models.metrics import normalised_share, roc_auc

    results: list[dict[str, Any]] = []
    for name, extra in FEATURE_SETS.items():
        aucs = []
        for seed in seeds:
            oof = backtest(with_oracle if extra else table, extra, seed)
            oof = oof.merge(truth, on=KEYS, how="left", validate="one_to_one")
            if oof["p_true"].isna().any():
                raise ValueError("the truth lacks some backtest rows: no ceiling on the same rows")
            aucs.append(roc_auc(oof["label"].to_numpy(), oof["p_model"].to_numpy()))
        auc = float(np.mean(aucs))
        ceiling = roc_auc(oof["label"].to_numpy(), oof["p_true"].to_numpy())
        shipped = results[0]["auc"] if results else auc
        results.append(
            {
                "set": name,
                "extra": list(extra),
                "auc": auc,
                "aucs": aucs,
                "auc_sd": float(np.std(aucs)),
                "ceiling": ceiling,
                "share": normalised_share(auc, ceiling),
                "rows": len(oof),
                "gap_to_shipped": auc - shipped,
            }
        )
    return results, oof


def print_table(results: list[dict[str, Any]], spread: bool) -> None:
    """Aligned text table; the seed spread column only when there are several seeds."""
    width = max(len(r["set"]) for r in results)
    sd_head = f"  {'sd':>6}" if spread else ""
    print(
        f"\n{'feature set':<{width}}  {'AUC':>6}{sd_head}  {'oracle':>7}  {'share':>6}  "
        f"{'vs shipped':>10}"
    )
    for r in results:
        sd = f"  {r['auc_sd']:.4f}" if spread else ""
        print(
            f"{r['set']:<{width}}  {r['auc']:.4f}{sd}  {r['ceiling']:7.4f}  {r['share']:6.3f}  "
            f"{r['gap_to_shipped']:+10.4f}"
        )


def main() -> int:
    """Check the workdir, rebuild the oracle, backtest every feature set, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--seeds", type=int, default=1, help="repeat each backtest over N seeds")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if str(ROOT) not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    workdir = args.workdir.resolve()
    export, truth_dir = workdir / "export", workdir / "export" / "truth"
    if not (workdir / "snapshots" / "CURRENT").exists():
        return fail(f"no snapshot in {workdir}: run benchmarks/train.py --scenario eval first")
    if not (truth_dir / "world.json").exists():
        return fail(f"no {truth_dir / 'world.json'}: the world must be generated with its truth")
    os.environ["ERISK_DATA_DIR"] = str(workdir)  # before load_settings reads it
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)

    from pipelines.settings import load_settings
    from pipelines.snapshots import SnapshotStore
    from pipelines.train import DEFAULT_SEED, load_table
    from synthetic.parameters import WORLD_VERSION

    facts = json.loads((truth_dir / "world.json").read_text(encoding="utf-8"))
    if str(facts.get("world_version")) != WORLD_VERSION:
        return fail(
            f"{truth_dir} holds a version {facts.get('world_version')} world, the generator is "
            f"at {WORLD_VERSION}: rebuilding it would give another world; regenerate it"
        )
    settings = load_settings()
    table, snapshot_id = load_table(settings)
    try:
        oracle = oracle_columns(facts, export)
    except ValueError as differs:
        return fail(f"{differs}: was the export generated with {truth_dir}?")
    table = table.astype({"team_id": str, "month": str})
    with_oracle = table.merge(oracle, on=KEYS, how="left", validate="one_to_one")
    truth = pd.read_parquet(truth_dir / "team_month.parquet", columns=[*KEYS, "p_true"])
    print(
        f"world {facts['scenario']} seed {facts['seed']}, {facts['teams']} teams, "
        f"{facts['months']} months; snapshot {snapshot_id}; {args.seeds} seed(s)",
        flush=True,
    )
    seeds = range(DEFAULT_SEED, DEFAULT_SEED + args.seeds)
    try:
        results, oof = run_sets(
            table, with_oracle, truth.astype({"team_id": str, "month": str}), seeds
        )
    except ValueError as short:
        return fail(str(short))
    print_table(results, args.seeds > 1)
    parts = label_parts(SnapshotStore(settings.snapshots_dir).load(snapshot_id), oof)
    print(
        f"\n{len(oof)} out-of-fold rows, {int(oof['label'].sum())} positives: survey drop "
        f"only {parts['survey_only']:.1%}, exits only {parts['exits_only']:.1%}, "
        f"both {parts['both']:.1%}"
    )
    best, seconds = max(r["share"] for r in results), time.perf_counter() - started
    print(f"best normalised share of the oracle ceiling {best:.3f}; {seconds:.0f} s")
    if args.json is not None:
        payload = dict(world=facts, snapshot=snapshot_id, sets=results, label_parts=parts)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
