"""Benchmark ``erisk score --month M``: one month end to end, in a fresh process.

Set-up (not timed): generate the world, ingest it, and make a champion. The champion is
trained (with a short backtest) on the ``default`` world; the ``enterprise`` month is scored
with that same champion, since the cost of scoring does not depend on what the model was
trained on and training on 144k enterprise team-months would only slow the set-up.

Timed: ``erisk score --month <last month>`` in a new Python process (interpreter start and
imports included) with a cold feature cache, so the job builds the month's features from
the snapshot itself; then ``erisk report --month M --json``. Reports wall time and the
scoring process's peak RSS.

    .venv/bin/python benchmarks/score.py                      # both scenarios
    .venv/bin/python benchmarks/score.py --only default
    .venv/bin/python benchmarks/score.py --enterprise-export DIR   # reuse a generated world
    .venv/bin/python benchmarks/score.py --json

    .venv/bin/python -m benchmarks.score --engines pandas,spark   # both engines (default)

Targets (issue 7): default < 10 s; enterprise (>= 4,000 teams) < 60 s, for the pandas
engine. The Spark engine (issue 8, ``--engine spark --master local[2]``) is timed beside it
the same way, session start included; its peak RSS is the Python driver's only (the JVM and
the Python workers are other processes). See docs/spark.md for the crossover.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = {"default": 10.0, "enterprise": 60.0}

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from pipelines import cli
cli.COMMANDS["score"] = "pipelines.score:score_command"
cli.COMMANDS["report"] = "pipelines.report:report_command"
code = cli.main(sys.argv[1:])
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "peak_rss_kb": peak_kb,
                  "seconds": time.perf_counter() - started}), file=sys.stderr)
sys.exit(code)
"""


def environment(workdir: Path, case: str) -> dict[str, str]:
    """Each case has its own data dir and scores database; the model registry is shared."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ERISK_DATA_DIR": str(workdir / case / "data"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir}/mlruns/mlflow.db",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }


def erisk(env: dict[str, str], *args: str) -> dict[str, object]:
    """Run one erisk command in a fresh process; return its timing and peak memory."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"erisk {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    stats = json.loads(done.stderr.strip().splitlines()[-1])
    return {
        "wall_seconds": round(wall, 2),
        "peak_rss_gb": stats["peak_rss_kb"] / 1024**2,
        "stdout": done.stdout,
    }


SETUP = """
import sys
from pathlib import Path
from pipelines.ingest import run_ingest
from pipelines.score import SnapshotData
from pipelines.settings import load_settings

case, export, generate = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"
settings = load_settings()
if generate:
    from pipelines.generate import run_generate

    print(f"[{case}] generating the world ...", file=sys.stderr)
    run_generate(export, case)
print(f"[{case}] ingesting {export} ...", file=sys.stderr)
run_ingest(export, settings)
if case == "default":
    from models.backtest import BacktestConfig
    from pipelines.build_features import run_features
    from pipelines.promote import run_promote
    from pipelines.train import TrainOptions, run_train

    print("[default] features, training and promotion ...", file=sys.stderr)
    run_features(settings)
    options = TrainOptions(
        backtest=BacktestConfig(n_folds=3, holdout_months=4, min_fit_months=6),
        bootstrap_replicates=50,
        measure_monotone_cost=False,
    )
    run_train(settings, None, options=options)
    run_promote(settings)
print(SnapshotData(settings).scorable_months()[-1])
"""


def prepare(workdir: Path, case: str, export: Path | None) -> str:
    """Generate (or reuse) the world, ingest it, train a champion for ``default``; in a
    separate process, so that its memory does not count against the timed runs (Linux keeps
    a process's peak RSS across ``exec``). Returns the month to score: the last complete one.
    """
    generate = export is None
    export = workdir / case / "export" if export is None else export
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", SETUP, case, str(export), "1" if generate else "0"],
        cwd=ROOT,
        env=environment(workdir, case),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def clear_feature_cache(workdir: Path, case: str) -> None:
    """Cold start: the job builds the month's features from the snapshot itself."""
    shutil.rmtree(workdir / case / "data" / "features", ignore_errors=True)


def run_case(
    workdir: Path, case: str, export: Path | None, engines: list[str]
) -> list[dict[str, object]]:
    month = prepare(workdir, case, export)
    env = environment(workdir, case)
    results = []
    for engine in engines:
        clear_feature_cache(workdir, case)
        print(f"[{case}] timing erisk score --month {month} --engine {engine} ...", file=sys.stderr)
        score = erisk(env, "score", "--month", month, "--engine", engine, "--json")
        report = erisk(env, "report", "--month", month, "--json")
        teams = json.loads(str(report["stdout"]))["results"]
        target = TARGET_SECONDS[case] if engine == "pandas" else None
        results.append(
            {
                "case": case,
                "engine": engine,
                "month": month,
                "teams": len(teams),
                "score_seconds": score["wall_seconds"],
                "score_peak_rss_gb": round(float(score["peak_rss_gb"]), 2),
                "report_json_seconds": report["wall_seconds"],
                "target_seconds": target,
                "within_target": target is None or float(score["wall_seconds"]) < target,
            }
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(TARGET_SECONDS), default=None)
    parser.add_argument("--enterprise-export", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    parser.add_argument(
        "--engines", default="pandas,spark", help="comma-separated: pandas, spark (both by default)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    cases = [args.only] if args.only else ["default", "enterprise"]
    owned = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="erisk-bench-score-")) if owned else args.workdir
    try:
        if "enterprise" in cases and "default" not in cases and not (workdir / "mlruns").exists():
            prepare(workdir, "default", None)  # the champion comes from the default world
        results = [
            row
            for case in cases
            for row in run_case(
                workdir, case, args.enterprise_export if case == "enterprise" else None, engines
            )
        ]
    finally:
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{'case':<11} {'engine':<7} {'month':<8} {'teams':>6} {'score s':>8} {'target':>7} "
        f"{'peak GB':>8} {'report s':>9}"
    )
    for r in results:
        target = "-" if r["target_seconds"] is None else f"< {int(r['target_seconds'])}"
        print(
            f"{r['case']:<11} {r['engine']:<7} {r['month']:<8} {r['teams']:>6,} "
            f"{r['score_seconds']:>8.1f} {target:>7} {r['score_peak_rss_gb']:>8.2f} "
            f"{r['report_json_seconds']:>9.1f}"
        )
    return 0 if all(r["within_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
