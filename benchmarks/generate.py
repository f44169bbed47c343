"""Benchmark ``erisk generate``: the default world (with truth) and the enterprise world (without).

Each run is a fresh Python process, timed end to end (interpreter start and imports
included), reporting the rows written per table and the process's peak RSS.

    .venv/bin/python benchmarks/generate.py            # both, as a table
    .venv/bin/python benchmarks/generate.py --json     # machine-readable
    .venv/bin/python benchmarks/generate.py --only default

Targets (issue 3): default < 10 s; enterprise < 3 min with peak RSS < 8 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES: dict[str, dict[str, object]] = {
    "default": {"scenario": "default", "truth": True, "target_seconds": 10.0},
    "enterprise": {"scenario": "enterprise", "truth": False, "target_seconds": 180.0},
}
TARGET_RSS_GB = 8.0

CHILD = """
import json, resource, sys
from pathlib import Path
from pipelines.generate import run_generate
summary = run_generate(Path(sys.argv[1]), sys.argv[2], truth=sys.argv[3] == "1")
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"summary": summary.as_dict(), "peak_rss_kb": peak_kb}))
"""


def run_case(name: str, workdir: Path) -> dict[str, object]:
    """Generate one case in a child process; return its timings, rows and peak memory."""
    case = CASES[name]
    out = workdir / name
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(out),
            str(case["scenario"]),
            "1" if case["truth"] else "0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    report = json.loads(done.stdout.strip().splitlines()[-1])
    summary = report["summary"]
    peak_gb = report["peak_rss_kb"] / 1024**2
    return {
        "case": name,
        "scenario": case["scenario"],
        "truth": case["truth"],
        "wall_seconds": round(wall, 2),
        "generate_seconds": round(summary["seconds"], 2),
        "truth_seconds": None
        if summary["truth_seconds"] is None
        else round(summary["truth_seconds"], 2),
        "rows": summary["rows"],
        "truth_rows": summary["truth_rows"],
        "peak_rss_gb": round(peak_gb, 3),
        "target_seconds": case["target_seconds"],
        "meets_target": wall < float(case["target_seconds"]) and peak_gb < TARGET_RSS_GB,
    }


def print_table(results: list[dict[str, object]]) -> None:
    """A small human-readable table of the results."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="erisk generate")
    for column in ("case", "wall s", "truth s", "peak RSS GB", "timesheets", "target", "ok"):
        table.add_column(column, justify="right" if column != "case" else "left")
    for r in results:
        rows = r["rows"]
        table.add_row(
            str(r["case"]),
            f"{r['wall_seconds']:.1f}",
            "-" if r["truth_seconds"] is None else f"{r['truth_seconds']:.1f}",
            f"{r['peak_rss_gb']:.2f}",
            f"{rows['timesheets']:,}",
            f"< {r['target_seconds']:.0f} s",
            "yes" if r["meets_target"] else "NO",
        )
    Console().print(table)
    for r in results:
        Console().print(f"{r['case']}: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", choices=sorted(CASES), help="run one case")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else list(CASES)
    with tempfile.TemporaryDirectory(prefix="erisk-bench-") as tmp:
        results = [run_case(name, Path(tmp)) for name in names]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
