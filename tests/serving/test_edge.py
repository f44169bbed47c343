"""What every request meets before a route, against the live ``bentoml serve``: headers on
every answer, the API docs without third-party script, metrics by route template, and
exactly one audit line, with its real status and never a 500, for every request under
``/v1`` and ``/ui`` however hostile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.serving.live_server import Server, _auth
from tests.serving.ui.pages import Browsers, page_token

pytestmark = pytest.mark.slow


# ---- headers on every answer -----------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/docs.json",
        "/livez",
        "/readyz",
        "/metrics",
        "/schema.json",
        "/static_content/swagger-ui.css",
        "/no-such-page",
        "/v1/model",
        "/v1/flagged",
        "/ui/login",
        "/ui/static/app.css",
    ],
)
def test_every_answer_carries_csp_nosniff_and_no_referrer(server: Server, path: str) -> None:
    # when any path of the service is asked for, with or without a key
    answers = [server.get(path), server.get(path, server.all_key)]
    # then each answer forbids sniffing, referrers and script from elsewhere
    for answer in answers:
        assert answer.status_code < 500, answer.text
        headers = answer.headers
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "no-referrer", path
        csp = headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert "http" not in csp and "*" not in csp, csp


def test_the_docs_page_and_its_spec_name_nothing_from_another_origin(server: Server) -> None:
    # when the API docs page and the spec it renders are fetched
    page = server.get("/")
    spec = server.get("/docs.json")
    # then the page loads only local files under a CSP without inline script
    assert page.status_code == 200 and spec.status_code == 200
    assert not re.search(r'(src|href)="(https?:)?//', page.text), page.text
    assert "<script>" not in page.text and "googletagmanager" not in page.text
    assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("style-src")[0]
    # and the spec's text has no image to fetch from elsewhere, only the /v1 routes
    assert "](http" not in spec.text and "<img" not in spec.text
    assert {"/v1/score", "/v1/whatif", "/v1/model"} <= set(spec.json()["paths"])
    # and BentoML's other static files (its tag-manager page among them) are not served
    assert server.get("/static_content/index.css").status_code == 404


# ---- /metrics --------------------------------------------------------------------------
def test_metrics_name_route_templates_never_paths_and_stay_bounded(server: Server) -> None:
    # given the metrics as they are
    for _ in range(3):
        server.get(f"/v1/teams/{server.inside_team}/risk", server.all_key)
    before = server.get("/metrics").text
    # when 100 distinct team paths are asked for, with and without a key, API and page
    for i in range(50):
        server.get(f"/v1/teams/PROBE{i:03d}/risk")
        server.get(f"/ui/teams/PROBE{i:03d}")
    after = server.get("/metrics").text
    # then no team id or raw path appears: series are per route template
    assert "PROBE0" not in after and server.inside_team not in after
    assert 'endpoint="/v1/teams/{team_id}/risk"' in after
    assert 'endpoint="/ui/teams/{team_id}"' in after
    # and the page did not grow by one series per path
    assert len(after) < len(before) + 6_000, (len(before), len(after))


# ---- one audit line, real status, never a 500 ------------------------------------------
def _raw(server: Server, method: str, path: str, **kw: object) -> httpx.Response:
    return httpx.request(method, server.url + path, timeout=30, **kw)  # type: ignore[arg-type]


def _chunks(size: int) -> Iterator[bytes]:
    for _ in range(size // 10_000 + 1):
        yield b" " * 10_000


def hostile_requests(server: Server, token: str, cookie: str) -> list[tuple[str, dict]]:
    """(description, httpx.request arguments) of requests an attacker sends."""
    key = _auth(server.all_key)
    long = "x" * 12_000
    return [
        (
            "latin-1 digit in a cookie, API",
            {
                "method": "GET",
                "url": "/v1/model",
                "headers": {"cookie": "erisk_session=a.\u00b2.b".encode("latin-1")},
            },
        ),
        (
            "latin-1 digit in a cookie, page",
            {
                "method": "GET",
                "url": "/ui/",
                "headers": {"cookie": "erisk_session=a.\u00b2.b".encode("latin-1")},
            },
        ),
        (
            "latin-1 digit in a cookie, sign-in",
            {
                "method": "GET",
                "url": "/ui/login",
                "headers": {"cookie": "erisk_session=a.\u00b2.b".encode("latin-1")},
            },
        ),
        (
            "huge expiry",
            {
                "method": "GET",
                "url": "/ui/",
                "headers": {"cookie": "erisk_session=all." + "9" * 400 + ".sig"},
            },
        ),
        ("unknown API path", {"method": "GET", "url": "/v1/nope", "headers": key}),
        ("unknown API path, no key", {"method": "GET", "url": "/v1/nope"}),
        ("the API root", {"method": "GET", "url": "/v1", "headers": key}),
        ("the API root with a slash", {"method": "GET", "url": "/v1/", "headers": key}),
        (
            "trailing slash",
            {"method": "GET", "url": "/v1/model/", "headers": key | {"host": "evil.example"}},
        ),
        ("empty team id", {"method": "GET", "url": "/v1/teams//risk", "headers": key}),
        ("NUL in a team id", {"method": "GET", "url": "/v1/teams/%00/risk", "headers": key}),
        (
            "broken UTF-8 in a team id",
            {"method": "GET", "url": "/v1/teams/%ff%fe/risk", "headers": key},
        ),
        (
            "broken UTF-8 in a query",
            {"method": "GET", "url": "/v1/flagged?month=%ff", "headers": key},
        ),
        (
            "12 kB department",
            {"method": "GET", "url": f"/v1/flagged?department={long}", "headers": key},
        ),
        ("unknown method", {"method": "FROB", "url": "/v1/flagged", "headers": key}),
        ("GET on a POST route", {"method": "GET", "url": "/v1/score", "headers": key}),
        (
            "JSON with NaN",
            {
                "method": "POST",
                "url": "/v1/whatif",
                "headers": key | {"content-type": "application/json"},
                "content": b'{"team_id": "T0004", "month": "2026-09", '
                b'"changes": {"overtime_mean_hours": NaN}}',
            },
        ),
        (
            "invalid UTF-8 body",
            {
                "method": "POST",
                "url": "/v1/score",
                "headers": key | {"content-type": "application/json"},
                "content": b'{"records": [{"team_id": "\xff", "month": "2026-09"}]}',
            },
        ),
        (
            "chunked body over the limit",
            {
                "method": "POST",
                "url": "/v1/score",
                "headers": key | {"content-type": "application/json"},
                "content": _chunks(300_000),
            },
        ),
        (
            "bearer with latin-1",
            {
                "method": "GET",
                "url": "/v1/model",
                "headers": {"authorization": "Bearer erisk_\u00e9_x".encode("latin-1")},
            },
        ),
        (
            "the page root without a slash",
            {"method": "GET", "url": "/ui", "headers": {"host": "evil.example"}},
        ),
        ("unknown page", {"method": "GET", "url": "/ui/nope"}),
        (
            "page with a trailing slash",
            {"method": "GET", "url": "/ui/model/", "headers": {"cookie": cookie}},
        ),
        ("static path traversal", {"method": "GET", "url": "/ui/static/..%2f..%2fapp.py"}),
        ("static file", {"method": "GET", "url": "/ui/static/app.css"}),
        (
            "page on a wrong method",
            {"method": "DELETE", "url": "/ui/", "headers": {"cookie": cookie}},
        ),
        (
            "multipart sign-in",
            {
                "method": "POST",
                "url": "/ui/login",
                "files": {"api_key": ("key.txt", b"erisk_x_y")},
                "data": {"csrf": "x"},
            },
        ),
        (
            "chunked sign-in",
            {
                "method": "POST",
                "url": "/ui/login",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
                "content": _chunks(20_000),
            },
        ),
        (
            "sign-out with a wrong token",
            {
                "method": "POST",
                "url": "/ui/logout",
                "headers": {"cookie": cookie},
                "data": {"csrf": "wrong"},
            },
        ),
        (
            "sign-out with a broken form",
            {
                "method": "POST",
                "url": "/ui/logout",
                "headers": {"cookie": cookie, "content-type": "multipart/form-data; boundary=x"},
                "content": b"--x\r\nbroken",
            },
        ),
        (
            "12 kB department on the page",
            {"method": "GET", "url": f"/ui/?department={long}", "headers": {"cookie": cookie}},
        ),
        (
            "team page of a 12 kB id",
            {"method": "GET", "url": f"/ui/teams/{long}", "headers": {"cookie": cookie}},
        ),
        (
            "bad language cookie",
            {"method": "GET", "url": "/ui/", "headers": {"cookie": cookie + "; erisk_lang=<x>"}},
        ),
        (
            "bad month on the page",
            {"method": "GET", "url": "/ui/export.csv?month=%ff", "headers": {"cookie": cookie}},
        ),
        *(
            (
                f"what-if of month {month}",
                {
                    "method": "POST",
                    "url": "/v1/whatif",
                    "headers": key,
                    "json": {
                        "team_id": server.inside_team,
                        "month": month,
                        "changes": {"overtime_mean_hours": 1},
                    },
                },
            )
            for month in ("0000-01", "9999-12")
        ),
        (
            "team risk of month 0000-01",
            {"method": "GET", "url": "/v1/teams/T0001/risk?month=0000-01", "headers": key},
        ),
        (
            "page of month 9999-12",
            {"method": "GET", "url": "/ui/?month=9999-12", "headers": {"cookie": cookie}},
        ),
        (
            "CSRF token of 12 kB",
            {
                "method": "POST",
                "url": "/v1/whatif",
                "headers": {"cookie": cookie, "x-csrf-token": long},
                "json": {},
            },
        ),
    ]


def test_every_request_under_v1_and_ui_gets_one_audit_line_and_no_500(
    server: Server, browsers: Browsers
) -> None:
    # given a signed-in page's cookie and token
    browser = browsers(server.all_key)
    token = page_token(browser.get("/ui/"))
    cookie = f"erisk_session={browser.cookies['erisk_session']}"
    problems = []
    # when each hostile request is sent
    for name, arguments in hostile_requests(server, token, cookie):
        before = len(server.audit())
        method, url = arguments.pop("method"), arguments.pop("url")
        answer = httpx.request(method, server.url + url, timeout=30, **arguments)
        lines = server.audit()[before:]
        # then it is refused or answered, never a 500, with exactly one audit line that
        # names its real status and a route template (never the raw path)
        statuses = [line["status"] for line in lines]
        if answer.status_code >= 500 or statuses != [answer.status_code]:
            problems.append((name, answer.status_code, statuses, answer.text[:120]))
        elif "x" * 300 in str(lines[0]) or not str(lines[0]["route"]).startswith(url[:3]):
            problems.append((name, "audit line", lines[0]))
        if answer.is_redirect:
            location = answer.headers["location"]
            if location.startswith(("http:", "https:", "//")):
                problems.append((name, "absolute redirect", location))
    assert problems == []


def test_a_chunked_body_over_the_limit_is_413(server: Server) -> None:
    # when a body without Content-Length grows past the server's 200 kB limit
    answer = server.post(
        "/v1/score",
        b"",
        server.all_key,
        headers={"Content-Type": "application/json"},
    )
    chunked = httpx.post(
        server.url + "/v1/score",
        content=_chunks(300_000),
        headers={**_auth(server.all_key), "Content-Type": "application/json"},
        timeout=30,
    )
    # then it is refused as too large, not as invalid
    assert answer.status_code == 400
    assert chunked.status_code == 413 and chunked.json()["error"], chunked.text


def test_audit_fields_are_bounded_and_line_separators_escaped(
    server: Server, browsers: Browsers
) -> None:
    # given a signed-in page and the audit log so far
    browser = browsers(server.all_key)
    before = len(server.audit())
    # when a request carries a 12 kB department, and one a team id with U+2028 and U+2029
    browser.get("/ui/", params={"department": "d" * 12_000})
    browser.get(f"/ui/teams/{quote('a' + chr(0x2028) + 'b' + chr(0x2029), safe='')}")
    # then the audit line keeps at most 200 characters of each field
    lines = server.audit()[before:]
    assert [line["route"] for line in lines] == ["/ui/", "/ui/teams/{team_id}"]
    assert 0 < len(lines[0]["department"]) <= 200
    # and no raw line separator reaches the file (JavaScript log viewers split on them)
    raw = server.audit_log.read_text(encoding="utf-8")
    assert "\u2028" not in raw and "\u2029" not in raw
    assert lines[1]["team_id"] == "a\u2028b\u2029"
