"""The team page's "We did this" form against the live server: it records through the same
path as ``POST /v1/interventions``, with the session's key, its CSRF token and a same-origin
post, and lists the team's recorded interventions."""

from __future__ import annotations

import html
import uuid

import httpx
import pytest

from tests.serving.live_server import Server
from tests.serving.ui.pages import Browsers, form_token

pytestmark = pytest.mark.slow


def team_page(browser: httpx.Client, team: str, lang: str = "en") -> httpx.Response:
    page = browser.get(f"/ui/teams/{team}", params={"lang": lang})
    assert page.status_code == 200, page.text[:500]
    return page


def form(token: str, team: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf": token,
        "team_id": team,
        "action": "visible_thanks",
        "start_date": "2026-11-16",
        "note": f"page {uuid.uuid4().hex[:8]}",
    }
    return {**values, **changes}


def recorded(server: Server, note: str) -> list[dict[str, object]]:
    rows = server.get("/v1/interventions", server.all_key).json()["interventions"]
    return [r for r in rows if r["note"] == note]


def test_the_form_records_with_the_session_key_and_the_page_lists_it(
    server: Server, browsers: Browsers
) -> None:
    # given a scoped key's team page, with the form and the catalogue's actions by type
    browser = browsers(server.scoped_key)
    page = team_page(browser, server.inside_team)
    assert 'id="did-form"' in page.text and 'value="peer_bonus"' in page.text
    assert 'value="no_overtime_day"' in page.text and "<optgroup" in page.text
    sent = form(form_token(page), server.inside_team, month=server.months[-1])
    before = len(server.audit())
    # when the form is posted
    answer = browser.post("/ui/interventions", data=sent)
    # then the browser goes back to the team page, which says so and lists the row
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"].startswith(f"/ui/teams/{server.inside_team}?recorded=1")
    back = browser.get(answer.headers["location"])
    assert 'id="did-recorded"' in back.text
    assert (
        html.escape(sent["note"]) in back.text
        and "Thank the team visibly on internal channels" in back.text
    )
    # and the row was recorded by the session's key, of the type of the chosen action
    (row,) = recorded(server, sent["note"])
    assert (row["recorded_by"], row["intervention"], row["action_id"]) == (
        "scoped",
        "recognition",
        "visible_thanks",
    )
    # and the post is audited with its route, team and department
    line = next(line for line in server.audit()[before:] if line["route"] == "/ui/interventions")
    assert (line["status"], line["key_id"], line["team_id"], line["department"]) == (
        303,
        "scoped",
        server.inside_team,
        server.scoped_department,
    )


def test_a_withdrawal_from_the_page_marks_the_row_withdrawn(
    server: Server, browsers: Browsers
) -> None:
    # given a row recorded from the page
    browser = browsers(server.all_key)
    token = form_token(team_page(browser, server.inside_team))
    sent = form(token, server.inside_team)
    assert browser.post("/ui/interventions", data=sent).status_code == 303
    (row,) = recorded(server, sent["note"])
    # when its withdraw button is used (a new row that cancels it)
    withdraw = {
        "csrf": token,
        "team_id": server.inside_team,
        "intervention": "recognition",
        "start_date": str(row["start_date"]),
        "cancels": str(row["intervention_id"]),
    }
    assert browser.post("/ui/interventions", data=withdraw).status_code == 303
    # then the row reads as withdrawn, in Japanese too
    (after,) = recorded(server, sent["note"])
    assert after["cancelled"] is True
    page = team_page(browser, server.inside_team, "ja")
    assert "実施した施策を記録" in page.text and "取り消し済み" in page.text


def test_posts_without_the_token_or_from_elsewhere_are_refused_the_page_own_taken(
    server: Server, browsers: Browsers
) -> None:
    # given a signed-in page and its token
    browser = browsers(server.scoped_key)
    token = form_token(team_page(browser, server.inside_team))
    sent = form(token, server.inside_team)
    # when the form is posted without the token, with a wrong one, from another origin,
    # as a cross-site fetch, and with no session at all
    answers = [
        browser.post("/ui/interventions", data={**sent, "csrf": ""}),
        browser.post("/ui/interventions", data={**sent, "csrf": token[:-2] + "xx"}),
        browser.post("/ui/interventions", data=sent, headers={"Origin": "https://evil.example"}),
        browser.post("/ui/interventions", data=sent, headers={"Sec-Fetch-Site": "cross-site"}),
        browser.post(
            "/ui/interventions",
            data=sent,
            headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        ),
    ]
    anonymous = browsers().post("/ui/interventions", data=sent)
    # then each is refused and nothing is recorded
    assert [a.status_code for a in answers] == [403, 403, 403, 403, 403]
    assert anonymous.status_code == 303 and "/ui/login" in anonymous.headers["location"]
    assert recorded(server, sent["note"]) == []
    # and the page's own post is taken, though under its no-referrer policy a browser says
    # "Origin: null" (Sec-Fetch-Site tells then)
    own = browser.post(
        "/ui/interventions", data=sent, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    )
    assert own.status_code == 303, own.text[:300]
    assert len(recorded(server, sent["note"])) == 1


def test_another_department_or_a_bad_row_gets_a_clear_page(
    server: Server, browsers: Browsers
) -> None:
    # given a scoped key's page token
    browser = browsers(server.scoped_key)
    token = form_token(team_page(browser, server.inside_team))
    # when a team of another department, and a note too long, are posted
    outside = form(token, server.outside_team)
    too_long = form(token, server.inside_team, note="あ" * 501)
    other = browser.post("/ui/interventions", data=outside)
    bad = browser.post("/ui/interventions", data=too_long)
    # then 404 like an unknown team, and 400 naming the rule; nothing recorded
    assert other.status_code == 404 and "unknown team" in other.text
    assert bad.status_code == 400 and "at most 500 characters" in bad.text
    assert recorded(server, outside["note"]) == []
    # and the other department's team page offers no form
    assert browser.get(f"/ui/teams/{server.outside_team}").status_code == 404
