"""One real ``bentoml serve`` on a free loopback port for every serving test (API and page).

The generated world's champion, its first month (too little history for any team), a month
with a full review list and its last two months scored into a SQLite store of its own,
two keys (all departments, one department); started once per test session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.pipelines.conftest import REVIEW_MONTH_INDEX, World
from tests.serving.hostile_world import HostileWorld, write_hostile_world

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 90


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    keys_file: Path
    audit_log: Path
    all_key: str
    scoped_key: str
    scoped_department: str
    other_department: str
    inside_team: str
    outside_team: str
    months: list[str]
    young_month: str
    review_month: str
    features: dict[str, dict[str, object]]
    department_of: dict[str, str]
    data_dir: Path
    hostile: HostileWorld
    pid: int

    def get(self, path: str, key: str | None = None, **params: object) -> httpx.Response:
        return httpx.get(self.url + path, headers=_auth(key), params=params, timeout=30)

    def post(self, path: str, body: object, key: str | None = None, **kw: object) -> httpx.Response:
        headers = {**_auth(key), **kw.pop("headers", {})}  # type: ignore[dict-item]
        if isinstance(body, bytes):
            return httpx.post(self.url + path, content=body, headers=headers, timeout=30)
        return httpx.post(self.url + path, json=body, headers=headers, timeout=30)

    def audit(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.audit_log.read_text().splitlines()]


def _auth(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, child: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_SECONDS:
        if child.poll() is not None:
            raise RuntimeError(f"bentoml serve exited {child.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"not ready after {READY_SECONDS} s:\n{log.read_text()}")


def start_server(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    scored: list[str] | None = None,
) -> Iterator[Server]:
    """Ingest the world's export with hostile names into a data dir of its own, score its
    first month, a month with a full review list and its last two months (or the
    ``scored`` months), ingest a later export in which a team moved department (not
    re-scored), create keys, start the service, stop it after."""
    import pandas as pd

    from pipelines.build_features import run_features
    from pipelines.ingest import run_ingest
    from pipelines.score import SnapshotData, run_score
    from pipelines.settings import load_settings
    from serving.auth import create_key

    folder = tmp_path_factory.mktemp("serve")
    hostile = write_hostile_world(world.export, folder / "exports")
    data_dir = folder / "data"
    env = {
        **os.environ,
        "ERISK_DATA_DIR": str(data_dir),
        "MLFLOW_TRACKING_URI": world.tracking_uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "ERISK_DB_URL": f"sqlite:///{folder}/scores.db",
        "ERISK_API_KEYS_FILE": str(folder / "api_keys.json"),
        "ERISK_AUDIT_LOG": str(folder / "audit.log"),
        "ERISK_SERVE_WORKERS": "1",
        "ERISK_MAX_BODY_BYTES": "200000",
        "BENTOML_HOME": str(folder / "bentoml"),
        # the proxy uvicorn would trust is elsewhere: test clients are plain clients
        "FORWARDED_ALLOW_IPS": "192.0.2.1",
    }
    # the export's first month (every team under 6 months of history: nothing is ranked,
    # nothing stands out), a month with more high teams than the review list holds (4 high
    # teams for k = 3 with the world's seed), and the last two
    young_month, review_month = world.months[0], world.months[REVIEW_MONTH_INDEX]
    months = scored or [young_month, review_month, *world.months[-2:]]
    with pytest.MonkeyPatch.context() as patch:
        for name in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI", "ERISK_DB_URL"):
            patch.setenv(name, env[name])
        settings = load_settings()
        run_ingest(hostile.export, settings)
        for month in months:
            run_score(settings, month)
        teams = pd.read_parquet(hostile.export / "teams.parquet")
        run_ingest(hostile.moved_export, settings)
        run_features(settings, [world.months[-3], *months])
        rows = SnapshotData(settings).features([months[-1]])
    departments = teams.groupby("department")["team_id"].first()
    inside_department, other_department = sorted(departments.index)[:2]
    features = {
        str(row["team_id"]): {
            name: (None if pd.isna(row[name]) else float(row[name]))
            for name in rows.columns
            if name
            not in {"team_id", "month", "team_name", "department", "label", "history_months"}
            and name != "survey_suppressed"
        }
        | {"survey_suppressed": bool(row["survey_suppressed"])}
        for _, row in rows.iterrows()
    }
    small = features[hostile.small_team]["headcount"]
    assert small is not None and small < 5, f"the small team has {small} members"
    keys_file = folder / "api_keys.json"
    all_key = create_key(keys_file, "all", "all")
    scoped_key = create_key(keys_file, "scoped", inside_department)
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bentoml",
                "serve",
                "serving.service:EngagementRisk",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        seconds = _wait_ready(url, child, log)
        print(f"service ready in {seconds:.1f} s")
        yield Server(
            url=url,
            env=env,
            keys_file=keys_file,
            audit_log=folder / "audit.log",
            all_key=all_key,
            scoped_key=scoped_key,
            scoped_department=inside_department,
            other_department=other_department,
            inside_team=str(departments[inside_department]),
            outside_team=str(departments[other_department]),
            months=months,
            young_month=young_month,
            review_month=review_month,
            features=features,
            department_of=dict(zip(teams["team_id"], teams["department"], strict=True)),
            data_dir=data_dir,
            hostile=hostile,
            pid=child.pid,
        )
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
