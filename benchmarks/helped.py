"""Issue 20, part 3: what leaving out the labels of helped team-months does to the model.

On worlds with planted interventions (prepared by ``benchmarks/effects.py``: generated with
``--interventions random --truth``, ingested, so the scores database holds the export's
interventions), ``run_train`` fits twice on the same table and seed: with the helped labels
left out (the default) and kept (``--keep-helped``). Both are scored on the **same** team-
months, the ones no intervention touched (a helped label says what happened with help, so
it is no fair test of either): backtest AUC on the observed labels, and the Brier score
against the world's true probability (``p_true``: the chance of the event with no new
intervention, what HR needs to know).

    .venv/bin/python -m benchmarks.helped [--seeds 101,102,103] [--workdir DIR]

Reads the workdirs ``DIR/random-SEED`` of ``benchmarks/effects.py`` (run that first).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def compare(workdir: Path, seed: int) -> dict[str, float]:
    """Both fits on one world, measured on the team-months nobody helped."""
    from mlflow import MlflowClient

    from features.labels import helped_labels
    from models.metrics import roc_auc
    from pipelines.settings import load_settings
    from pipelines.train import TrainOptions, load_table, recorded_starts, run_train
    from pipelines.train_logging import OOF_FILE

    settings = load_settings()
    table, _ = load_table(settings)
    starts = recorded_starts(settings)
    helped = helped_labels(table, starts)
    untouched = table.loc[~helped & table["label"].notna(), ["team_id", "month"]]
    result: dict[str, float] = {
        "helped_labels": float((helped & table["label"].notna()).sum()),
        "labels": float(table["label"].notna().sum()),
    }
    for name, keep in (("left_out", False), ("kept", True)):
        summary = run_train(
            settings,
            workdir / "export",
            seed=1,
            table=table,
            options=TrainOptions(keep_helped=keep, measure_monotone_cost=False),
        )
        folder = MlflowClient().download_artifacts(summary.run_id, OOF_FILE)
        oof = pd.read_parquet(folder).astype({"team_id": str, "month": str})
        common = oof.merge(untouched.astype({"team_id": str, "month": str}))
        result[f"{name}.rows"] = float(len(common))
        result[f"{name}.auc"] = roc_auc(common["label"].to_numpy(), common["p_model"].to_numpy())
        if "p_true" in common:
            result[f"{name}.brier_vs_truth"] = float(
                np.mean((common["p_model"] - common["p_true"]) ** 2)
            )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101,102,103")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/erisk-bench-effects"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks.train import workdir_env

    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        workdir = (args.workdir / f"random-{seed}").resolve()
        if not (workdir / "done").exists():
            raise SystemExit(f"{workdir} is not prepared: run benchmarks/effects.py first")
        env = workdir_env(workdir)
        os.environ.update({k: env[k] for k in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI")})
        row = {"seed": seed, **compare(workdir, seed)}
        print(row, flush=True)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for metric in ("auc", "brier_vs_truth"):
        if f"left_out.{metric}" in frame:
            diff = frame[f"left_out.{metric}"] - frame[f"kept.{metric}"]
            print(
                f"{metric}: left out {frame[f'left_out.{metric}'].mean():.4f}, kept "
                f"{frame[f'kept.{metric}'].mean():.4f}, difference per seed "
                f"{', '.join(f'{d:+.4f}' for d in diff)} (mean {diff.mean():+.4f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
