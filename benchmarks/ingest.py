"""Ingest throughput and peak memory on a large timesheet table.

Writes its own export (about 35M timesheet rows as Parquet; a CSV of ``--csv-rows`` rows),
then runs ``erisk ingest`` in a fresh process for each and reports wall time, rows/s and the
child's peak RSS. Targets (issue 2): 35M Parquet rows in < 60 s with peak RSS < 6 GB on
2 cores; CSV at least 1M rows/s.

    .venv/bin/python benchmarks/ingest.py [--employees 50000] [--days 700] [--csv-rows 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def small_tables(employees: int) -> dict[str, pa.Table]:
    """Teams, employees, leave, workload and surveys sized for ``employees`` people."""
    teams = max(1, employees // 12)
    team_ids = np.char.add("T", np.char.zfill(np.arange(teams).astype(str), 5))
    emp_ids = np.char.add("E", np.char.zfill(np.arange(employees).astype(str), 7))
    emp_team = team_ids[np.arange(employees) % teams]
    mondays = pd.date_range("2023-01-02", periods=100, freq="7D")
    return {
        "teams": pa.table(
            {
                "team_id": team_ids,
                "team_name": np.char.add("経理", np.arange(teams).astype(str)),
                "department": np.array(["accounting", "hr", "it"])[np.arange(teams) % 3],
            }
        ),
        "employees": pa.table(
            {
                "employee_id": emp_ids,
                "team_id": emp_team,
                "hire_date": pa.array(np.full(employees, np.datetime64("2015-04-01")), pa.date32()),
            }
        ),
        "leave": pa.table(
            {
                "employee_id": emp_ids,
                "leave_date": pa.array(
                    np.full(employees, np.datetime64("2023-05-01")), pa.date32()
                ),
                "leave_type": np.full(employees, "annual_paid"),
                "days": np.ones(employees),
            }
        ),
        "workload": pa.table(
            {
                "team_id": np.repeat(team_ids, len(mondays)),
                "week_start": pa.array(np.tile(mondays.values, teams), pa.timestamp("ms")),
                "volume": np.full(teams * len(mondays), 100.0),
            }
        ),
        "surveys": pa.table(
            {
                "response_id": np.char.add("R", np.arange(employees).astype(str)),
                "team_id": emp_team,
                "survey_date": pa.array(
                    np.full(employees, np.datetime64("2023-06-15")), pa.date32()
                ),
                "vigor": np.full(employees, 3.0),
                "dedication": np.full(employees, 4.0),
                "absorption": np.full(employees, 3.5),
            }
        ),
    }


def timesheets(employees: int, days: int, seed: int = 7) -> pa.Table:
    """One row per employee per day: ``employees * days`` rows."""
    rng = np.random.default_rng(seed)
    emp_ids = np.char.add("E", np.char.zfill(np.arange(employees).astype(str), 7))
    start = np.datetime64("2023-01-01")
    day_numbers = np.tile(np.arange(days, dtype="int32"), employees)
    return pa.table(
        {
            "employee_id": pa.DictionaryArray.from_arrays(
                np.repeat(np.arange(employees, dtype="int32"), days), emp_ids
            ).cast(pa.string()),
            "work_date": pa.array(start + day_numbers.astype("timedelta64[D]"), pa.date32()),
            "scheduled_hours": np.full(employees * days, 8.0),
            "worked_hours": np.round(
                np.minimum(8.0 + rng.gamma(0.6, 1.2, employees * days), 24), 2
            ),
        }
    )


def write_export(folder: Path, employees: int, days: int, fmt: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in small_tables(employees).items():
        pq.write_table(table, folder / f"{name}.parquet")
    sheet = timesheets(employees, days)
    if fmt == "parquet":
        pq.write_table(sheet, folder / "timesheets.parquet")
    else:
        pacsv.write_csv(sheet, folder / "timesheets.csv")
    return sheet.num_rows


def run_ingest(folder: Path, data_dir: Path) -> dict[str, float]:
    """Run ``erisk ingest`` in a child process; wall seconds and the child's peak RSS."""
    env = {**os.environ, "ERISK_DATA_DIR": str(data_dir)}
    erisk = Path(sys.executable).with_name("erisk")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [str(erisk), "ingest", str(folder)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}):\n{done.stderr}")
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        peak_kib = float("nan")  # a previous child was bigger: not measurable this way
    return {"seconds": seconds, "peak_rss_gib": peak_kib / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=700, help="days per employee (Parquet)")
    parser.add_argument("--csv-rows", type=int, default=10_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="erisk-bench-") as tmp:
        root = Path(tmp)
        # CSV first: its child is smaller, so the Parquet child's peak RSS is still measurable
        csv_days = max(1, args.csv_rows // args.employees)
        for fmt, days in (("csv", csv_days), ("parquet", args.days)):
            folder = root / f"export-{fmt}"
            rows = write_export(folder, args.employees, days, fmt)
            measured = run_ingest(folder, root / f"store-{fmt}")
            results.append(
                {
                    "format": fmt,
                    "timesheet_rows": rows,
                    "seconds": round(measured["seconds"], 1),
                    "rows_per_second": round(rows / measured["seconds"]),
                    "peak_rss_gib": round(measured["peak_rss_gib"], 2),
                }
            )
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'format':8} {'rows':>12} {'seconds':>8} {'rows/s':>12} {'peak RSS GiB':>13}")
    for r in results:
        print(
            f"{r['format']:8} {r['timesheet_rows']:>12,} {r['seconds']:>8} "
            f"{r['rows_per_second']:>12,} {r['peak_rss_gib']:>13}"
        )


if __name__ == "__main__":
    main()
