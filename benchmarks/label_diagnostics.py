"""The label's failure modes, measured on generated worlds (issue 16: label v2).

For each world (scenario, seed) the contract tables are built in memory exactly as
``erisk generate`` writes them, labelled with ``features.labels``, and set against the
world's planted drivers (``synthetic.truth.planted_driver``, no Monte Carlo needed):

- the event rate overall and per member count at M (5 to 20), and that of the exit part: a
  label that is a sawtooth in team size (v1's exit rule) shows here;
- the *false-alarm* rate: the event rate among team-months with no planted driver at M, per
  member count (target: at most 10 % at every count);
- the share of survey events whose team stood above its own long-run mean at M, once for
  the last three months (M-2..M, v1's pre window) and once for the 12-month baseline
  (M-11..M, v2's): regression to the mean pushes it far above 50 %;
- the share of positives with a planted driver at M.

    .venv/bin/python benchmarks/label_diagnostics.py [--worlds eval:42,eval:3,...] [--json F]

The default worlds are the six `eval` worlds of ``benchmarks/quality.py`` (seeds 42, 3-7)
and three `default` worlds (seeds 42, 3, 4). Counts are pooled over the worlds of a
scenario; per-world figures are printed too. Runs with whichever label module is on the path,
so the same script measures the label before and after a change.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORLDS = "eval:42,eval:3,eval:4,eval:5,eval:6,eval:7,default:42,default:3,default:4"
MEMBER_COUNTS = range(5, 21)
FALSE_ALARM_LIMIT = 0.10


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present (v2 calls v1's ``survey_event`` ``label_survey``)."""
    for name in names:
        if name in frame.columns:
            return frame[name]
    raise KeyError(names[0])


def world_rows(scenario: str, seed: int) -> pd.DataFrame:
    """One row per labelled team-month: label parts, headcount, driver and survey levels."""
    from features.labels import label_team_months
    from synthetic.build import RandomStreams, build_world
    from synthetic.records import as_tables, world_tables
    from synthetic.scenarios import build_scenario
    from synthetic.truth import DRIVERS, planted_driver

    spec = build_scenario(scenario)
    streams = RandomStreams.from_seed(seed)
    world = build_world(spec, streams, keep_states=False)
    tables = as_tables(world_tables(world, streams))
    labels = label_team_months(tables)
    n_months, n_teams = len(world.calendar.months), world.teams.count
    drivers = pd.DataFrame(
        {
            "team_id": np.tile(world.teams.team_ids.astype(str), n_months),
            "month": np.repeat(np.asarray(world.calendar.months, dtype=str), n_teams),
            "driver": np.asarray(DRIVERS, dtype=object)[planted_driver(world)].ravel(),
        }
    )
    levels = _survey_levels(tables.surveys)
    frame = labels.astype({"team_id": str, "month": str}).merge(
        drivers, on=["team_id", "month"], how="left"
    )
    frame = frame.merge(levels, on=["team_id", "month"], how="left")
    frame["survey_event"] = _column(frame, "label_survey", "survey_event").astype("Int8")
    frame["exit_event"] = _column(frame, "label_exits", "exit_event").astype("Int8")
    frame = frame[frame["label"].notna()].copy()
    frame["label"] = frame["label"].astype(int)
    frame["scenario"], frame["seed"] = scenario, seed
    return frame


def _survey_levels(surveys: pd.DataFrame) -> pd.DataFrame:
    """Per team-month: pooled engagement of M-2..M and of M-11..M, and the team's own mean."""
    engagement = surveys[["vigor", "dedication", "absorption"]].astype(float).mean(axis=1)
    month = surveys["survey_date"].dt.to_period("M")
    cells = (
        pd.DataFrame({"team_id": surveys["team_id"].astype(str), "month": month, "e": engagement})
        .groupby(["team_id", "month"])["e"]
        .agg(["sum", "count"])
        .reset_index()
    )
    own = engagement.groupby(surveys["team_id"].astype(str)).mean().rename("own_mean")
    parts = []
    for team, part in cells.groupby("team_id"):
        full = pd.period_range(part["month"].min(), part["month"].max(), freq="M")
        part = part.set_index("month")[["sum", "count"]].reindex(full, fill_value=0.0)
        recent = part["sum"].rolling(3, min_periods=1).sum() / part["count"].rolling(
            3, min_periods=1
        ).sum().replace(0, np.nan)
        baseline = part["sum"].rolling(12, min_periods=1).sum() / part["count"].rolling(
            12, min_periods=1
        ).sum().replace(0, np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "team_id": team,
                    "month": full.strftime("%Y-%m"),
                    "recent_3m": recent.to_numpy(),
                    "baseline_12m": baseline.to_numpy(),
                }
            )
        )
    levels = pd.concat(parts, ignore_index=True)
    return levels.merge(own, left_on="team_id", right_index=True)


def figures(rows: pd.DataFrame) -> dict[str, object]:
    """The diagnostics of a set of labelled team-months."""
    positives = rows[rows["label"] == 1]
    survey_events = rows[rows["survey_event"] == 1]
    calm = rows[rows["driver"] == "none"]
    by_size = {}
    for h in MEMBER_COUNTS:
        part, calm_part = rows[rows["headcount"] == h], calm[calm["headcount"] == h]
        by_size[h] = {
            "rows": len(part),
            "event_rate": float(part["label"].mean()) if len(part) else float("nan"),
            "exit_rate": float((part["exit_event"] == 1).mean()) if len(part) else float("nan"),
            "no_driver_rows": len(calm_part),
            "false_alarm_rate": float(calm_part["label"].mean()) if len(calm_part) else np.nan,
        }
    false_alarms = [v["false_alarm_rate"] for v in by_size.values() if v["no_driver_rows"]]
    return {
        "rows": len(rows),
        "events": int(rows["label"].sum()),
        "event_rate": float(rows["label"].mean()),
        "survey_events": len(survey_events),
        "exit_events": int((rows["exit_event"] == 1).sum()),
        "false_alarm_rate": float(calm["label"].mean()),
        "false_alarm_max_5_20": float(np.nanmax(false_alarms)),
        "survey_events_recent_above_own_mean": float(
            (survey_events["recent_3m"] > survey_events["own_mean"]).mean()
        ),
        "survey_events_baseline_above_own_mean": float(
            (survey_events["baseline_12m"] > survey_events["own_mean"]).mean()
        ),
        "positives_with_driver": float((positives["driver"] != "none").mean()),
        "by_member_count": by_size,
    }


def print_figures(title: str, f: dict[str, object]) -> None:
    """A readable block: the headline diagnostics, then the per-size table."""
    print(
        f"{title}: {f['rows']:,} labelled team-months, {f['events']:,} events "
        f"({f['event_rate']:.3f}); survey {f['survey_events']}, exits {f['exit_events']}"
    )
    print(
        f"  false alarms (no planted driver) {f['false_alarm_rate']:.3f}, "
        f"worst member count 5-20 {f['false_alarm_max_5_20']:.3f} "
        f"(limit {FALSE_ALARM_LIMIT:.2f})"
    )
    print(
        "  survey events starting above the team's own mean: last 3 months "
        f"{f['survey_events_recent_above_own_mean']:.3f}, 12-month baseline "
        f"{f['survey_events_baseline_above_own_mean']:.3f}; positives with a planted driver "
        f"{f['positives_with_driver']:.3f}"
    )
    sizes = f["by_member_count"]
    print("  members:     " + " ".join(f"{h:>5d}" for h in sizes))
    print("  rows:        " + " ".join(f"{v['rows']:>5d}" for v in sizes.values()))
    print("  event rate:  " + " ".join(f"{v['event_rate']:>5.3f}" for v in sizes.values()))
    print("  exit events: " + " ".join(f"{v['exit_rate']:>5.3f}" for v in sizes.values()))
    print("  false alarm: " + " ".join(f"{v['false_alarm_rate']:>5.3f}" for v in sizes.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", default=DEFAULT_WORLDS, help="scenario:seed, comma-separated")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # before benchmarks/, whose features.py shadows the package
    from features.labels import LabelConfig

    print(f"label settings {LabelConfig().as_dict()} (hash {LabelConfig().config_hash()})")
    worlds = [(w.split(":")[0], int(w.split(":")[1])) for w in args.worlds.split(",") if w]
    frames = []
    out: dict[str, object] = {"worlds": {}, "pooled": {}}
    for scenario, seed in worlds:
        started = time.perf_counter()
        rows = world_rows(scenario, seed)
        frames.append(rows)
        f = figures(rows)
        out["worlds"][f"{scenario}:{seed}"] = f  # type: ignore[index]
        print_figures(f"{scenario} seed {seed} ({time.perf_counter() - started:.0f} s)", f)
    everything = pd.concat(frames, ignore_index=True)
    for scenario, rows in everything.groupby("scenario", sort=False):
        f = figures(rows)
        out["pooled"][scenario] = f  # type: ignore[index]
        print_figures(f"POOLED {scenario} ({rows['seed'].nunique()} worlds)", f)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
