"""Training time of ``erisk train`` (issue 5 targets: ``default`` < 60 s, ``enterprise`` < 10 min).

Prepares a world once (generate -> ingest -> features, not timed), then runs ``erisk train
--json`` in a fresh process against a throw-away MLflow store under the work folder and
reports the process's wall time (imports included), the run's own seconds and its headline
AUC. ``--repeat 2`` also checks reproducibility: same snapshot and seed, same metrics.

    .venv/bin/python benchmarks/train.py [--scenario default|enterprise] [--workdir DIR]
        [--repeat N] [--teams N] [--months N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = {"default": 60.0, "eval": 120.0, "enterprise": 600.0}
# registers the commands when the CLI does not list them yet, then runs one of them
RUNNER = (
    "import sys; from pipelines import cli; "
    "cli.COMMANDS.setdefault('train', 'pipelines.train:train_command'); "
    "sys.exit(cli.main(sys.argv[1:]))"
)


def erisk(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one ``erisk`` command from the checkout in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def workdir_env(workdir: Path) -> dict[str, str]:
    """The environment that points ``erisk`` at a work folder and its own MLflow store."""
    return {
        **os.environ,
        "ERISK_DATA_DIR": str(workdir),
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir}/mlruns/mlflow.db",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PYTHONWARNINGS": "ignore",
    }


def prepared_world_version(export: Path) -> str | None:
    """The world version a prepared export was generated with (None when unknown or absent)."""
    try:
        facts = json.loads((export / "_SUCCESS").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts.get("world_version") if isinstance(facts, dict) else None


def prepare(scenario: str, workdir: Path, env: dict[str, str], extra: list[str]) -> None:
    """Generate, ingest and build features once (skipped when the snapshot exists).

    A world prepared by an older generator is thrown away and made again: its figures would
    describe a world the code no longer builds.
    """
    if str(ROOT) not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, str(ROOT))
    from synthetic.parameters import WORLD_VERSION

    export = workdir / "export"
    if (workdir / "snapshots").exists() and prepared_world_version(export) != WORLD_VERSION:
        print(f"prepared world in {workdir} is not world version {WORLD_VERSION}: rebuilding")
        for name in ("export", "snapshots", "features", "mlruns"):
            shutil.rmtree(workdir / name, ignore_errors=True)
    if not (workdir / "snapshots").exists():
        generate = ["generate", "--out", str(export), "--scenario", scenario, *extra]
        if scenario != "enterprise":
            generate.append("--truth")
        for step in (generate, ["ingest", str(export)], ["features", "--all"]):
            started = time.perf_counter()
            done = erisk(step, env)
            if done.returncode != 0:
                raise SystemExit(f"{step[0]} failed:\n{done.stderr[-3000:]}")
            print(f"prepared: {step[0]} in {time.perf_counter() - started:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="default", choices=sorted(TARGET_SECONDS))
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--teams", type=int, default=None)
    parser.add_argument("--months", type=int, default=None)
    args = parser.parse_args()
    workdir = (args.workdir or Path(f"/tmp/erisk-bench-train-{args.scenario}")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    env = workdir_env(workdir)
    extra = [] if args.teams is None else ["--teams", str(args.teams)]
    extra += [] if args.months is None else ["--months", str(args.months)]
    prepare(args.scenario, workdir, env, extra)
    truth = workdir / "export" / "truth"
    train = ["train", "--json", *(["--truth", str(truth)] if truth.exists() else [])]
    results = []
    for attempt in range(args.repeat):
        started = time.perf_counter()
        done = erisk(train, env)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"train failed:\n{done.stderr[-3000:]}")
        summary = json.loads(done.stdout[done.stdout.index("{") :])
        results.append(summary)
        model = summary["headline"]["model"]
        print(
            f"run {attempt + 1}: wall {wall:.1f} s (process), run {summary['seconds']:.1f} s, "
            f"AUC {model['roc_auc']:.4f}, Brier {model['brier']:.5f}, ECE {model['ece']:.4f}, "
            f"version {summary['model_version']}",
            flush=True,
        )
        target = TARGET_SECONDS[args.scenario]
        print(f"target < {target:.0f} s: {'met' if wall < target else 'MISSED'}")
    if len(results) > 1:
        same = all(r["headline"] == results[0]["headline"] for r in results[1:])
        print(f"reproducible (identical headline metrics across runs): {same}")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
