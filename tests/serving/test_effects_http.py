"""``GET /v1/effects`` against the live ``bentoml serve``: what the recorded interventions
did, for the key's departments only, audited like every route; and its JSON in words."""

from __future__ import annotations

import pytest

from models.effects import TeamEffect
from pipelines.effects import VERDICTS, EffectsReport, verdict
from serving.api import create_app
from serving.schemas import EffectsResponse
from serving.state import effects_json
from tests.serving.effects_world import Helped, feature_table_moved, record
from tests.serving.live_server import Server

ROUTE = "/v1/effects"


@pytest.mark.slow
def test_a_key_gets_its_departments_effects_and_waiting_rows_audited(server: Server) -> None:
    # given a recent intervention of each department (no 6 scored months after either)
    last = server.months[-1]
    mine = record(server, server.scoped_key, server.inside_team, last)
    theirs = record(server, server.all_key, server.outside_team, last)
    before = len(server.audit())
    # when the scoped key and the key for every department ask what helped
    scoped = server.get(ROUTE, server.scoped_key)
    everyone = server.get(ROUTE, server.all_key, lang="ja")
    own_department = server.get(ROUTE, server.scoped_key, department=server.scoped_department)
    # then each answer has the documented shape, and both rows wait for their 6 months
    for answer in (scoped, everyone, own_department):
        assert answer.status_code == 200, answer.text
        EffectsResponse.model_validate(answer.json())
        assert answer.json()["last_month"] == last and answer.json()["post_months"] == 6
    assert mine in scoped.json()["waiting"] and mine in own_department.json()["waiting"]
    assert {mine, theirs} <= set(everyone.json()["waiting"])
    # and the scoped key learns nothing of the other department's row
    assert theirs not in scoped.text and server.outside_team not in scoped.text
    assert all(t["team_id"] != server.outside_team for t in scoped.json()["teams"])
    # and each request is audited with its route, key and department filter
    lines = [line for line in server.audit()[before:] if line["route"] == ROUTE]
    assert [(line["key_id"], line["department"], line["status"]) for line in lines] == [
        ("scoped", None, 200),
        ("all", None, 200),
        ("scoped", server.scoped_department, 200),
    ]


@pytest.mark.slow
def test_a_department_outside_the_key_is_unknown_like_one_that_does_not_exist(
    server: Server,
) -> None:
    # when the scoped key asks for another department, and for one that does not exist
    other = server.get(ROUTE, server.scoped_key, department=server.other_department)
    unknown = server.get(ROUTE, server.scoped_key, department="no_such_department")
    bad_lang = server.get(ROUTE, server.scoped_key, lang="fr")
    no_key = server.get(ROUTE)
    # then both are 404 alike, with no effects; a bad language is a 400 naming the field
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert other.json()["error"] == f"unknown department {server.other_department!r}"
    assert "effects" not in other.json() and "waiting" not in other.json()
    assert bad_lang.status_code == 400 and bad_lang.json()["detail"][0]["loc"] == ["query", "lang"]
    assert no_key.status_code == 401


@pytest.mark.slow
def test_without_a_feature_table_the_answer_says_what_to_run(server: Server) -> None:
    # given a recorded intervention (something to measure) and no feature table
    record(server, server.all_key, server.inside_team, server.months[-2])
    with feature_table_moved(server):
        # when asked
        answer = server.get(ROUTE, server.all_key)
    # then a 503 with the reason, not a traceback
    assert answer.status_code == 503, answer.text
    assert "erisk features --all" in answer.json()["error"]
    assert "Traceback" not in answer.text
    # and once the table is back, the route answers again
    assert server.get(ROUTE, server.all_key).status_code == 200


def test_the_json_gives_each_row_its_verdict_and_each_team_its_sentence_in_japanese() -> None:
    # given a report with an estimated row, a row whose interval spans zero, a confounded
    # row and a row with too few interventions, and one team's effect
    base = {
        "intervention": "buffer",
        "action_id": None,
        "unit": "points",
        "placebo": 0.01,
        "placebo_ci90": [-0.02, 0.03],
        "n": 6,
    }
    rows = [
        {**base, "outcome": "engagement", "estimate": 0.3, "ci90": [0.1, 0.5]},
        {**base, "outcome": "overtime", "estimate": -1.0, "ci90": [-3.0, 1.0]},
        {**base, "outcome": "exits", "estimate": None, "ci90": None, "status": "confounded"},
        {**base, "outcome": "risk", "estimate": None, "ci90": None, "n": 2, "status": "too_few"},
    ]
    rows = [{"status": "estimated", **row} for row in rows]
    effect = TeamEffect("iv-1", "T1", "2026-03", "buffer", None, "overtime", -4.5, 0.1, 6)
    report = EffectsReport(rows, [effect], [], "2026-11")
    # when written for the API in Japanese and in English
    ja = effects_json(report, "ja")
    en = effects_json(report, "en")
    # then both fit the response schema, with the verdicts in each language
    EffectsResponse.model_validate(ja)
    EffectsResponse.model_validate(en)
    assert [row["verdict"] for row in en["effects"]] == [
        "estimated",
        "no clear effect",
        "confounded (teams already moved apart before)",
        "too few to tell yet",
    ]
    assert ja["effects"][1]["verdict"] == "はっきりした効果はありません"
    assert ja["teams"][0]["sentence"].startswith("2026-03に業務負荷の緩和を始めた後")
    assert en["teams"][0]["sentence"].startswith("after the buffer started in 2026-03")


def test_the_route_is_documented_with_its_errors() -> None:
    # when the /v1 app's OpenAPI is read
    spec = create_app().openapi()
    # then the route documents its answer, its refusals and the missing-table answer
    responses = spec["paths"]["/effects"]["get"]["responses"]
    assert {"200", "4XX", "503"} <= set(responses)
    assert {p["name"] for p in spec["paths"]["/effects"]["get"]["parameters"]} == {
        "department",
        "lang",
    }


@pytest.mark.slow
# ---- measured effects: a service with every month scored --------------------------------
def test_measured_effects_come_with_verdicts_and_sentences_for_the_key_only(
    helped: Helped,
) -> None:
    server = helped.server
    # when the key for every department and the scoped key ask what helped
    everyone = server.get(ROUTE, server.all_key)
    scoped = server.get(ROUTE, server.scoped_key, lang="ja")
    # then the recorded buffers are measured against similar teams, with verdicts
    assert everyone.status_code == 200 and scoped.status_code == 200, everyone.text
    payload = EffectsResponse.model_validate(everyone.json())
    measured = {t.intervention_id for t in payload.teams}
    assert measured and measured <= set(helped.mine + helped.theirs)
    assert {i for i in helped.mine + helped.theirs if i not in measured} <= set(payload.waiting)
    buffer_rows = [r for r in payload.effects if r.intervention == "buffer"]
    assert buffer_rows and {r.action_id for r in buffer_rows} <= {None, "no_overtime_day"}
    for row in payload.effects:
        assert row.verdict == verdict(row.model_dump())
        assert row.status != "too_few" or row.verdict == "too few to tell yet"
        assert (row.status == "estimated") == (row.estimate is not None)
    for team in payload.teams:
        assert team.team_id == helped.teams[team.intervention_id]
        assert team.sentence.startswith(f"after the buffer started in {helped.month}")
    # and the scoped key gets its own department's interventions only, in Japanese
    own = EffectsResponse.model_validate(scoped.json())
    assert {t.intervention_id for t in own.teams} <= set(helped.mine)
    assert not set(own.waiting) & set(helped.theirs)
    assert all(
        t.sentence.startswith(f"{helped.month}に業務負荷の緩和を始めた後") for t in own.teams
    )
    assert all(r.verdict in VERDICTS["ja"].values() for r in own.effects)
    assert all(r.n <= len(helped.mine) for r in own.effects)
