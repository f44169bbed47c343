"""The HR page over HTTP against the live ``bentoml serve``: sign-in, scope, CSRF, audit,
downloads and headers (the browser test drives the same pages in Chromium)."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import quote

import pytest

from tests.serving.live_server import Server
from tests.serving.ui.pages import Browsers, form_token, page_token, sign_in

pytestmark = pytest.mark.slow


def test_a_visitor_without_a_session_is_sent_to_sign_in(server: Server, browsers: Browsers) -> None:
    browser = browsers()
    for path in ("/ui/", "/ui/model", "/ui/export.csv", f"/ui/teams/{server.inside_team}"):
        answer = browser.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/login", path
    assert browser.get("/ui/login").status_code == 200


def test_signing_in_sets_a_strict_httponly_session_cookie(
    server: Server, browsers: Browsers
) -> None:
    # given the sign-in form
    browser = browsers()
    # when the right key is posted
    answer = sign_in(browser, server.scoped_key)
    # then the browser is sent to the list with a session cookie scripts cannot read
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("erisk_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert server.scoped_key.split("_", 2)[2] not in cookie
    assert browser.get("/ui/").status_code == 200


def test_a_wrong_key_or_a_missing_csrf_token_does_not_sign_in(
    server: Server, browsers: Browsers
) -> None:
    # given the form
    browser = browsers()
    form = browser.get("/ui/login")
    token = form_token(form)
    before = len(server.audit())
    # when a wrong key, then the right key without the form's token, are posted
    wrong = browser.post("/ui/login", data={"csrf": token, "api_key": "erisk_all_nope"})
    forged = browsers().post("/ui/login", data={"csrf": "guessed", "api_key": server.all_key})
    # then neither signs in; the wrong key is told plainly and both are audited
    assert wrong.status_code == 401 and "unknown, revoked or mistyped" in wrong.text
    assert forged.status_code == 403
    for answer in (wrong, forged):
        assert not any(
            c.startswith("erisk_session=") for c in answer.headers.get_list("set-cookie")
        )
    lines = server.audit()[before:]
    assert [(line["route"], line["status"], line["key_id"]) for line in lines] == [
        ("/ui/login", 401, None),
        ("/ui/login", 403, None),
    ]


def test_the_list_shows_only_the_key_departments(server: Server, browsers: Browsers) -> None:
    # given a key for one department
    browser = browsers(server.scoped_key)
    # when the list and the department filter are opened
    page = browser.get("/ui/", params={"month": server.months[-1]})
    other = browser.get("/ui/", params={"department": server.other_department})
    outside = browser.get(f"/ui/teams/{server.outside_team}")
    # then only its department appears; others answer 404 as unknown
    assert page.status_code == 200
    departments = set(re.findall(r'data-department="([^"]+)"', page.text))
    assert departments <= {server.scoped_department}
    assert f'<option value="{server.other_department}"' not in page.text
    assert other.status_code == 404 and outside.status_code == 404
    assert server.outside_team not in other.text


def test_the_list_puts_the_review_list_first_then_the_watch_list(
    server: Server, browsers: Browsers
) -> None:
    # given a browser for every department and a month with a full review list
    browser = browsers(server.all_key)
    month = server.review_month
    # when its list is opened in English and Japanese
    english = browser.get("/ui/", params={"lang": "en", "month": month}).text
    japanese = browser.get("/ui/", params={"lang": "ja", "month": month}).text
    listed = server.get("/v1/flagged", server.all_key, month=month).json()["results"]
    review = [r["team_id"] for r in listed if r["review"]]
    assert review and len(review) < len(listed)
    # then the review list comes first with its backtest sentence, then the watch list,
    # both in the API's order
    for page, sentence in (
        (english, "In the backtest"),
        (japanese, "バックテストでは、このリスト"),
    ):
        review_at, watch_at = page.index('id="review-heading"'), page.index('id="watch-heading"')
        assert review_at < page.index(sentence) < page.index('id="review"') < watch_at
        assert watch_at < page.index('id="watch"')
        rows = [html.unescape(t) for t in re.findall(r'<tr data-team="([^"]*)"', page)]
        assert rows == [r["team_id"] for r in listed]
        assert page.index(f'data-team="{html.escape(review[-1])}"') < watch_at
    assert "Review list: the teams to act on first" in english and "要確認リスト" in japanese
    assert "× average" in english and "平均比" in japanese


@pytest.mark.parametrize(
    ("lang", "nothing", "short"),
    [
        ("en", "Nothing stands out this month.", "under 6 months of history"),
        ("ja", "今月は特に目立つチームはありません", "履歴が6か月未満"),
    ],
)
def test_a_month_where_nothing_stands_out_says_so_in_plain_words(
    server: Server, browsers: Browsers, lang: str, nothing: str, short: str
) -> None:
    # given the export's first month, when no team has 6 months of history yet
    browser = browsers(server.all_key)
    # when its list and a team's page are opened
    listing = browser.get("/ui/", params={"month": server.young_month, "lang": lang})
    team = browser.get(
        f"/ui/teams/{server.inside_team}", params={"month": server.young_month, "lang": lang}
    )
    # then the list says nothing stands out, and the team says its history is too short
    assert listing.status_code == 200 and nothing in listing.text
    assert 'id="review-sentence"' not in listing.text
    assert team.status_code == 200 and 'id="status"' in team.text and short in team.text
    assert 'id="place"' not in team.text


def test_the_team_page_has_trend_reasons_and_sliders(server: Server, browsers: Browsers) -> None:
    browser = browsers(server.all_key)
    page = browser.get(f"/ui/teams/{server.inside_team}", params={"lang": "ja"})
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text and "直近12か月のリスク推移" in page.text
    assert page.text.count("<circle") >= 1 and 'type="range"' in page.text
    assert 'id="w-overtime_mean_hours"' in page.text or "5名未満" in page.text


def test_the_language_is_chosen_by_the_browser_then_remembered(
    server: Server, browsers: Browsers
) -> None:
    # given a browser that prefers Japanese
    browser = browsers(server.all_key, lang="ja,en;q=0.5")
    # then the page is Japanese; after choosing English it stays English
    assert '<html lang="ja">' in browser.get("/ui/").text
    assert '<html lang="en">' in browser.get("/ui/", params={"lang": "en"}).text
    assert '<html lang="en">' in browser.get("/ui/model").text


def test_page_sessions_call_the_api_only_with_the_csrf_token(
    server: Server, browsers: Browsers
) -> None:
    # given a signed-in page and its CSRF token
    browser = browsers(server.scoped_key)
    token = page_token(browser.get("/ui/"))
    body = {
        "team_id": server.inside_team,
        "month": server.months[-1],
        "changes": {"overtime_mean_hours": 5},
    }
    # when the what-if API is called with the cookie, without and with the token
    without = browser.post("/v1/whatif", json=body)
    wrong = browser.post("/v1/whatif", json=body, headers={"X-CSRF-Token": token[:-2] + "xx"})
    with_token = browser.post("/v1/whatif", json=body, headers={"X-CSRF-Token": token})
    outside = browser.post(
        "/v1/whatif", json={**body, "team_id": server.outside_team}, headers={"X-CSRF-Token": token}
    )
    # then only the request with the token is answered, within the key's departments
    assert without.status_code == 403 and wrong.status_code == 403
    assert with_token.status_code == 200, with_token.text
    assert with_token.json()["after"]["team_id"] == server.inside_team
    assert outside.status_code == 404
    # and reads with the cookie need no token
    assert browser.get("/v1/flagged").status_code == 200


def test_signing_out_needs_the_token_and_ends_the_session(
    server: Server, browsers: Browsers
) -> None:
    browser = browsers(server.all_key)
    token = page_token(browser.get("/ui/"))
    assert browser.post("/ui/logout", data={"csrf": "wrong"}).status_code == 403
    assert browser.get("/ui/").status_code == 200
    out = browser.post("/ui/logout", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/ui/login?signed_out=1"
    assert browser.get("/ui/").status_code == 303


def test_revoking_the_key_ends_its_page_sessions(server: Server, browsers: Browsers) -> None:
    from serving.auth import create_key, revoke_key

    # given a page signed in with a new key
    key = create_key(server.keys_file, "page-temp", "all")
    browser = browsers(key)
    assert browser.get("/ui/").status_code == 200
    # when the key is revoked
    revoke_key(server.keys_file, "page-temp")
    # then the next page sends the browser back to sign in, saying the session ended
    answer = browser.get("/ui/")
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/login?expired=1"


def test_the_csv_opens_in_japanese_excel_and_holds_only_the_key_teams(
    server: Server, browsers: Browsers
) -> None:
    # given a key for one department
    browser = browsers(server.scoped_key)
    # when the month is downloaded in Japanese
    answer = browser.get("/ui/export.csv", params={"month": server.months[-1], "lang": "ja"})
    # then it is UTF-8 with a BOM and CRLF lines, one row per team of that department
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in answer.content
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "チームID" and body
    department = header.index("部門")
    assert {row[department] for row in body} == {"経理"} or len({r[department] for r in body}) == 1
    assert server.outside_team not in answer.text
    # and the ranks are among the key's own teams (1..n)
    ranks = sorted(int(row[header.index("順位")]) for row in body if row[header.index("順位")])
    assert ranks == list(range(1, len(ranks) + 1)) and ranks


def test_the_printable_report_holds_only_the_key_teams(server: Server, browsers: Browsers) -> None:
    browser = browsers(server.scoped_key)
    answer = browser.get("/ui/report.html", params={"month": server.months[-1]})
    assert answer.status_code == 200 and "<svg" in answer.text
    assert server.outside_team not in answer.text
    assert "unsafe-inline" in answer.headers["content-security-policy"]


def test_every_page_is_audited_and_locked_down(server: Server, browsers: Browsers) -> None:
    # given a signed-in browser and the audit log so far
    browser = browsers(server.scoped_key)
    before = len(server.audit())
    # when the list, a team and a refused team are opened
    browser.get("/ui/", params={"month": server.months[0]})
    team = browser.get(f"/ui/teams/{server.inside_team}")
    browser.get(f"/ui/teams/{server.outside_team}")
    browser.get("/ui/static/app.css")
    # then one line per request (the stylesheet's too), with the route template
    lines = server.audit()[before:]
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/ui/", 200),
        ("/ui/teams/{team_id}", 200),
        ("/ui/teams/{team_id}", 404),
        ("/ui/static/{path}", 200),
    ]
    assert lines[0]["month"] == server.months[0] and lines[1]["team_id"] == server.inside_team
    assert all(line["key_id"] == "scoped" for line in lines[:3])
    # and pages carry a strict CSP, are never cached, and load nothing from elsewhere
    headers = team.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    assert not re.search(r'(src|href)="(https?:)?//', team.text)
    assert "style=" not in team.text


def test_bad_parameters_are_clear_400_and_404_pages(server: Server, browsers: Browsers) -> None:
    browser = browsers(server.all_key)
    bad_month = browser.get("/ui/", params={"month": "2026-13"})
    unscored = browser.get("/ui/", params={"month": "1999-01"})
    bad_flag = browser.get("/ui/", params={"intervention": "cake"})
    assert bad_month.status_code == 400 and "YYYY-MM" in bad_month.text
    assert unscored.status_code == 404 and "has not been scored" in unscored.text
    assert bad_flag.status_code == 400 and "buffer or recognition" in bad_flag.text


def test_the_model_panel_says_scores_support_people(server: Server, browsers: Browsers) -> None:
    browser = browsers(server.all_key)
    page = browser.get("/ui/model", params={"lang": "en"})
    assert page.status_code == 200
    assert "never trigger anything by themselves" in page.text
    assert "Ranking quality (ROC AUC)" in page.text and "Model card" in page.text
    # and the base rate and the backtest figures of the review list and bands, with intervals
    assert 'id="base-rate"' in page.text and "1 team in" in page.text
    table = page.text[
        page.text.index('id="lists"') : page.text.index("</table>", page.text.index('id="lists"'))
    ]
    assert "Review list" in table and "High band" in table and "Medium band" in table
    assert re.search(r"\d+% \(\d+–\d+%\)", table)
    assert 'id="lists-sentence"' in page.text and "In the backtest" in page.text


# ---- CSV cells that Excel would run ----------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_no_csv_cell_starts_a_formula_in_the_download_or_the_batch_reports(
    server: Server, browsers: Browsers
) -> None:
    # given teams named =HYPERLINK(...), @SUM(...), +SUM(...) and a team whose id is =1+1
    browser = browsers(server.all_key)
    month = server.months[-1]
    # when the month is downloaded from the page and read from the batch job's reports
    download = browser.get("/ui/export.csv", params={"month": month, "lang": "en"})
    assert download.status_code == 200
    reports = sorted((server.data_dir / "reports").rglob("*.csv"))
    assert reports
    # then no cell starts with a character that makes Excel evaluate it...
    for name, content in [("download", download.content)] + [
        (p.name, p.read_bytes()) for p in reports
    ]:
        cells = [cell for row in csv_cells(content) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
    # ...and the hostile text is still there, shown as text
    cells = {cell for row in csv_cells(download.content) for cell in row}
    assert "'=1+1" in cells and "'@SUM(1+1)" in cells
    assert any(c.startswith("'=HYPERLINK(") for c in cells)


# ---- scope -----------------------------------------------------------------------------
def test_the_model_page_shows_a_scoped_key_no_other_department(
    server: Server, browsers: Browsers
) -> None:
    browser = browsers(server.scoped_key)
    page = browser.get("/ui/model", params={"lang": "en"})
    assert page.status_code == 200
    for department in set(server.department_of.values()) - {server.scoped_department}:
        assert f"<td>{department}</td>" not in page.text, department


def test_pages_and_downloads_follow_each_scored_month_after_a_team_moves(
    server: Server, browsers: Browsers
) -> None:
    from serving.auth import create_key

    # given a team scored in the scoped key's department, then moved (not re-scored)
    moved = server.hostile.moved_team
    new_key = create_key(server.keys_file, "page-moved-to", server.hostile.moved_to)
    old, new = browsers(server.scoped_key), browsers(new_key)
    month = server.months[-1]
    # when each key opens the team, the list and the downloads of the scored month
    answers = {
        name: (
            browser.get(f"/ui/teams/{moved}", params={"month": month}),
            browser.get("/ui/export.csv", params={"month": month}),
            browser.get("/ui/report.html", params={"month": month}),
            browser.get("/ui/", params={"month": month}),
        )
        for name, browser in (("old", old), ("new", new))
    }
    # then the old department has it everywhere and the new one nowhere
    team, csv_file, report, listing = answers["old"]
    assert team.status_code == 200 and moved in csv_file.text
    team, csv_file, report, listing = answers["new"]
    assert team.status_code == 404
    for answer in (csv_file, report, listing):
        assert answer.status_code == 200 and moved not in answer.text


def test_every_team_id_the_contract_accepts_has_its_page(
    server: Server, browsers: Browsers
) -> None:
    browser = browsers(server.all_key)
    listing = browser.get("/ui/export.csv")
    for team in server.hostile.ids.values():
        # when the team page of an id with URL and spreadsheet characters is opened
        page = browser.get(f"/ui/teams/{quote(team, safe='')}")
        # then it is that team's page, its id shown as text
        assert page.status_code == 200, (team, page.text[:300])
        assert html.escape(team) in page.text
    assert listing.status_code == 200


# ---- sessions --------------------------------------------------------------------------
def test_a_signed_out_cookie_is_refused_everywhere(server: Server, browsers: Browsers) -> None:
    # given a signed-in page, its cookie and its CSRF token
    browser = browsers(server.all_key)
    token = page_token(browser.get("/ui/"))
    cookie = {"erisk_session": browser.cookies["erisk_session"]}
    # when HR signs out
    assert browser.post("/ui/logout", data={"csrf": token}).status_code == 303
    # then the old cookie, replayed by anyone, opens nothing: pages, reads or writes
    replay = browsers()
    replay.cookies.update(cookie)
    page = replay.get("/ui/")
    read = replay.get(f"/v1/teams/{server.inside_team}/risk")
    write = replay.post(
        "/v1/whatif",
        json={
            "team_id": server.inside_team,
            "month": server.months[-1],
            "changes": {"overtime_mean_hours": 5},
        },
        headers={"X-CSRF-Token": token},
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/ui/login")
    assert read.status_code == 401 and write.status_code == 401
    # and signing in again gives a new session that works
    again = browsers(server.all_key)
    assert again.get("/ui/").status_code == 200


def test_the_cookie_is_not_secure_because_a_client_says_https(
    server: Server, browsers: Browsers
) -> None:
    # given a client (not a trusted proxy) that claims the page was reached over HTTPS
    browser = browsers()
    browser.headers["X-Forwarded-Proto"] = "https"
    # when it signs in over plain HTTP
    answer = sign_in(browser, server.all_key)
    # then the Secure flag follows the service's setting, not the client's header
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("erisk_session=")
    )
    assert "secure" not in {part.strip().lower() for part in cookie.split(";")}
