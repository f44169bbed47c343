"""The keep-alive limit: now and then a response asks the client to reconnect."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from serving.keepalive import KeepAliveLimit, with_connection_close


async def _answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _headers(app: KeepAliveLimit) -> list[tuple[bytes, bytes]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "http"}, receive, send))
    assert sent[1]["body"] == b"ok"
    return list(sent[0]["headers"])


def test_a_response_drawn_asks_to_close_the_connection() -> None:
    # given a limit whose draw always falls under 1/64
    app = KeepAliveLimit(_answer, requests=64, chance=lambda: 0.0)
    # then the response keeps its headers and adds Connection: close
    assert _headers(app) == [(b"x", b"1"), (b"connection", b"close")]


def test_other_responses_keep_the_connection() -> None:
    app = KeepAliveLimit(_answer, requests=64, chance=lambda: 1 / 64)
    assert _headers(app) == [(b"x", b"1")]


def test_about_one_response_in_requests_closes() -> None:
    # given the real random draw and one close per 8 responses on average
    app = KeepAliveLimit(_answer, requests=8)
    closed = sum((b"connection", b"close") in _headers(app) for _ in range(4000))
    # then about 500 of 4,000 responses close (binomial sd ~21)
    assert 400 < closed < 600


def test_a_response_that_names_its_connection_is_left_alone() -> None:
    headers = [(b"Connection", b"keep-alive")]
    assert with_connection_close(headers) == headers


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        KeepAliveLimit(_answer, requests=0)
