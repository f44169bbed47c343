"""Issue 17's size study: does the shipped model beat every baseline at 30, 60, 150 and 300
teams, on `default` and `eval` worlds, and how much of the observable ceiling does it reach?

For every (scenario, teams, seed) a world is generated with its truth, ingested, built and
trained with ``erisk train --truth --json`` (cached per world under WORKDIR). Per world it
prints the out-of-time AUC and the review list's precision of the model, the logistic
regression (its penalty tuned on each fold's holdout) and the HR rule of thumb, the model's
normalised share of the observable ceiling with its 90 % interval, and the recipe the
backtest chose; then the means per scenario and size.

    .venv/bin/python benchmarks/sizes.py [--sizes 30,60,150,300] [--scenarios default,eval]
        [--seeds 3,4,5] [--workdir DIR] [--json FILE]

Seeds 21-23 are the development worlds of issue 17 (marked ``dev``); 3-5 only report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT_SEEDS = frozenset({21, 22, 23})
SCORES = ("model", "logistic_regression", "rule_of_thumb")


def world_row(summary: dict) -> dict[str, float | str]:
    """The figures of one run that the size study compares."""
    headline, found = summary["headline"], {r["statistic"]: r for r in summary["intervals"]}
    row: dict[str, float | str] = {}
    for score in SCORES:
        row[f"{score}.auc"] = float(headline[score]["roc_auc"])
        row[f"{score}.review_precision"] = float(headline[score]["review_precision"])
        row[f"{score}.review_size"] = float(headline[score]["review_size"])
    share = found["model.share_of_observable"]
    row["share"], row["share_low"], row["share_high"] = (
        float(share["estimate"]),
        float(share["low"]),
        float(share["high"]),
    )
    row["observable.auc"] = float(headline["observable"]["roc_auc"])
    row["rows"] = float(headline["model"]["rows"])
    row["events"] = float(headline["model"]["positives"])
    recipe = summary.get("recipe") or {}
    row["recipe"] = str(recipe.get("shipped", "local"))
    row["folds_by_recipe"] = json.dumps(
        {c["recipe"]: c["folds_chosen"] for c in recipe.get("candidates", [])}
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,60,150,300")
    parser.add_argument("--scenarios", default="default,eval")
    parser.add_argument("--seeds", default="3,4,5")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/erisk-bench-sizes"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.quality import train_summary

    results: dict[str, list[dict[str, float | str]]] = {}
    for scenario in args.scenarios.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                row = world_row(train_summary(scenario, seed, args.workdir.resolve(), size))
                results.setdefault(f"{scenario}:{size}", []).append({"seed": seed, **row})
                tag = " (dev)" if seed in DEVELOPMENT_SEEDS else ""
                print(
                    f"{scenario} {size} teams seed {seed}{tag}: {int(row['rows'])} rows, "
                    f"{int(row['events'])} events; AUC model / LR / rule "
                    f"{row['model.auc']:.3f} / {row['logistic_regression.auc']:.3f} / "
                    f"{row['rule_of_thumb.auc']:.3f}; review precision "
                    f"{row['model.review_precision']:.3f} / "
                    f"{row['logistic_regression.review_precision']:.3f} / "
                    f"{row['rule_of_thumb.review_precision']:.3f}; share of observable "
                    f"{row['share']:.3f} [{row['share_low']:.3f}, {row['share_high']:.3f}]; "
                    f"recipe {row['recipe']} {row['folds_by_recipe']}",
                    flush=True,
                )
    print("means per scenario and size:")
    for key, rows in results.items():

        def m(name: str, rows: list = rows) -> float:
            return mean(float(r[name]) for r in rows)

        beats = all(
            m("model.auc") >= m(f"{b}.auc")
            and m("model.review_precision") >= m(f"{b}.review_precision")
            for b in SCORES[1:]
        )
        print(
            f"  {key}: AUC model / LR / rule {m('model.auc'):.3f} / "
            f"{m('logistic_regression.auc'):.3f} / {m('rule_of_thumb.auc'):.3f}; review "
            f"precision {m('model.review_precision'):.3f} / "
            f"{m('logistic_regression.review_precision'):.3f} / "
            f"{m('rule_of_thumb.review_precision'):.3f}; share of observable "
            f"{m('share'):.3f}; model at least every baseline on both: {beats}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
