"""The HTTP API against a real ``bentoml serve`` on a free loopback port (``live_server``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from features.catalogue import FEATURES
from tests.pipelines.conftest import World
from tests.result_shape import RESULT_KEYS
from tests.serving.live_server import Server, _auth
from tests.serving.ui.pages import Browsers

pytestmark = pytest.mark.slow
SPECS = {spec.name: spec for spec in FEATURES}


def record(server: Server, team: str) -> dict[str, object]:
    return {"team_id": team, "month": server.months[-1], **server.features[team]}


# ---- every route -----------------------------------------------------------------------
def test_score_gives_the_scored_team_shape_for_each_record(server: Server) -> None:
    # given two records of the latest month
    body = {"records": [record(server, server.inside_team), record(server, server.outside_team)]}
    # when scored in Japanese
    response = server.post("/v1/score", {**body, "lang": "ja"}, server.all_key)
    # then both come back in order with risk, band, drivers and the model version
    assert response.status_code == 200, response.text
    payload = response.json()
    assert isinstance(payload["model_version"], int)
    assert [r["team_id"] for r in payload["results"]] == [server.inside_team, server.outside_team]
    first = payload["results"][0]
    assert 0 <= first["risk"] <= 1 and first["band"] in {"low", "medium", "high"}
    assert first["department"] == server.scoped_department and first["drivers"]
    assert "月" in first["drivers"][0]["text"]
    # and each has its lift and status; rank and review are null (what-if rows, not a list)
    base_rate = server.get("/v1/model", server.all_key).json()["bands"]["base_rate"]
    for result in payload["results"]:
        assert set(result) == RESULT_KEYS
        assert (result["rank"], result["review"], result["status"]) == (None, None, "scored")
        assert result["lift"] == pytest.approx(result["risk"] / base_rate, abs=0.01)


def test_score_takes_the_status_from_the_team_history_in_the_snapshot(server: Server) -> None:
    # given a team's features posted for the export's first month (under 6 months of history)
    young = {**record(server, server.inside_team), "month": server.young_month}
    # when scored
    response = server.post("/v1/score", {"records": [young]}, server.all_key)
    # then it is insufficient_history: band low, no flag, no rank, whatever its risk
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert (result["status"], result["band"], result["flags"], result["rank"]) == (
        "insufficient_history",
        "low",
        [],
        None,
    )


def test_score_matches_the_batch_job_for_the_same_features(server: Server) -> None:
    # given the batch result of a team in the latest month
    batch = server.get(f"/v1/teams/{server.inside_team}/risk", server.all_key).json()["result"]
    # when the same features are posted
    online = server.post(
        "/v1/score", {"records": [record(server, server.inside_team)]}, server.all_key
    ).json()["results"][0]
    # then the risk and band are the same (one scoring function for both)
    assert online["risk"] == pytest.approx(batch["risk"], abs=1e-4)
    assert online["band"] == batch["band"]


def test_team_risk_defaults_to_the_latest_month_with_history(server: Server) -> None:
    # when a team is asked for without and with a month
    latest = server.get(f"/v1/teams/{server.inside_team}/risk", server.all_key)
    earlier = server.get(
        f"/v1/teams/{server.inside_team}/risk", server.all_key, month=server.months[0]
    )
    # then the default is the latest scored month and history holds the scored months
    assert latest.status_code == earlier.status_code == 200
    assert latest.json()["month"] == server.months[-1]
    assert [h["month"] for h in latest.json()["history"]] == server.months
    assert [h["month"] for h in earlier.json()["history"]] == server.months[:1]
    assert latest.json()["result"]["team_id"] == server.inside_team


def test_flagged_is_the_review_list_then_the_watch_list(server: Server) -> None:
    # given a month with more high teams than the review list holds
    month = server.review_month
    # when the flagged list is asked for, whole and per intervention
    everything = server.get("/v1/flagged", server.all_key, month=month).json()
    buffer = server.get("/v1/flagged", server.all_key, month=month, intervention="buffer").json()
    results = everything["results"]
    # then it holds the month's medium and high teams: the review list first, by rank...
    listed = [r["review"] for r in results]
    assert listed == sorted(listed, reverse=True)
    review = [r for r in results if r["review"]]
    watch = [r for r in results if not r["review"]]
    assert [r["rank"] for r in review] == sorted(r["rank"] for r in review)
    assert all(r["band"] == "high" for r in review)
    # ...then the watch list by rank (the month's other medium and high teams, with flags
    # only among them)
    assert [r["rank"] for r in watch] == sorted(r["rank"] for r in watch)
    assert all(r["band"] in ("medium", "high") and r["status"] == "scored" for r in results)
    # (k = 3 for 16 teams: a high team beyond it is on the watch list, still high)
    assert len(review) == 3 and any(r["band"] == "high" for r in watch)
    assert max(r["rank"] for r in review) < min(r["rank"] for r in watch if r["band"] == "high")
    answers = [
        server.get(f"/v1/teams/{quote(team, safe='')}/risk", server.all_key, month=month)
        for team in server.department_of
    ]
    scored = [a.json()["result"] for a in answers if a.status_code == 200]
    assert sorted(r["team_id"] for r in results) == sorted(
        r["team_id"] for r in scored if r["band"] in ("medium", "high")
    )
    assert all(set(r) == RESULT_KEYS for r in results)
    # and the filter keeps matching teams, in the same order
    assert all("buffer" in r["flags"] for r in buffer["results"])
    assert [r["team_id"] for r in buffer["results"]] == [
        r["team_id"] for r in results if "buffer" in r["flags"]
    ]
    assert everything["month"] == month
    # and without a month, the latest scored month answers
    assert server.get("/v1/flagged", server.all_key).json()["month"] == server.months[-1]


def test_a_scoped_key_sees_ranks_among_its_own_teams(server: Server) -> None:
    # given every team of the scoped key's department in a month with a review list, seen
    # by both keys
    month = server.review_month
    teams = [t for t, d in server.department_of.items() if d == server.scoped_department]
    seen = {
        name: {
            team: server.get(f"/v1/teams/{quote(team, safe='')}/risk", key, month=month).json()[
                "result"
            ]
            for team in teams
        }
        for name, key in (("all", server.all_key), ("scoped", server.scoped_key))
    }
    # then the scoped key's ranks run 1..n in the order of the organisation's ranks, and
    # review is the month's decision, the same for both keys
    ranked = sorted(
        (r for r in seen["all"].values() if r["rank"] is not None), key=lambda r: r["rank"]
    )
    assert [seen["scoped"][r["team_id"]]["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert ranked and max(r["rank"] for r in ranked) > len(ranked)  # renumbered, not copied
    for team in teams:
        assert seen["scoped"][team]["review"] == seen["all"][team]["review"]
    # and its flagged list carries those ranks
    flagged = server.get("/v1/flagged", server.scoped_key, month=month).json()["results"]
    assert all(r["rank"] == seen["scoped"][r["team_id"]]["rank"] for r in flagged)


def test_a_month_of_short_histories_has_no_ranks_and_an_empty_list(server: Server) -> None:
    # when the export's first month is asked for
    flagged = server.get("/v1/flagged", server.all_key, month=server.young_month).json()
    team = server.get(
        f"/v1/teams/{server.inside_team}/risk", server.all_key, month=server.young_month
    ).json()["result"]
    # then nothing stands out: no team is ranked, listed or flagged
    assert flagged["results"] == []
    assert (team["status"], team["rank"], team["review"], team["band"]) == (
        "insufficient_history",
        None,
        False,
        "low",
    )


def test_whatif_rescores_with_the_changes(server: Server) -> None:
    # given a change to an actionable feature
    body = {
        "team_id": server.inside_team,
        "month": server.months[-1],
        "changes": {"overtime_mean_hours": 0.0},
    }
    # when posted
    response = server.post("/v1/whatif", body, server.all_key)
    # then before and after are scored teams of that month, with the change echoed
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["changes"] == {"overtime_mean_hours": 0.0}
    assert payload["before"]["month"] == payload["after"]["month"] == server.months[-1]


def test_model_names_the_resolved_version_and_its_card(server: Server, world: World) -> None:
    response = server.get("/v1/model", server.all_key)
    assert response.status_code == 200
    payload = response.json()
    assert payload["version"] == world.champion and payload["alias"] == "champion"
    assert payload["trained_at"].endswith("Z") and payload["metrics"]
    assert payload["model_card"] and payload["scored_months"] == server.months
    # and the base rate, and the review list's and bands' backtest figures with intervals
    bands = payload["bands"]
    assert 0 < bands["base_rate"] < 1
    assert [row["list"] for row in bands["lists"]] == ["review", "high", "medium", "watch"]
    review = bands["lists"][0]
    assert review["precision"] == bands["backtest"]["review.precision"]
    assert len(review["precision_ci90"]) == 2 and "recall" in review and "lift" in review
    assert bands["sentence"]["en"].startswith("In the backtest")


def test_health_routes_and_spec_are_open(server: Server) -> None:
    for path in ("/livez", "/readyz", "/metrics"):
        assert server.get(path).status_code == 200, path
    spec = server.get("/docs.json").json()
    assert {
        "/v1/score",
        "/v1/teams/{team_id}/risk",
        "/v1/flagged",
        "/v1/whatif",
        "/v1/model",
        "/v1/interventions",
        "/v1/effects",
    } <= set(spec["paths"])
    assert {"get", "post"} <= set(spec["paths"]["/v1/interventions"])


# ---- auth and scope --------------------------------------------------------------------
ROUTES = [
    ("GET", "/v1/model"),
    ("GET", "/v1/flagged"),
    ("GET", "/v1/teams/T0001/risk"),
    ("POST", "/v1/score"),
    ("POST", "/v1/whatif"),
    ("GET", "/v1/interventions"),
    ("POST", "/v1/interventions"),
    ("GET", "/v1/effects"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_or_wrong_keys_get_401_on_every_data_route(
    server: Server, method: str, path: str
) -> None:
    wrong = server.all_key[:-3] + ("aaa" if not server.all_key.endswith("aaa") else "bbb")
    for key in (None, wrong, "erisk_nobody_secret", "not-a-key"):
        response = httpx.request(method, server.url + path, headers=_auth(key), timeout=30)
        assert response.status_code == 401, (key, response.text)
        assert response.json()["error"]


def test_a_scoped_key_sees_only_its_departments(server: Server) -> None:
    key = server.scoped_key
    # when the scoped key asks for its own team and for another department's
    own = server.get(f"/v1/teams/{server.inside_team}/risk", key)
    other = server.get(f"/v1/teams/{server.outside_team}/risk", key)
    other_score = server.post("/v1/score", {"records": [record(server, server.outside_team)]}, key)
    other_whatif = server.post(
        "/v1/whatif",
        {
            "team_id": server.outside_team,
            "month": server.months[-1],
            "changes": {"overtime_mean_hours": 1},
        },
        key,
    )
    flagged = server.get("/v1/flagged", key).json()["results"]
    other_filter = server.get("/v1/flagged", key, department=server.other_department)
    # then its own team answers, the other department is 404 everywhere, with no data
    assert own.status_code == 200
    for refused in (other, other_score, other_whatif, other_filter):
        assert refused.status_code == 404
        assert server.outside_team not in refused.text or "unknown team" in refused.text
        assert "risk" not in refused.json()
    assert all(r["department"] == server.scoped_department for r in flagged)
    # and an unknown team answers exactly like a team outside the scope
    unknown = server.get("/v1/teams/NO-SUCH-TEAM/risk", key)
    assert unknown.status_code == 404 and "unknown team" in unknown.json()["error"]


def test_a_revoked_key_is_refused_without_a_restart(server: Server) -> None:
    from serving.auth import create_key, revoke_key

    # given a new key that works
    key = create_key(server.keys_file, "temp", "all")
    assert server.get("/v1/model", key).status_code == 200
    # when it is revoked in the file
    time.sleep(0.02)
    revoke_key(server.keys_file, "temp")
    # then the running server refuses it
    assert server.get("/v1/model", key).status_code == 401


# ---- audit -----------------------------------------------------------------------------
def test_every_data_request_is_audited_with_its_template_and_never_the_key(
    server: Server,
) -> None:
    # given the audit log so far
    before = len(server.audit())
    # when an allowed, a refused-by-scope and an unauthenticated request are made
    server.get(f"/v1/teams/{server.inside_team}/risk", server.scoped_key, month=server.months[0])
    server.get(f"/v1/teams/{server.outside_team}/risk", server.scoped_key)
    server.get("/v1/flagged")
    server.get("/livez")
    # then three lines were added (none for health), with the fixed fields
    lines = server.audit()[before:]
    assert [line["status"] for line in lines] == [200, 404, 401]
    allowed, refused, anonymous = lines
    assert allowed == {
        **allowed,
        "key_id": "scoped",
        "method": "GET",
        "route": "/v1/teams/{team_id}/risk",
        "team_id": server.inside_team,
        "department": server.scoped_department,
        "month": server.months[0],
    }
    assert refused["key_id"] == "scoped" and refused["team_id"] == server.outside_team
    assert anonymous["key_id"] is None and anonymous["route"] == "/v1/flagged"
    text = server.audit_log.read_text()
    assert server.scoped_key not in text and server.all_key not in text
    assert server.scoped_key.split("_", 2)[2] not in text


# ---- errors ----------------------------------------------------------------------------
def test_invalid_input_is_a_400_with_field_level_detail(server: Server) -> None:
    key = server.all_key
    empty = server.post("/v1/score", {"records": []}, key)
    bad_month = server.post(
        "/v1/score", {"records": [{"team_id": server.inside_team, "month": "2026-13"}]}, key
    )
    unknown_field = server.post(
        "/v1/score",
        {"records": [{"team_id": server.inside_team, "month": "2026-10", "salary": 1}]},
        key,
    )
    not_json = server.post(
        "/v1/score", b"{records:", key, headers={"Content-Type": "application/json"}
    )
    immutable = server.post(
        "/v1/whatif",
        {"team_id": server.inside_team, "month": server.months[-1], "changes": {"headcount": 3}},
        key,
    )
    bad_query = server.get("/v1/flagged", key, intervention="bonus")
    for response in (empty, bad_month, unknown_field, not_json, immutable, bad_query):
        assert response.status_code == 400, response.text
        assert response.json()["error"] and response.json()["detail"]
    assert empty.json()["detail"][0]["loc"] == ["body", "records"]
    assert bad_month.json()["detail"][0]["loc"] == ["body", "records", 0, "month"]
    assert immutable.json()["detail"][0]["loc"] == ["body", "changes", "headcount"]


def test_unknown_months_are_404_with_a_clear_message(server: Server) -> None:
    key = server.all_key
    team = server.get(f"/v1/teams/{server.inside_team}/risk", key, month="1999-01")
    flagged = server.get("/v1/flagged", key, month="1999-01")
    whatif = server.post(
        "/v1/whatif",
        {"team_id": server.inside_team, "month": "1999-01", "changes": {"overtime_mean_hours": 1}},
        key,
    )
    for response in (team, flagged, whatif):
        assert response.status_code == 404, response.text
        assert "1999-01" in response.json()["error"]


def test_oversized_and_pickle_bodies_are_refused(server: Server) -> None:
    key = server.all_key
    # given a body over the server's 200 kB limit, and a pickle
    big = json.dumps({"records": [record(server, server.inside_team)] * 1000}).encode()
    assert len(big) > 200_000
    too_big = server.post("/v1/score", big, key, headers={"Content-Type": "application/json"})
    pickle = server.post(
        "/v1/score", b"\x80\x04N.", key, headers={"Content-Type": "application/x-python-pickle"}
    )
    bento_pickle = server.post(
        "/v1/score", b"\x80\x04N.", key, headers={"Content-Type": "application/vnd.bentoml+pickle"}
    )
    too_many = server.post(
        "/v1/score", {"records": [{"team_id": "T1", "month": "2026-01"}] * 1001}, key
    )
    # then 413, 415 and 400, each with an error body
    assert too_big.status_code == 413 and too_big.json()["error"]
    assert pickle.status_code == 415 and "pickle" in pickle.json()["error"]
    assert bento_pickle.status_code == 415
    assert too_many.status_code == 400


# ---- the spec, fuzzed ------------------------------------------------------------------
def test_schemathesis_finds_no_server_error_and_conforming_responses(
    server: Server, tmp_path: Path
) -> None:
    # given the service's own OpenAPI and a valid key
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.url}/docs.json",
        "--max-examples",
        "50",
        "--seed",
        "7",
        "--workers",
        "2",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance",
        "-H",
        f"Authorization: Bearer {server.all_key}",
        "--include-path-regex",
        "^/v1/",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
    ]
    # when it runs
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=240,
        env={**server.env, "NO_COLOR": "1"},
        cwd=tmp_path,  # its example database (.schemathesis/) stays out of the checkout
    )
    # then no operation failed a check
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


# ---- files -----------------------------------------------------------------------------
def test_the_service_workers_create_private_files(server: Server) -> None:
    import psutil

    # given the running service's worker processes (where the routes run)
    children = psutil.Process(server.pid).children(recursive=True)
    workers = [p for p in children if "_bentoml_impl.worker" in " ".join(p.cmdline())]
    assert workers
    # then each creates files and folders for its owner only (umask 077)
    masks = {
        worker.pid: re.search(r"Umask:\s+(\d+)", Path(f"/proc/{worker.pid}/status").read_text())
        for worker in workers
    }
    assert {pid: m.group(1) for pid, m in masks.items() if m} == dict.fromkeys(masks, "0077")


# ---- privacy: teams under 5 members ----------------------------------------------------
PER_MEMBER_ACTIONABLE = [spec.name for spec in FEATURES if spec.actionable and spec.per_member]
# totals from which a per-member figure follows (total / headcount)
DERIVABLE = {"volume_weekly_mean_4w"}


def test_a_small_team_refuses_per_member_whatifs(server: Server) -> None:
    # given a team of 2 (the page shows it no per-member slider)
    small = server.hostile.small_team
    month = server.months[-1]
    # when each per-member figure is changed in a what-if (a binary search would bound it)
    refused = {
        name: server.post(
            "/v1/whatif",
            {"team_id": small, "month": month, "changes": {name: 19.68}},
            server.all_key,
        )
        for name in PER_MEMBER_ACTIONABLE
    }
    # then every one is refused, naming the field, with no risk in the answer
    for name, answer in refused.items():
        assert answer.status_code == 400, (name, answer.text)
        assert answer.json()["detail"][0]["loc"] == ["body", "changes", name]
        assert "risk" not in answer.text
    # and a change that is not per member still answers, without per-member figures or
    # the totals they follow from
    allowed = server.post(
        "/v1/whatif",
        {"team_id": small, "month": month, "changes": {"backlog_growth_4w": 0.0}},
        server.all_key,
    )
    assert allowed.status_code == 200, allowed.text
    stored = server.get(f"/v1/teams/{small}/risk", server.all_key).json()["result"]
    for result in (allowed.json()["before"], allowed.json()["after"], stored):
        for driver in result["drivers"]:
            if driver["feature"] in DERIVABLE or SPECS[driver["feature"]].per_member:
                assert driver["value"] is None and driver["previous"] is None, driver


# ---- scope -----------------------------------------------------------------------------
def test_a_scoped_key_sees_no_other_department_statistics(server: Server) -> None:
    # given the model card as a key for every department sees it
    full = server.get("/v1/model", server.all_key).json()["model_card"]
    others = sorted(set(server.department_of.values()) - {server.scoped_department})
    assert any(f"| department | {d} |" in full for d in others)
    # when a key for one department asks for the model
    scoped = server.get("/v1/model", server.scoped_key).json()
    # then no other department's row (rows, positives, AUC, mean risk, event rate) is in it
    for department in others:
        assert f"| {department} |" not in scoped["model_card"], department
    # nor its own: with the organisation-wide totals they would give the sum of the others
    assert "| department |" not in scoped["model_card"]
    assert (
        "| size_band |" in scoped["model_card"] and "every department only" in scoped["model_card"]
    )


def test_scope_follows_each_scored_month_after_a_team_moves(server: Server) -> None:
    from serving.auth import create_key

    # given a team scored in the old department, then moved in a newer export (not re-scored)
    moved, new_department = server.hostile.moved_team, server.hostile.moved_to
    old_key = server.scoped_key
    assert server.department_of[moved] == server.scoped_department
    new_key = create_key(server.keys_file, "moved-to", new_department)
    for month in server.months:
        # when each key asks for the team in a scored month, every route
        old = server.get(f"/v1/teams/{moved}/risk", old_key, month=month)
        new = server.get(f"/v1/teams/{moved}/risk", new_key, month=month)
        new_list = server.get("/v1/flagged", new_key, month=month).json()["results"]
        whatif = {"team_id": moved, "month": month, "changes": {"backlog_growth_4w": 0.0}}
        new_whatif = server.post("/v1/whatif", whatif, new_key)
        old_whatif = server.post("/v1/whatif", whatif, old_key)
        score = {"records": [{"team_id": moved, "month": month}]}
        new_score = server.post("/v1/score", score, new_key)
        old_score = server.post("/v1/score", score, old_key)
        # then the month's scored department decides, the same way everywhere
        assert old.status_code == 200, (month, old.text)
        assert old.json()["result"]["department"] == server.scoped_department
        assert [h["month"] for h in old.json()["history"]] == server.months[
            : len(old.json()["history"])
        ]
        assert new.status_code == 404 and new_whatif.status_code == 404, month
        assert new_score.status_code == 404, month
        assert moved not in {r["team_id"] for r in new_list}
        assert old_whatif.status_code == 200, old_whatif.text
        assert old_whatif.json()["before"]["department"] == server.scoped_department
        assert old_score.json()["results"][0]["department"] == server.scoped_department


# ---- every team id the contract accepts ------------------------------------------------
def test_every_team_id_the_contract_accepts_has_its_api_view(server: Server) -> None:
    for team in server.hostile.ids.values():
        # given a team id with characters a URL or a spreadsheet treats specially
        quoted = quote(team, safe="")
        # when it is asked for on every team route
        risk = server.get(f"/v1/teams/{quoted}/risk", server.all_key)
        whatif = server.post(
            "/v1/whatif",
            {"team_id": team, "month": server.months[-1], "changes": {"backlog_growth_4w": 0}},
            server.all_key,
        )
        score = server.post("/v1/score", {"records": [record(server, team)]}, server.all_key)
        # then each answers for that team
        assert risk.status_code == 200, (team, risk.text)
        assert risk.json()["result"]["team_id"] == team
        assert whatif.status_code == 200 and whatif.json()["team_id"] == team, whatif.text
        assert score.status_code == 200 and score.json()["results"][0]["team_id"] == team


def test_a_broken_key_file_is_reported_not_silently_ignored(
    server: Server, browsers: Browsers
) -> None:
    # given a key file that an administrator edited by hand and broke, and a signed-in page
    good = server.keys_file.read_text()
    page = browsers(server.all_key)
    assert server.get("/v1/model", server.all_key).status_code == 200
    try:
        server.keys_file.write_text(good.replace('"keys": [', '"keys": [,', 1))
        # when a request comes in, to the API or the page
        answer = server.get("/v1/model", server.all_key)
        listing = page.get("/ui/")
        # then the service refuses with a server-side error that says why, not the old keys
        assert answer.status_code == 503, answer.text
        assert "key file" in answer.json()["error"]
        assert listing.status_code == 503 and "key file" in listing.text
    finally:
        server.keys_file.write_text(good)
    assert server.get("/v1/model", server.all_key).status_code == 200
    assert page.get("/ui/").status_code == 200
