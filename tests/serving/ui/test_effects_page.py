"""The "What helped" page and the team page's intervention markers against the live server:
the key's departments only, audited, in both languages; and the effects tables' contents."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from serving.ui.app import effect_groups
from serving.ui.texts import TEXT
from tests.serving.effects_world import Helped, feature_table_moved, record
from tests.serving.live_server import Server
from tests.serving.ui.pages import Browsers, sign_in
from tests.serving.ui.pages import client as page_client

pytestmark = pytest.mark.slow


@pytest.fixture
def browsers_of() -> Iterator[Callable[..., httpx.Client]]:
    """Signed-in clients of any live server (here: the fully scored one), closed after."""
    made: list[httpx.Client] = []

    def make(server: Server, key: str) -> httpx.Client:
        browser = page_client(server)
        made.append(browser)
        assert sign_in(browser, key).status_code == 303
        return browser

    yield make
    for browser in made:
        browser.close()


def test_the_page_explains_the_comparison_and_counts_the_waiting_rows(
    server: Server, browsers: Browsers
) -> None:
    # given a recent intervention of each department (none has 6 scored months after it)
    last = server.months[-1]
    record(server, server.scoped_key, server.inside_team, last)
    theirs = record(server, server.all_key, server.outside_team, last)
    browser = browsers(server.scoped_key)
    before = len(server.audit())
    # when the scoped key opens the page, from the navigation
    home = browser.get("/ui/")
    page = browser.get("/ui/effects", params={"lang": "en"})
    # then it is linked from every page and says what is compared and how to read it
    assert 'href="/ui/effects"' in home.text
    assert page.status_code == 200, page.text[:500]
    assert 'href="/ui/effects" aria-current="page"' in page.text
    assert "up to 10 teams that looked alike before it started" in page.text
    assert "90% interval" in page.text and "support decisions by people" in page.text
    assert "already moving apart before the start, so no estimate is given" in page.text
    # and, with nothing measurable yet, says so and counts the key's waiting rows
    assert 'id="effects-none"' in page.text
    waiting = re.search(r"(\d+) recorded intervention\(s\) still waiting", page.text)
    assert waiting and int(waiting.group(1)) >= 1
    # and shows nothing of the other department
    assert theirs not in page.text and server.outside_team not in page.text
    # and the page is audited with its route and key
    (line,) = [x for x in server.audit()[before:] if x["route"] == "/ui/effects"]
    assert (line["status"], line["key_id"]) == (200, "scoped")
    # and it loads nothing from elsewhere and has no inline style
    assert not re.search(r'(src|href)="(https?:)?//', page.text) and "style=" not in page.text


def test_the_page_speaks_japanese_and_refuses_another_department(
    server: Server, browsers: Browsers
) -> None:
    browser = browsers(server.scoped_key, lang="ja")
    # when opened in Japanese, and for another department
    page = browser.get("/ui/effects")
    other = browser.get("/ui/effects", params={"department": server.other_department})
    # then the texts are Japanese, and the other department is unknown (404)
    assert page.status_code == 200 and "効果の検証" in page.text
    assert "最大10チーム" in page.text
    assert other.status_code == 404 and "unknown department" in other.text


def test_without_a_feature_table_the_page_says_so_and_the_team_page_still_opens(
    server: Server, browsers: Browsers
) -> None:
    # given a standing intervention of the team and no feature table
    record(server, server.all_key, server.inside_team, server.months[-2])
    browser = browsers(server.all_key)
    with feature_table_moved(server):
        # when the pages are opened
        effects = browser.get("/ui/effects", params={"lang": "en"})
        team = browser.get(f"/ui/teams/{server.inside_team}", params={"lang": "en"})
    # then a clear 503 page naming the command, and the team page without effects
    assert effects.status_code == 503 and "erisk features --all" in effects.text
    assert "Traceback" not in effects.text
    assert team.status_code == 200 and 'id="team-effects"' not in team.text


def test_the_team_chart_marks_each_standing_intervention_start(
    server: Server, browsers: Browsers
) -> None:
    # given a team with an intervention from a scored month and one withdrawn
    month = server.months[-2]
    record(server, server.scoped_key, server.inside_team, month)
    wrong = server.post(
        "/v1/interventions",
        {
            "team_id": server.inside_team,
            "start_date": f"{server.months[1]}-01",
            "intervention": "recognition",
            "note": f"wrong {uuid.uuid4().hex[:8]}",
        },
        server.scoped_key,
    ).json()
    server.post(
        "/v1/interventions",
        {
            "team_id": server.inside_team,
            "start_date": f"{server.months[1]}-01",
            "intervention": "recognition",
            "cancels": wrong["intervention_id"],
        },
        server.scoped_key,
    )
    browser = browsers(server.scoped_key)
    # when the team page is opened
    page = browser.get(f"/ui/teams/{server.inside_team}", params={"lang": "en"})
    # then the chart marks the standing start, in words too, and not the withdrawn one
    assert page.status_code == 200
    chart = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert f"<title>Workload buffer started {month}</title>" in chart
    assert f"Recognition started {server.months[1]}" not in chart
    assert 'aria-describedby="trend-desc"' in chart
    assert 'id="chart-markers"' in page.text


def test_each_type_and_action_is_a_table_of_outcomes_with_verdicts() -> None:
    # given summary rows of the buffer type and one of its actions
    def row(outcome: str, action: str | None = None, **values: object) -> dict[str, object]:
        base = {
            "intervention": "buffer",
            "action_id": action,
            "outcome": outcome,
            "estimate": None,
            "ci90": None,
            "n": 6,
            "status": "estimated",
        }
        return {**base, **values}

    rows = [
        row("risk", estimate=-0.021, ci90=[-0.04, -0.005]),
        row("overtime", estimate=-3.2, ci90=[-5.0, 1.0]),
        row("engagement", status="confounded"),
        row("overtime", "no_overtime_day", n=3, status="too_few"),
    ]
    # when grouped for the page
    groups = effect_groups(rows, TEXT["en"], "en")
    # then the type's table comes first with its outcomes in the page's order, then the
    # action's, each with its effect (risk in percentage points), interval and verdict
    assert [(g["intervention"], g["action_id"]) for g in groups] == [
        ("buffer", None),
        ("buffer", "no_overtime_day"),
    ]
    kind = groups[0]
    assert kind["caption"] == "Workload buffer: all actions"
    assert [r["outcome"] for r in kind["rows"]] == ["engagement", "overtime", "risk"]
    engagement, overtime, risk = kind["rows"]
    assert (engagement["effect"], engagement["verdict_key"]) == ("–", "confounded")
    assert (overtime["effect"], overtime["interval"]) == ("-3.20", "-5.00 – +1.00")
    assert overtime["verdict"] == "no clear effect"
    assert (risk["effect"], risk["interval"], risk["unit"]) == (
        "-2.1",
        "-4.0 – -0.5",
        "percentage points",
    )
    assert risk["verdict"] == "estimated"
    (action,) = groups[1]["rows"]
    assert action["verdict"] == "too few to tell yet" and action["n"] == 3
    assert groups[1]["caption"].startswith("Workload buffer: ")
    assert groups[1]["caption"] != "Workload buffer: no_overtime_day"


def test_measured_effects_are_tables_and_sentences_on_the_pages(
    helped: Helped, browsers_of: Callable[..., httpx.Client]
) -> None:
    server = helped.server
    report = server.get("/v1/effects", server.all_key).json()
    measured = {t["intervention_id"]: t for t in report["teams"]}
    browser = browsers_of(server, server.all_key)
    # when the page is opened in English and in Japanese
    page = browser.get("/ui/effects", params={"lang": "en"})
    ja = browser.get("/ui/effects", params={"lang": "ja"})
    # then each summary row of the API is a row of its type's or action's table, with its
    # verdict in words; and each measured intervention is listed with its sentences
    assert page.status_code == 200 and 'id="effects-none"' not in page.text
    for row in report["effects"]:
        table = "effects-buffer" + (f"-{row['action_id']}" if row["action_id"] else "")
        assert f'id="{table}"' in page.text
        part = page.text[page.text.index(f'id="{table}"') :]
        part = part[: part.index("</table>")]
        assert f'data-outcome="{row["outcome"]}"' in part
        assert html.escape(row["verdict"]) in part
    for item in measured.values():
        assert f'data-id="{item["intervention_id"]}"' in page.text
        assert html.escape(item["sentence"]) in page.text
    assert "効果の検証" in ja.text and "似たチーム" in ja.text
    # and a measured team's page says what its intervention did
    team = next(iter(measured.values()))["team_id"]
    team_page = browser.get(f"/ui/teams/{quote(team, safe='')}", params={"lang": "en"})
    assert 'id="team-effects"' in team_page.text
    sentences = [t["sentence"] for t in report["teams"] if t["team_id"] == team]
    assert all(html.escape(s) in team_page.text for s in sentences)
