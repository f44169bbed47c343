"""``POST/GET /v1/interventions`` against the live ``bentoml serve``: recording what HR did,
with the key's scope, the audit line and the /v1 guards of every route."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.serving.live_server import Server

pytestmark = pytest.mark.slow
ROUTE = "/v1/interventions"


def body(team: str, **changes: object) -> dict[str, object]:
    """A good row with a note of its own (the server's store is shared by the tests)."""
    values: dict[str, object] = {
        "team_id": team,
        "start_date": "2026-11-02",
        "intervention": "buffer",
        "action_id": "no_overtime_day",
        "note": f"test {uuid.uuid4().hex[:8]}",
    }
    return {**values, **changes}


def listed(server: Server, key: str, **params: object) -> list[dict[str, object]]:
    answer = server.get(ROUTE, key, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()["interventions"]


def test_a_key_records_a_row_once_and_reads_it_back(server: Server) -> None:
    # given a row for a team of the scoped key's department
    row = body(server.inside_team)
    assert row not in listed(server, server.scoped_key)  # the audit log exists from here on
    before = len(server.audit())
    # when the scoped key posts it twice
    first = server.post(ROUTE, row, server.scoped_key)
    again = server.post(ROUTE, row, server.scoped_key)
    # then it is recorded once (201, then 200 with the same row), by the key's id
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json() == first.json()
    stored = first.json()
    assert stored["intervention_id"].startswith("iv-")
    assert (stored["team_id"], stored["department"]) == (
        server.inside_team,
        server.scoped_department,
    )
    assert (stored["recorded_by"], stored["cancelled"], stored["note"]) == (
        "scoped",
        False,
        row["note"],
    )
    assert stored["start_date"] == "2026-11-02" and stored["recorded_at"].endswith("Z")
    # and the key reads it back, by team too
    assert stored in listed(server, server.scoped_key)
    assert stored in listed(server, server.scoped_key, team_id=server.inside_team)
    # and both posts are audited with the route, team and department
    lines = [line for line in server.audit()[before:] if line["route"] == ROUTE]
    assert [(line["method"], line["status"]) for line in lines] == [
        ("POST", 201),
        ("POST", 200),
        ("GET", 200),
        ("GET", 200),
    ]
    posts, reads = lines[:2], lines[2:]
    assert {(line["team_id"], line["department"], line["key_id"]) for line in posts} == {
        (server.inside_team, server.scoped_department, "scoped")
    }
    assert [line["team_id"] for line in reads] == [None, server.inside_team]


def test_a_key_neither_records_nor_reads_another_department(server: Server) -> None:
    # given a row of each department, the other's recorded by the key for every department
    mine = server.post(ROUTE, body(server.inside_team), server.scoped_key)
    theirs = server.post(ROUTE, body(server.outside_team), server.all_key)
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    # when the scoped key posts for that team, and asks for its rows
    posted = server.post(ROUTE, body(server.outside_team), server.scoped_key)
    by_team = server.get(ROUTE, server.scoped_key, team_id=server.outside_team)
    by_department = server.get(ROUTE, server.scoped_key, department=server.other_department)
    unknown = server.post(ROUTE, body("NO-SUCH-TEAM"), server.scoped_key)
    # then each is 404 like an unknown team, with nothing of the other department
    for refused in (posted, by_team, by_department, unknown):
        assert refused.status_code == 404, refused.text
        assert "interventions" not in refused.json()
    assert posted.json()["error"] == f"unknown team {server.outside_team!r}"
    # and its own list holds only its departments' rows; the all key sees both
    assert {r["department"] for r in listed(server, server.scoped_key)} == {
        server.scoped_department
    }
    assert theirs.json() in listed(server, server.all_key, department=server.other_department)


def test_a_correction_cancels_a_row_of_the_key_departments_only(server: Server) -> None:
    # given a row of each department
    mine = server.post(ROUTE, body(server.inside_team), server.scoped_key).json()
    theirs = server.post(ROUTE, body(server.outside_team), server.all_key).json()
    # when the scoped key cancels its own row, another department's and an unknown id
    fixed = server.post(
        ROUTE,
        body(server.inside_team, start_date="2026-11-09", cancels=mine["intervention_id"]),
        server.scoped_key,
    )
    other = server.post(
        ROUTE, body(server.inside_team, cancels=theirs["intervention_id"]), server.scoped_key
    )
    unknown = server.post(ROUTE, body(server.inside_team, cancels="iv-0"), server.scoped_key)
    # then its own row reads as cancelled, kept
    assert fixed.status_code == 201, fixed.text
    rows = {r["intervention_id"]: r for r in listed(server, server.scoped_key)}
    assert rows[mine["intervention_id"]]["cancelled"] is True
    assert rows[fixed.json()["intervention_id"]]["cancels"] == mine["intervention_id"]
    # and the other two are refused alike, naming the field
    for refused in (other, unknown):
        assert refused.status_code == 400, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "cancels"]
        assert "must reference an intervention_id recorded before" in refused.json()["error"]
    theirs_now = listed(server, server.all_key, department=server.other_department)
    assert not next(r for r in theirs_now if r == theirs)["cancelled"]


@pytest.mark.parametrize(
    ("changes", "loc", "words"),
    [
        ({"action_id": "peer_bonus"}, ["body", "action_id"], "intervention type is the row's"),
        ({"action_id": "free_pizza"}, ["body", "action_id"], "an action id of the catalogue"),
        ({"note": "x" * 501}, ["body", "note"], "at most 500 characters"),
        ({"start_date": "1850-01-01"}, ["body", "start_date"], "a plausible date"),
        ({"intervention": "party"}, ["body", "intervention"], "'buffer' or 'recognition'"),
        ({"start_date": "2026-13-01"}, ["body", "start_date"], "valid date"),
        ({"recorded_by": "someone"}, ["body", "recorded_by"], "Extra inputs"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field_and_record_nothing(
    server: Server, changes: dict[str, object], loc: list[str], words: str
) -> None:
    # given a row that breaks one rule
    row = body(server.inside_team, **changes)
    # when posted
    answer = server.post(ROUTE, row, server.all_key)
    # then 400 with the field and the rule, and nothing is recorded
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == loc, detail
    assert words in answer.json()["error"] + detail[0]["msg"]
    assert all(r["note"] != row["note"] for r in listed(server, server.all_key))


def test_the_v1_guards_hold_on_the_new_routes(server: Server) -> None:
    # when posted without a key, as a pickle, and over the size limit
    no_key = httpx.post(server.url + ROUTE, json=body(server.inside_team), timeout=30)
    no_key_list = httpx.get(server.url + ROUTE, timeout=30)
    pickled = server.post(
        ROUTE,
        b"\x80\x04.",
        server.all_key,
        headers={"Content-Type": "application/x-python-pickle"},
    )
    huge = server.post(ROUTE, body(server.inside_team, note="x" * 300_000), server.all_key)
    # then 401, 415 and 413, as on every /v1 route
    assert (no_key.status_code, no_key_list.status_code) == (401, 401)
    assert pickled.status_code == 415
    assert huge.status_code == 413
