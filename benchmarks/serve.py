"""Benchmark the HTTP API beside ``mlflow models serve`` and a bare floor, in one run.

Three servers on loopback, one at a time (they share the 2 cores), the same model version:

- ``erisk``: ``bentoml serve serving.service:EngagementRisk`` — auth, validation, audit line,
  SHAP drivers, texts and actions per record;
- ``mlflow``: ``mlflow models serve -m models:/<name>/<version> --env-manager local`` —
  the same registered pyfunc, probability only;
- ``floor``: a minimal FastAPI app (``floor_app`` below) on uvicorn calling the LightGBM
  booster directly: no auth, no validation, no explanations.

Load comes from ``hey`` (Debian package ``hey``), bounded by time: single-record requests at
concurrency 1, 8 and 32, and 1,000 records in one request at concurrency 1. Reports p50,
p99 and requests/s, the time until ``/readyz`` answers, and checks the targets at
concurrency 8: >= 4x mlflow, >= 0.5x the floor, p50 <= 10 ms, p99 <= 50 ms, ready < 15 s.

Beside wall-clock figures, each row gives the server's CPU time per request (user + system
of the server and its worker processes over the run, from ``psutil``), which other load on
the machine disturbs far less than requests/s, and how that CPU split over the worker
processes (one worker doing all the work means the client's connections landed on it).
The machine's load average is printed before and after.

Needs a scored store and a champion (``make demo`` makes both), read from the usual
settings (``ERISK_DATA_DIR``, ``MLFLOW_TRACKING_URI``, ``ERISK_DB_URL``); keys and the
audit log go to a temporary folder.

    .venv/bin/python -m benchmarks.serve [--seconds 6] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

# module level: FastAPI resolves the ``request: Request`` annotation from module globals
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = (1, 8, 32)
TARGETS = {"vs_mlflow": 4.0, "vs_floor": 0.5, "p50_ms": 10.0, "p99_ms": 50.0, "ready_s": 15.0}


# ---- the floor -------------------------------------------------------------------------
def floor_app() -> FastAPI:
    """The bare floor: JSON records in, booster probabilities out, nothing else."""
    import lightgbm as lgb
    import numpy as np

    booster = lgb.Booster(model_file=os.environ["ERISK_FLOOR_BOOSTER"])
    names = json.loads(os.environ["ERISK_FLOOR_FEATURES"])
    app = FastAPI()

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        records = (await request.json())["records"]
        matrix = np.array(
            [
                [float(r[n]) if isinstance(r.get(n), int | float) else np.nan for n in names]
                for r in records
            ],
            dtype=np.float64,
        )
        return JSONResponse({"risk": booster.predict(matrix).tolist()})

    return app


# ---- helpers ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, child: subprocess.Popen[bytes], limit: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if child.poll() is not None:
            raise RuntimeError(f"server exited with {child.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {limit} s")


def stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def cpu_seconds(child: subprocess.Popen[bytes]) -> dict[int, float]:
    """User + system CPU seconds of a server and each of its descendants, by pid."""
    import psutil

    root = psutil.Process(child.pid)
    seen: dict[int, float] = {}
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seen[process.pid] = times.user + times.system
    return seen


def cpu_use(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds each process used between two :func:`cpu_seconds` readings."""
    return {pid: after[pid] - before.get(pid, 0.0) for pid in after}


def hey(url: str, body: Path, concurrency: int, seconds: float, headers: list[str]) -> dict:
    """One bounded ``hey`` run; p50/p99 in ms, requests/s and the non-200 count."""
    command = [
        "hey",
        "-z",
        f"{seconds}s",
        "-c",
        str(concurrency),
        "-m",
        "POST",
        "-T",
        "application/json",
        "-D",
        str(body),
    ]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else float("nan")

    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    return {
        "concurrency": concurrency,
        "rps": round(number(r"Requests/sec:\s+([\d.]+)"), 1),
        "p50_ms": round(number(r"50% in ([\d.]+) secs") * 1000, 2),
        # hey omits the 99th percentile when it has under 100 answers: the slowest then
        "p99_ms": round(
            number(r"99% in ([\d.]+) secs" if "99% in" in out else r"Slowest:\s+([\d.]+)") * 1000,
            2,
        ),
        "ok": codes.get(200, 0),
        "not_ok": sum(n for c, n in codes.items() if c != 200),
    }


def measure(
    name: str,
    url: str,
    bodies: dict[str, Path],
    seconds: float,
    headers: list[str],
    usage: Callable[[], dict[int, float]],
) -> list[dict]:
    rows = []
    hey(url, bodies["one"], 8, 1.0, headers)  # warm-up, not reported
    runs = [(1, concurrency, bodies["one"]) for concurrency in CONCURRENCY]
    for records, concurrency, body in [*runs, (1000, 1, bodies["thousand"])]:
        before = usage()
        result = hey(url, body, concurrency, seconds, headers)
        used = cpu_use(before, usage())
        answered = result["ok"] + result["not_ok"]
        busy = sorted((v for v in used.values() if v > 0.05 * sum(used.values())), reverse=True)
        rows.append(
            {
                "server": name,
                "records": records,
                **result,
                "cpu_us_per_request": round(sum(used.values()) / answered * 1e6)
                if answered
                else None,
                # CPU share of each process that did real work, largest first
                "cpu_split": [round(v / sum(busy), 2) for v in busy],
            }
        )
    for row in rows:
        print(
            f"{name:7} records={row['records']:<5} c={row['concurrency']:<3} "
            f"{row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>8.2f} ms  "
            f"p99 {row['p99_ms']:>8.2f} ms  non-200 {row['not_ok']}  "
            f"server CPU {row['cpu_us_per_request']} µs/req split {row['cpu_split']}",
            flush=True,
        )
    return rows


# ---- the run ---------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="Load per measurement.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args()
    if shutil.which("hey") is None:
        print("needs `hey`: apt-get install hey", file=sys.stderr)
        return 2

    from pipelines.score import SnapshotData, resolve_model
    from pipelines.scores_store import ScoresStore
    from pipelines.settings import load_settings
    from serving.auth import create_key

    settings = load_settings()
    model = resolve_model(settings, "champion", None)
    months = ScoresStore.from_settings(settings).months()
    rows = SnapshotData(settings).features(months[-20:])
    names = model.bundle.features.names
    numeric = [n for n in names if n not in model.bundle.features.categorical]
    scratch = Path(tempfile.mkdtemp(prefix="erisk-bench-serve-"))

    def as_record(row: Any) -> dict[str, Any]:
        values = {n: (None if row[n] != row[n] else float(row[n])) for n in numeric}
        return {
            "team_id": str(row["team_id"]),
            "month": str(row["month"]),
            "survey_suppressed": bool(row["survey_suppressed"]),
            **values,
        }

    records = [as_record(row) for _, row in rows.head(1000).iterrows()]
    while len(records) < 1000:
        records += records[: 1000 - len(records)]
    frames = [{**r, "department": d} for r, d in zip(records, rows["department"], strict=False)]
    frames = (frames * 2)[:1000]
    mlflow_rows = [{n: f.get(n) for n in names} for f in frames]
    bodies = {
        "erisk": {"one": {"records": records[:1]}, "thousand": {"records": records}},
        "mlflow": {
            "one": {"dataframe_records": mlflow_rows[:1]},
            "thousand": {"dataframe_records": mlflow_rows},
        },
        "floor": {"one": {"records": frames[:1]}, "thousand": {"records": frames}},
    }
    files: dict[str, dict[str, Path]] = {}
    for server, payloads in bodies.items():
        files[server] = {}
        for size, payload in payloads.items():
            path = scratch / f"{server}-{size}.json"
            path.write_text(json.dumps(payload))
            files[server][size] = path
    booster_file = scratch / "booster.txt"
    model.bundle.booster.save_model(str(booster_file))
    key = create_key(scratch / "api_keys.json", "bench", "all")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "OMP_NUM_THREADS": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "ERISK_API_KEYS_FILE": str(scratch / "api_keys.json"),
        "ERISK_AUDIT_LOG": str(scratch / "audit.log"),
        "ERISK_FLOOR_BOOSTER": str(booster_file),
        "ERISK_FLOOR_FEATURES": json.dumps(names),
        "BENTOML_HOME": str(scratch / "bentoml"),
    }
    servers = {
        "erisk": (
            ["-m", "bentoml", "serve", "serving.service:EngagementRisk"],
            "/readyz",
            "/v1/score",
            [f"Authorization: Bearer {key}"],
        ),
        "mlflow": (
            [
                str(BIN / "mlflow"),
                "models",
                "serve",
                "-m",
                f"models:/{model.name}/{model.version}",
                "--env-manager",
                "local",
            ],
            "/ping",
            "/invocations",
            [],
        ),
        "floor": (
            [
                "-m",
                "uvicorn",
                "benchmarks.serve:floor_app",
                "--factory",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            "/docs",
            "/predict",
            [],
        ),
    }
    results: list[dict] = []
    ready: dict[str, float] = {}
    print(
        f"model {model.name} v{model.version}; {len(records)} records; "
        f"hey {args.seconds:g} s per measurement; load average {_load()}",
        flush=True,
    )
    for name, (command, ready_path, route, headers) in servers.items():
        port = free_port()
        bind = ["--host", "127.0.0.1", "--port", str(port)]
        if name == "mlflow":
            bind = ["-h", "127.0.0.1", "-p", str(port)]
        argv = [sys.executable, *command] if command[0] == "-m" else command
        log = (scratch / f"{name}.log").open("wb")
        child = subprocess.Popen(
            [*argv, *bind], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            ready[name] = round(wait_ready(base + ready_path, child), 1)
            print(f"{name}: ready in {ready[name]} s", flush=True)
            results += measure(
                name,
                base + route,
                files[name],
                args.seconds,
                headers,
                lambda child=child: cpu_seconds(child),
            )
        finally:
            stop(child)
            log.close()
    summary = _summary(results, ready)
    summary["load_average_after"] = _load()
    print(f"load average after: {summary['load_average_after']}", flush=True)
    if args.json:
        print(json.dumps({"results": results, "ready_s": ready, "summary": summary}, indent=2))
    else:
        for line, ok in summary["checks"]:
            print(f"{'PASS' if ok else 'FAIL'}  {line}")
        print(
            f"info  c=8: the floor needs {summary['floor_cpu_share']}x the CPU per request "
            "of erisk (server processes only)"
        )
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _load() -> str:
    """The 1, 5 and 15-minute load averages (other work on the 2 cores skews wall time)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _summary(results: list[dict], ready: dict[str, float]) -> dict[str, Any]:
    at8 = {r["server"]: r for r in results if r["records"] == 1 and r["concurrency"] == 8}
    ours, mlflow, floor = at8["erisk"], at8["mlflow"], at8["floor"]
    vs_mlflow = ours["rps"] / mlflow["rps"] if mlflow["rps"] else float("inf")
    vs_floor = ours["rps"] / floor["rps"] if floor["rps"] else 0.0
    checks = [
        (
            f"c=8: {vs_mlflow:.1f}x mlflow models serve (target >= {TARGETS['vs_mlflow']:g}x)",
            vs_mlflow >= TARGETS["vs_mlflow"],
        ),
        (
            f"c=8: {vs_floor:.2f}x the floor (target >= {TARGETS['vs_floor']:g}x)",
            vs_floor >= TARGETS["vs_floor"],
        ),
        (
            f"c=8: p50 {ours['p50_ms']} ms (target <= {TARGETS['p50_ms']:g})",
            ours["p50_ms"] <= TARGETS["p50_ms"],
        ),
        (
            f"c=8: p99 {ours['p99_ms']} ms (target <= {TARGETS['p99_ms']:g})",
            ours["p99_ms"] <= TARGETS["p99_ms"],
        ),
        (
            f"ready in {ready['erisk']} s (target < {TARGETS['ready_s']:g})",
            ready["erisk"] < TARGETS["ready_s"],
        ),
        (
            f"no non-200 answers ({sum(r['not_ok'] for r in results)})",
            all(r["not_ok"] == 0 for r in results),
        ),
    ]
    # not a target: the floor's share of the CPU per request, which the load of other jobs
    # on the machine moves far less than the requests/s ratio above
    cpu_ratio = (
        floor["cpu_us_per_request"] / ours["cpu_us_per_request"]
        if ours["cpu_us_per_request"] and floor["cpu_us_per_request"]
        else None
    )
    return {
        "vs_mlflow": round(vs_mlflow, 2),
        "vs_floor": round(vs_floor, 2),
        "floor_cpu_share": round(cpu_ratio, 2) if cpu_ratio is not None else None,
        "checks": checks,
    }


if __name__ == "__main__":
    sys.exit(main())
