"""Issue 17 on the `make demo` world: is the latest month's list short, stable and right?

Prepares the world `make demo` builds (`default`, 60 teams, 30 months, seed 42, with its
truth), trains it with N booster seeds (``erisk train --seed S``), and scores the latest
month with every trained version through the product's own path
(``SnapshotData.features`` -> ``score_team_months`` -> ``rank_month``). Then:

- **stability**: the share of teams at medium or above in the latest month, per seed
  (target: varies by at most 5 points), and the review lists' overlap (shared teams over the
  longer list, averaged over every pair of seeds; target >= 0.8);
- **end state** (the first seed, the one `erisk train` uses by default): the review list
  holds at most k teams; at least 60 % of the flagged teams have a planted driver in truth
  and at least 80 % of those carry its flag (a `both` team with either flag); at least 60 %
  of the teams whose driver is `recognition` or `both` are at medium or above with a
  recognition flag.

    .venv/bin/python -m benchmarks.demo_state [--seeds 20240401,1,2,3,4] [--workdir DIR]
    (as a module: benchmarks/features.py would otherwise shadow the features package)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from itertools import combinations
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
DRIVER_FLAGS = {"workload": {"buffer"}, "recognition": {"recognition"}}
DEFAULT_SEEDS = "20240401,1,2,3,4"


def latest_month_results(version: int) -> tuple[str, list[dict[str, object]]]:
    """The latest scorable month's ranked results (English) of one registered version."""
    from models.review import rank_month
    from models.scoring import score_team_months
    from pipelines.score import SnapshotData, resolve_model
    from pipelines.settings import load_settings

    settings = load_settings()
    model = resolve_model(settings, None, version)
    data = SnapshotData(settings)
    month = data.scorable_months()[-1]
    previous = data.scorable_months()[-2]
    rows = data.features([previous, month])
    current = rows[(rows["month"] == month) & (rows["headcount"] > 0)].reset_index(drop=True)
    before = rows[rows["month"] == previous].reset_index(drop=True)
    results = score_team_months(model.bundle, current, before, model.bands, "en")
    return month, rank_month(results, getattr(settings, "review_capacity", None))


def end_state(results: list[dict[str, object]], drivers: dict[str, str]) -> dict[str, float]:
    """The demo end-state figures of one scored month against the planted drivers."""
    from models.review import review_capacity

    listed = [r for r in results if r["review"]]
    scored = [r for r in results if r.get("status", "scored") == "scored"]
    flagged = [r for r in results if r["flags"]]
    with_driver = [r for r in flagged if drivers.get(str(r["team_id"]), "none") != "none"]

    def carries(result: dict[str, object]) -> bool:
        driver = drivers[str(result["team_id"])]
        wanted = {"buffer", "recognition"} if driver == "both" else DRIVER_FLAGS[driver]
        return bool(wanted & set(result["flags"]))  # type: ignore[arg-type]

    recognition = [r for r in results if drivers.get(str(r["team_id"])) in ("recognition", "both")]
    caught = [
        r
        for r in recognition
        if r["band"] in ("medium", "high") and "recognition" in r["flags"]  # type: ignore[operator]
    ]
    return {
        "teams": len(results),
        "k": review_capacity(len(scored)),
        "review_list": len(listed),
        "flagged": len(flagged),
        "flagged_with_driver": len(with_driver) / len(flagged) if flagged else float("nan"),
        "carrying_its_flag": (
            sum(carries(r) for r in with_driver) / len(with_driver) if with_driver else float("nan")
        ),
        "recognition_teams": len(recognition),
        "recognition_caught": len(caught) / len(recognition) if recognition else float("nan"),
        "medium_or_above": sum(r["band"] in ("medium", "high") for r in results) / len(results),
    }


def overlap(first: set[str], second: set[str]) -> float:
    """Shared teams over the longer list (1 when both are empty)."""
    longer = max(len(first), len(second))
    return len(first & second) / longer if longer else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=DEFAULT_SEEDS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/erisk-bench-demo"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from benchmarks.train import erisk, prepare, workdir_env

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    env = workdir_env(workdir)
    prepare("default", workdir, env, ["--seed", "42"])
    os.environ.update({k: env[k] for k in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI")})
    truth = pd.read_parquet(workdir / "export" / "truth" / "team_month.parquet")
    by_seed: dict[int, dict[str, object]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        done = erisk(["train", "--json", "--seed", str(seed)], env)
        if done.returncode != 0:
            raise SystemExit(f"train failed for seed {seed}:\n{done.stderr[-3000:]}")
        summary = json.loads(done.stdout[done.stdout.index("{") :])
        month, results = latest_month_results(int(summary["model_version"]))
        month_truth = truth[truth["month"].astype(str) == month]
        drivers = dict(
            zip(month_truth["team_id"].astype(str), month_truth["driver"].astype(str), strict=True)
        )
        state = end_state(results, drivers)
        state["recipe"] = (summary.get("recipe") or {}).get("shipped", "?")
        state["listed"] = sorted(str(r["team_id"]) for r in results if r["review"])
        by_seed[seed] = state
        print(f"seed {seed}: month {month}, {json.dumps(state)}", flush=True)
    shares = [float(s["medium_or_above"]) for s in by_seed.values()]  # type: ignore[arg-type]
    lists = [set(s["listed"]) for s in by_seed.values()]  # type: ignore[arg-type]
    pairs = [overlap(a, b) for a, b in combinations(lists, 2)]
    spread = max(shares) - min(shares)
    first = next(iter(by_seed.values()))
    print(
        f"stability over {len(by_seed)} seeds: medium-or-above share {min(shares):.3f}-"
        f"{max(shares):.3f} (spread {100 * spread:.1f} points, target <= 5: "
        f"{'met' if spread <= 0.05 + 1e-9 else 'MISSED'}); review-list overlap mean "
        f"{mean(pairs) if pairs else 1.0:.3f} (target >= 0.8: "
        f"{'met' if not pairs or mean(pairs) >= 0.8 else 'MISSED'})"
    )
    checks = {
        "review list <= k": first["review_list"] <= first["k"],  # type: ignore[operator]
        "flagged with a planted driver >= 0.6": first["flagged_with_driver"] >= 0.6,  # type: ignore[operator]
        "of those, carrying its flag >= 0.8": first["carrying_its_flag"] >= 0.8,  # type: ignore[operator]
        "recognition/both teams caught >= 0.6": first["recognition_caught"] >= 0.6,  # type: ignore[operator]
    }
    for name, ok in checks.items():
        print(f"end state: {name}: {'met' if ok else 'MISSED'}")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"seeds": by_seed, "spread": spread, "overlaps": pairs}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
