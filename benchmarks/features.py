"""Feature-build speed and peak memory on a generated world (the ``enterprise`` scenario).

Two measurements, each in a fresh child process so that its peak RSS is its own:
- ``all``: every scorable month in one vectorised pass (``build_team_months``: features,
  then labels);
- ``one``: the newest month alone (``build_team_month``: tables cut at its end, then its
  label), as a monthly run does when one month has been added.
Features and labels are timed apart (labels come from ``features.labels``).
Targets (issue 4): all months < 90 s with peak RSS < 8 GB; one new month < 15 s, 2 cores.
Tables are loaded the way a snapshot is (Arrow -> pandas, dates as timestamp[ms], never
Python ``date`` objects); loading is timed separately and not part of the build time.

    .venv/bin/erisk generate --out /tmp/enterprise --scenario enterprise
    .venv/bin/python benchmarks/features.py /tmp/enterprise
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.build import attach_labels, compute_features, cut_as_of, scorable_months
from features.tables import ALL_TABLES, Tables

TARGETS = {"all": (90.0, 8.0), "one": (15.0, 8.0)}


def load_tables(folder: Path) -> Tables:
    """Contract Parquet files as snapshot-typed pandas frames (dates cast in Arrow first)."""
    frames = {}
    for name in ALL_TABLES:
        path = folder / f"{name}.parquet"
        if not path.exists():
            continue
        table = pq.read_table(path)
        for i, column in enumerate(table.schema):
            if pa.types.is_date(column.type):
                table = table.set_column(i, column.name, table.column(i).cast(pa.timestamp("ms")))
        frames[name] = table.to_pandas()
        del table
    return Tables(**frames)


def measure(folder: Path, phase: str) -> dict[str, object]:
    """Load, then build one phase; wall seconds, rows and this process's peak RSS."""
    started = time.perf_counter()
    tables = load_tables(folder)
    loaded = time.perf_counter()
    months = scorable_months(tables)
    # build_team_months / build_team_month, step by step to time features and labels apart
    if phase == "all":
        features = compute_features(tables, months)
    else:
        features = compute_features(cut_as_of(tables, months[-1]), months[-1:])
    featured = time.perf_counter()
    table = attach_labels(features, tables)
    built = time.perf_counter()
    seconds = built - loaded
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return {
        "phase": phase,
        "months": len(months) if phase == "all" else 1,
        "month_range": f"{months[0]}..{months[-1]}" if phase == "all" else months[-1],
        "teams": len(tables.teams),
        "employees": len(tables.employees),
        "timesheet_rows": len(tables.timesheets),
        "team_month_rows": len(table),
        "load_seconds": round(loaded - started, 2),
        "build_seconds": round(seconds, 2),
        "features_seconds": round(featured - loaded, 2),
        "labels_seconds": round(built - featured, 2),
        "team_month_rows_per_s": round(len(table) / seconds, 1),
        "timesheet_rows_per_s": round(len(tables.timesheets) / seconds),
        "peak_rss_gb": round(peak_gb, 2),
        "target_seconds": TARGETS[phase][0],
        "target_peak_rss_gb": TARGETS[phase][1],
        "met": seconds < TARGETS[phase][0] and peak_gb < TARGETS[phase][1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", type=Path, help="folder written by `erisk generate`")
    parser.add_argument("--phase", choices=["all", "one", "both"], default="both")
    args = parser.parse_args()
    if args.phase != "both":
        print(json.dumps(measure(args.world, args.phase)))
        return 0
    results = []
    for phase in ("all", "one"):
        child = subprocess.run(
            [sys.executable, __file__, str(args.world), "--phase", phase],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result, indent=2))
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
