"""Signing in to the HR page of the live test server, as a browser would (form + cookies)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.serving.live_server import Server

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def client(server: Server, lang: str = "en") -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Accept-Language": lang}, timeout=30, follow_redirects=False
    )


def form_token(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(browser: httpx.Client, key: str) -> httpx.Response:
    """GET the form (its CSRF cookie and field), then POST the key."""
    form = browser.get("/ui/login")
    return browser.post("/ui/login", data={"csrf": form_token(form), "api_key": key})


Browsers = Callable[..., httpx.Client]


@pytest.fixture
def browsers(server: Server) -> Iterator[Browsers]:
    """Makes clients that keep cookies like a browser (signed in when given a key); all
    closed after the test."""
    made: list[httpx.Client] = []

    def make(key: str | None = None, lang: str = "en") -> httpx.Client:
        browser = client(server, lang)
        made.append(browser)
        if key is not None:
            answer = sign_in(browser, key)
            assert answer.status_code == 303, answer.text
        return browser

    yield make
    for browser in made:
        browser.close()


def page_token(page: httpx.Response) -> str:
    found = CSRF_META.search(page.text)
    assert found, page.text[:500]
    return found.group(1)
