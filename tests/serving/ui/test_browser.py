"""The HR page in a real headless Chromium against the live ``bentoml serve``.

Sign in, see only the key's departments, open a team, move a what-if slider and see the
risk change, switch language, download the CSV; keyboard use, a laptop-sized screen, and
axe-core's accessibility rules on every page in both languages.
Screenshots are left in ``build/screenshots`` (the README's picture comes from there).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from features.catalogue import FEATURES
from tests.serving.effects_world import Helped, record
from tests.serving.live_server import Server
from tests.serving.ui.browser import screenshot_path

pytestmark = pytest.mark.slow
ACTIONABLE = [spec for spec in FEATURES if spec.actionable]


def sign_in(page: Page, server: Server, key: str) -> None:
    page.goto(f"{server.url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.fill("#api_key", key)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/ui/")


def risk_shown(page: Page) -> float:
    return float(page.locator("#whatif-risk").inner_text().rstrip("%"))


def what_if(page: Page, moves: dict[str, str]) -> float:
    """Press a key on each slider present, wait for the panel's answer, read the risk."""
    for slider, key in moves.items():
        if page.locator(f"#{slider}").count():
            page.locator(f"#{slider}").focus()
            page.keyboard.press(key)
    expect(page.locator("#whatif")).to_have_attribute("data-state", "done")
    return risk_shown(page)


def scoped_team_with_figures(server: Server) -> str:
    """A team of the scoped key's department big enough to show per-member figures."""
    for team, department in sorted(server.department_of.items()):
        headcount = server.features.get(team, {}).get("headcount")
        if department == server.scoped_department and headcount and float(headcount) >= 5:
            return team
    raise AssertionError("the test world has no team of 5+ members in the scoped department")


def test_hr_signs_in_sees_their_teams_tries_a_change_and_downloads(
    server: Server, japanese: BrowserContext
) -> None:
    page = japanese.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # given a browser that prefers Japanese and a key for one department
    page.goto(f"{server.url}/ui/")
    # then the sign-in page is in Japanese
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("サインイン")
    # when HR signs in
    sign_in(page, server, server.scoped_key)
    # then the list shows only that department, in filters and in rows
    options = page.locator("#f-department option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert options == ["", server.scoped_department]
    for department in page.locator("table.flagged tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.department)"
    ):
        assert department == server.scoped_department
    page.screenshot(path=screenshot_path("flagged-ja-scoped"), full_page=True)

    # when a team of the department is opened
    team = scoped_team_with_figures(server)
    page.goto(f"{server.url}/ui/teams/{team}")
    expect(page.locator("svg.trend circle").first).to_be_visible()
    initial = risk_shown(page)
    # and every slider is moved with the keyboard to its worse end (more overtime, less
    # leave, less recognition...), then to its better end
    worse = {f"w-{s.name}": "End" if s.direction > 0 else "Home" for s in ACTIONABLE}
    better = {name: "Home" if key == "End" else "End" for name, key in worse.items()}
    at_worst = what_if(page, worse)
    at_best = what_if(page, better)
    # then the risk moved, the worse figures giving the higher risk, with reasons in Japanese
    assert at_best < at_worst and at_best <= initial <= at_worst, (at_best, initial, at_worst)
    expect(page.locator("#whatif-reasons li").first).to_contain_text("月")
    page.screenshot(path=screenshot_path("team-ja-whatif"), full_page=True)

    # when the language is switched to English
    page.click("#lang-en")
    # then the page and the next pages are in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#whatif-heading")).to_have_text("What if…")
    page.goto(f"{server.url}/ui/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # when the month is downloaded as CSV
    with page.expect_download() as waiting:
        page.click("#download-csv")
    content = Path(waiting.value.path()).read_bytes()
    # then it is Excel-ready UTF-8 with only the key's teams
    assert content.startswith(b"\xef\xbb\xbf")
    teams = {row.split(",")[0] for row in content.decode("utf-8-sig").splitlines()[1:]}
    assert teams and all(server.department_of[t] == server.scoped_department for t in teams)
    assert problems == []


def test_the_page_works_from_the_keyboard_on_a_laptop_screen(
    server: Server, english: BrowserContext
) -> None:
    page = english.new_page()
    # given HR signed in with a key for every department, on a 1366 x 768 screen
    sign_in(page, server, server.all_key)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # when the first Tab is pressed, then the skip link comes first and leads to the content
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # and the page does not scroll sideways
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    page.screenshot(path=screenshot_path("flagged-en"), full_page=False)
    # when a team is reached by keyboard from the list (or by address if none is flagged)
    links = page.locator("table.flagged tbody th a")
    if links.count():
        links.first.focus()
        page.keyboard.press("Enter")
    else:
        expect(page.locator("#empty")).to_be_visible()
        page.goto(f"{server.url}/ui/teams/{server.inside_team}")
    expect(page.locator("#whatif-heading")).to_be_visible()
    # then the band is given in words, not only colour
    band = page.locator(".headline .band")
    expect(band).to_have_text(re.compile(r"(High|Medium|Low)$"))
    page.screenshot(path=screenshot_path("team-en"), full_page=True)
    # and the model panel says what scores are for
    page.click("text=Model")
    expect(page.locator(".decision")).to_contain_text("never trigger anything by themselves")
    page.screenshot(path=screenshot_path("model-en"), full_page=True)
    # and signing out returns to the sign-in form
    page.click("text=Sign out")
    expect(page).to_have_url(re.compile(r"/ui/login\?signed_out=1$"))
    page.goto(f"{server.url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login$"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_axe_finds_no_accessibility_violation_on_any_page(
    server: Server, chromium: Browser, lang: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    # given the axe-core rules (WCAG 2 A/AA and best practices) and a browser in each language
    axe = Axe()
    context = chromium.new_context(locale="ja-JP" if lang == "ja" else "en-GB")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/ui/login")
        found = {"login": axe.run(page).generate_snapshot()}
        sign_in(page, server, server.all_key)
        # when every page is checked, the team page after a what-if
        for name, path in (
            ("list", f"/ui/?month={server.review_month}"),
            ("list-nothing-stands-out", "/ui/"),
            ("team", f"/ui/teams/{scoped_team_with_figures(server)}"),
            ("model", "/ui/model"),
            ("effects", "/ui/effects"),
        ):
            page.goto(f"{server.url}{path}")
            if name == "team":
                what_if(page, {"w-overtime_mean_hours": "End"})
            found[name] = axe.run(page).generate_snapshot()
        # then none has a violation
        assert found == dict.fromkeys(found, ""), found
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_axe_finds_no_violation_on_measured_effects(
    helped: Helped, chromium: Browser, lang: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    # given the fully scored service with measured interventions, in each language
    server = helped.server
    team = helped.teams[helped.mine[0]]
    record(server, server.all_key, team, server.months[-3])  # a start on the team's chart
    axe = Axe()
    context = chromium.new_context(locale="ja-JP" if lang == "ja" else "en-GB")
    try:
        page = context.new_page()
        sign_in(page, server, server.all_key)
        # when the effects tables and a measured team's page (chart marker, effects) are
        # checked
        found = {}
        for name, path in (
            ("effects", "/ui/effects"),
            ("team", f"/ui/teams/{quote(team, safe='')}"),
        ):
            page.goto(f"{server.url}{path}")
            found[name] = axe.run(page).generate_snapshot()
        expect(page.locator("svg.trend g.marker")).not_to_have_count(0)
        # then none has a violation
        assert found == dict.fromkeys(found, ""), found
    finally:
        context.close()


def test_the_api_docs_page_loads_nothing_from_another_origin(
    server: Server, chromium: Browser
) -> None:
    # given a browser signed in to the HR page (its session cookie is on this origin)
    context = chromium.new_context(locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, server, server.all_key)
        requested: list[str] = []
        problems: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        # when the API docs page at / is opened
        answer = page.goto(f"{server.url}/")
        # then it shows the /v1 routes from local files only, under a CSP without inline script
        assert answer is not None and answer.status == 200
        expect(page.get_by_text("/v1/whatif").first).to_be_visible()
        page.screenshot(path=screenshot_path("api-docs"), full_page=False)
        others = [url for url in requested if not url.startswith(server.url + "/")]
        assert others == [], others
        csp = answer.headers["content-security-policy"]
        script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert script.split()[1:] == ["'self'"], csp
        assert problems == [], problems
    finally:
        context.close()


def test_hr_records_what_they_did_from_the_team_page(
    server: Server, english: BrowserContext
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = english.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # given HR signed in with a key for one department, on one of its teams
    sign_in(page, server, server.scoped_key)
    team = scoped_team_with_figures(server)
    page.goto(f"{server.url}/ui/teams/{team}")
    # when they choose an action, a start date and a note, and record it
    page.select_option("#did-action", "planned_paid_leave")
    page.fill("#did-start", "2026-11-04")
    page.fill("#did-note", "計画年休を11月から / browser test")
    page.click("#did-form button[type=submit]")
    # then the team page says so and lists the row, recorded by their key
    expect(page.locator("#did-recorded")).to_be_visible()
    row = page.locator("#did-list tbody tr", has_text="browser test").first
    expect(row).to_contain_text("2026-11-04")
    expect(row).to_contain_text("scoped")
    expect(row).to_contain_text("in force")
    page.screenshot(path=screenshot_path("team-recorded-en"), full_page=True)
    # and the page with its form and list breaks no accessibility rule
    assert Axe().run(page).generate_snapshot() == ""
    # when they withdraw it, then it reads as withdrawn
    row.locator("button", has_text="Withdraw").click()
    withdrawn = page.locator("#did-list tbody tr", has_text="browser test").first
    expect(withdrawn).to_contain_text("withdrawn")
    assert problems == []
