"""Issue 20's targets: does ``models.effects`` recover the true effect of HR's interventions?

For each seed and policy an `eval` world is generated with planted interventions and its
truth (``erisk generate --interventions random|worst-first [--intervention-effect 0]``),
ingested, built, trained, promoted and scored for every month (so that every team-month has
its band and flags), then the effects are estimated per intervention type and outcome
(engagement, overtime) and set against the mean true effect of the same interventions
(``truth/interventions.parquet``).

Targets, counted over every (seed, type, outcome) case:
- random assignment: the 90 % interval covers the true mean effect in >= 80 % of cases,
  ``confounded`` in <= 20 % of them, and the mean estimate over seeds is within 20 % of the
  mean true effect;
- worst-first: each case is either ``confounded`` or covers the truth, in >= 80 % of cases;
- ``--intervention-effect 0``: the intervals cover zero in >= 80 % of cases.

    .venv/bin/python -m benchmarks.effects [--seeds 101,...,110]
        [--policies random,worst-first,placebo] [--workdir DIR] [--json FILE] [--teams N]

Seeds 90-92 are the development worlds of issue 20; the default seeds 101-110 only report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from statistics import mean

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
POLICIES = {
    "random": ["--interventions", "random"],
    "worst-first": ["--interventions", "worst-first"],
    "placebo": ["--interventions", "random", "--intervention-effect", "0"],
}
OUTCOMES = ("engagement", "overtime")
TRUTH_COLUMN = {"engagement": "effect_engagement", "overtime": "effect_overtime"}


def prepare(
    workdir: Path, seed: int, policy: str, env: dict[str, str], teams: int | None = None
) -> None:
    """Generate, ingest, build, train, promote and score every month (skipped when done)."""
    from benchmarks.train import erisk

    if (workdir / "done").exists():
        return
    export = workdir / "export"
    steps = [
        ["generate", "--out", str(export), "--scenario", "eval", "--seed", str(seed), "--truth",
         *POLICIES[policy], *(["--teams", str(teams)] if teams else [])],
        ["ingest", str(export)],
        ["features", "--all"],
        ["train"],
        ["promote"],
        ["score", "--all-months"],
    ]  # fmt: skip
    for step in steps:
        done = erisk(step, env)
        if done.returncode != 0:
            raise SystemExit(f"{step[0]} failed on seed {seed} {policy}:\n{done.stderr[-3000:]}")
    (workdir / "done").write_text("ok")


def panel_and_interventions(workdir: Path) -> tuple[pd.DataFrame, list]:
    """The team-month panel (``pipelines.effects.panel_of``: features with the scored band,
    flags and risk) and the world's planted interventions (its export's table)."""
    from models.effects import Intervention
    from pipelines.effects import panel_of, read_features
    from pipelines.scores_store import ScoresStore
    from pipelines.settings import load_settings

    settings = load_settings()
    store = ScoresStore.from_settings(settings)
    try:
        panel = panel_of(read_features(settings), store.month_rows(store.months()))
    finally:
        store.dispose()
    recorded = pd.read_parquet(workdir / "export" / "interventions.parquet")
    interventions = [
        Intervention(
            intervention_id=f"{r.team_id}-{r.start_date}",
            team_id=str(r.team_id),
            month=str(pd.Timestamp(r.start_date).strftime("%Y-%m")),
            intervention=str(r.intervention),
            action_id=str(r.action_id),
        )
        for r in recorded.itertuples(index=False)
    ]
    return panel, interventions


def world_cases(workdir: Path) -> list[dict[str, object]]:
    """Estimated against true effect, per intervention type and outcome, for one world."""
    from models.effects import summarise, team_effects

    panel, interventions = panel_and_interventions(workdir)
    effects = team_effects(panel, interventions, OUTCOMES)
    summary = [r for r in summarise(effects) if r["action_id"] is None]
    truth = pd.read_parquet(workdir / "export" / "truth" / "interventions.parquet")
    used = {e.intervention_id for e in effects}
    truth["intervention_id"] = truth["team_id"].astype(str) + "-" + truth["start_date"].astype(str)
    truth = truth[truth["intervention_id"].isin(used)]
    cases = []
    for row in summary:
        kind, outcome = row["intervention"], row["outcome"]
        true = truth.loc[truth["intervention"] == kind, TRUTH_COLUMN[str(outcome)]]
        ci = row["ci90"]
        covers = ci is not None and ci[0] <= float(true.mean()) <= ci[1]  # type: ignore[index]
        covers_zero = ci is not None and ci[0] <= 0.0 <= ci[1]  # type: ignore[index]
        cases.append(
            {
                **row,
                "true": float(true.mean()) if len(true) else float("nan"),
                "covers_truth": covers,
                "covers_zero": covers_zero,
            }
        )
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101,102,103,104,105,106,107,108,109,110")
    parser.add_argument("--policies", default="random,worst-first,placebo")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/erisk-bench-effects"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--teams", type=int, default=None, help="resize the eval world")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks.train import workdir_env

    results: dict[str, list[dict[str, object]]] = {}
    for policy in args.policies.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            workdir = (args.workdir / f"{policy}-{seed}").resolve()
            workdir.mkdir(parents=True, exist_ok=True)
            env = workdir_env(workdir)
            prepare(workdir, seed, policy, env, args.teams)
            os.environ.update({k: env[k] for k in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI")})
            cases = world_cases(workdir)
            for case in cases:
                case["seed"] = seed
                print(
                    f"{policy} seed {seed} {case['intervention']} {case['outcome']}: "
                    f"n {case['n']}, {case['status']}, estimate {case['estimate']} "
                    f"{case['ci90']}, placebo {case['placebo']} {case['placebo_ci90']}, "
                    f"true {case['true']:.3f}",
                    flush=True,
                )
            results.setdefault(policy, []).extend(cases)
    for policy, cases in results.items():
        n = len(cases)
        confounded = sum(c["status"] == "confounded" for c in cases)
        covers = sum(bool(c["covers_truth"]) for c in cases)
        zero = sum(bool(c["covers_zero"]) for c in cases)
        print(f"{policy}: {n} cases; confounded {confounded}; interval covers the truth {covers}")
        if policy == "random":
            print(f"  coverage {covers / n:.2f} (target >= 0.80), confounded {confounded / n:.2f} "
                  "(target <= 0.20)")  # fmt: skip
            for kind in ("buffer", "recognition"):
                for outcome in OUTCOMES:
                    part = [c for c in cases if c["intervention"] == kind
                            and c["outcome"] == outcome and c["estimate"] is not None]  # fmt: skip
                    if part:
                        est = mean(float(c["estimate"]) for c in part)  # type: ignore[arg-type]
                        true = mean(float(c["true"]) for c in part)  # type: ignore[arg-type]
                        near = abs(est - true) <= 0.2 * abs(true)
                        print(f"  {kind} {outcome}: mean estimate {est:.3f}, mean truth "
                              f"{true:.3f} (within 20 %: {near})")  # fmt: skip
        elif policy == "worst-first":
            ok = sum(c["status"] == "confounded" or bool(c["covers_truth"]) for c in cases)
            print(f"  confounded or covering the truth {ok / n:.2f} (target >= 0.80)")
        else:
            print(f"  interval covers zero {zero / n:.2f} (target >= 0.80)")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
