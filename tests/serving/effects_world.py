"""What the effects tests record on the live services, and a way to take the feature table
away for a moment (shared by the API and page tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pipelines.build_features import TABLE_FILE
from pipelines.snapshots import SnapshotStore
from tests.serving.live_server import Server


def record(server: Server, key: str, team: str, month: str) -> str:
    """Record a buffer for ``team`` from the first day of ``month``; its id."""
    row = {
        "team_id": team,
        "start_date": f"{month}-01",
        "intervention": "buffer",
        "action_id": "no_overtime_day",
        "note": f"effects {uuid.uuid4().hex[:8]}",
    }
    answer = server.post("/v1/interventions", row, key)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["intervention_id"])


@contextmanager
def feature_table_moved(server: Server) -> Iterator[None]:
    """The current snapshot's feature table out of the way for a moment (put back after)."""
    current = SnapshotStore(server.data_dir / "snapshots").require_current()
    table = server.data_dir / "features" / current / TABLE_FILE
    aside = table.with_suffix(".aside")
    table.rename(aside)
    try:
        yield
    finally:
        aside.rename(table)


@dataclass(frozen=True)
class Helped:
    """Buffers recorded early enough to be measured on the fully scored service."""

    server: Server
    month: str
    mine: list[str]  # intervention ids of the scoped key's department
    theirs: list[str]  # of other departments
    teams: dict[str, str]  # intervention id -> team


def record_helped(server: Server) -> Helped:
    """Six buffers from the world's 9th month, in the scoped key's department and others
    (neither the moved nor the small team), recorded with the key for every department."""
    month = server.months[8]
    skip = {server.hostile.moved_team, server.hostile.small_team}
    teams = sorted(t for t in server.department_of if t not in skip)
    inside = [t for t in teams if server.department_of[t] == server.scoped_department][:3]
    outside = [t for t in teams if server.department_of[t] != server.scoped_department]
    outside = outside[: 6 - len(inside)]
    mine = [record(server, server.all_key, team, month) for team in inside]
    theirs = [record(server, server.all_key, team, month) for team in outside]
    ids = dict(zip(mine + theirs, inside + outside, strict=True))
    return Helped(server, month, mine, theirs, ids)
