"""The ``/v1`` routes (a FastAPI app that the BentoML service mounts at ``/v1``).

A guard in front of every route checks the API key (401), refuses pickle bodies (415) and
bodies over the size limit (413), and records the key id for the request's audit line
(``serving.edge.DataRoutes`` writes one per request, refusals and unknown paths included).
Routes answer 404 alike for an unknown team and a team outside the key's departments, so
a key cannot learn what exists elsewhere. Every 4xx body is an ``ErrorBody``; invalid input
is a 400 with one entry per bad field.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, Response

from serving.auth import (
    ALL_DEPARTMENTS,
    KEY_FILE_BROKEN,
    ApiKey,
    AuditLog,
    KeyFileError,
    KeyRing,
    audit_record,
)
from serving.schemas import (
    MONTH_PATTERN,
    TEAM_ID_MAX,
    TEAM_ID_PATTERN,
    EffectsResponse,
    ErrorBody,
    FlaggedResponse,
    Intervention,
    InterventionRequest,
    InterventionsResponse,
    Lang,
    ModelResponse,
    RecordedIntervention,
    ScoreRequest,
    ScoreResponse,
    TeamRiskResponse,
    WhatIfRequest,
    WhatIfResponse,
)
from serving.state import (
    NotFoundError,
    RefusedError,
    ServingState,
    UnavailableError,
    effects_json,
)
from serving.ui.session import CSRF_HEADER, SESSION_COOKIE, Sessions

logger = logging.getLogger(__name__)

PREFIX = "/v1"
INLINE_RECORDS = 20
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
REFUSED_CONTENT_TYPES = ("pickle", "x-python-serialize")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused: the body says why (and which field)."}
}


def error(status: int, message: str, detail: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail or []}, status_code=status)


class Guard:
    """Key check, content-type and size limits for every ``/v1`` call.

    It records the caller's key id for the audit line; ``serving.edge.DataRoutes`` writes
    the line once the answer has gone out, so refusals and unknown paths are audited too."""

    def __init__(self, app: Any, api: FastAPI) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: Runtime = self.api.state.runtime
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            key, csrf_missing = self._key(runtime, headers, scope["method"])
        except KeyFileError:
            await error(503, KEY_FILE_BROKEN)(scope, receive, send)
            return
        audit_record(scope)["key_id"] = key.id if key is not None else None
        refusal = self._refusal(key, headers, runtime.max_body_bytes, csrf_missing)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        body = await _read_body(receive, runtime.max_body_bytes)
        if body is None:
            await error(413, f"body over {runtime.max_body_bytes} bytes")(scope, receive, send)
            return
        scope.setdefault("state", {})["erisk_key"] = key
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _key(runtime: Runtime, headers: dict[str, str], method: str) -> tuple[ApiKey | None, bool]:
        """The caller's key from ``Authorization: Bearer``, else from the HR page's session
        cookie; and whether a cookie-borne write lacks its CSRF token (the page's scripts
        send it; another site cannot read it)."""
        if "authorization" in headers or runtime.sessions is None:
            return runtime.keys.authenticate(headers.get("authorization")), False
        cookie = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        key = runtime.sessions.key_for(cookie, runtime.keys)
        unsafe = method not in SAFE_METHODS
        csrf_missing = unsafe and not runtime.sessions.csrf_ok(cookie, headers.get(CSRF_HEADER))
        return key, key is not None and csrf_missing

    @staticmethod
    def _refusal(
        key: ApiKey | None, headers: dict[str, str], limit: int, csrf_missing: bool = False
    ) -> Response | None:
        if key is None:
            response = error(401, "missing, unknown or revoked API key (Authorization: Bearer)")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if csrf_missing:
            return error(403, "missing or wrong CSRF token (X-CSRF-Token) for a page session")
        content_type = headers.get("content-type", "").lower()
        if any(name in content_type for name in REFUSED_CONTENT_TYPES):
            return error(415, f"content type {content_type!r} is refused: send application/json")
        length = headers.get("content-length")
        if length is not None and (not length.isascii() or not length.isdigit()):
            return error(400, "Content-Length is not a number")
        if length is not None and int(length) > limit:
            return error(413, f"body over {limit} bytes")
        return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes ``limit`` (a chunked body has no
    Content-Length to refuse it by; at most ``limit`` bytes are ever held)."""
    parts: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` that hands the app the body read already, then waits for a disconnect."""
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class Runtime:
    """The loaded state plus the key ring and audit log of one worker."""

    def __init__(
        self,
        state: ServingState,
        keys: KeyRing,
        audit: AuditLog,
        sessions: Sessions | None = None,
    ) -> None:
        self.state = state
        self.keys = keys
        self.audit = audit
        self.sessions = sessions
        self.max_body_bytes = int(os.environ.get("ERISK_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _key(request: Request) -> ApiKey:
    return request.state.erisk_key


def _audit(request: Request, **fields: Any) -> None:
    audit_record(request.scope).update(fields)


def _json(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Response(body, status_code=status, media_type="application/json")


def create_app() -> FastAPI:
    """The ``/v1`` app; ``app.state.runtime`` is set by the service once it has loaded."""
    api = FastAPI(
        title="engagement-risk API",
        version="1",
        description="Team engagement risk for HR: risk, reasons and actions, per team only.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # /v1/model/ is an unknown path (404), not a redirect to a URL built from Host
        redirect_slashes=False,
    )
    api.add_middleware(Guard, api=api)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return error(400, "invalid input", jsonable_encoder(detail))

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @api.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return error(404, str(exc))

    @api.exception_handler(UnavailableError)
    async def unavailable(_: Request, exc: UnavailableError) -> JSONResponse:
        return error(503, str(exc))

    @api.exception_handler(RefusedError)
    async def refused(_: Request, exc: RefusedError) -> JSONResponse:
        return error(400, str(exc), [{"loc": exc.loc, "msg": str(exc), "type": "value_error"}])

    @api.post(
        "/score",
        response_model=None,
        responses={200: {"model": ScoreResponse}, **ERRORS},
        summary="Score team-months from their features",
    )
    async def score(body: ScoreRequest, request: Request) -> Response:
        """Risk, lift, band, flags, drivers and actions for 1 to 1,000 team-months, and the
        status from the team's history in the current snapshot; rank and review are null
        (these are what-if rows, not the month's list). Every team must be one of the key's
        departments (else 404)."""
        runtime, key = _runtime(request), _key(request)
        records = [record.model_dump() for record in body.records]
        team_ids = sorted({r["team_id"] for r in records})
        _audit(
            request,
            team_id=",".join(team_ids),
            month=",".join(sorted({r["month"] for r in records})),
        )
        pairs = [(r["team_id"], r["month"]) for r in records]
        found = runtime.state.teams_at(pairs, key.sees)
        _audit(request, department=",".join(sorted({str(t.department) for t in found.values()})))
        teams = [found[pair] for pair in pairs]
        if len(records) <= INLINE_RECORDS:
            # a few records take ~3 ms of CPU: a hop to the thread pool costs more than it
            # frees, and the GIL serialises the work anyway
            results = runtime.state.score(records, teams, body.lang)
        else:
            results = await run_in_threadpool(runtime.state.score, records, teams, body.lang)
        return _json({"model_version": runtime.state.model.version, "results": results})

    @api.get(
        # any text is a team id (the contract asks only for a non-blank string), "/" too
        "/teams/{team_id:path}/risk",
        response_model=None,
        responses={200: {"model": TeamRiskResponse}, **ERRORS},
        summary="A team's risk in a month, with its last 12 scored months",
    )
    def team_risk(
        request: Request,
        team_id: str = Path(min_length=1, max_length=TEAM_ID_MAX, pattern=TEAM_ID_PATTERN),
        month: str | None = Query(default=None, pattern=MONTH_PATTERN),
        lang: Lang = "en",
    ) -> Response:
        """The scored team of ``month`` (default: the latest scored month)."""
        runtime, key = _runtime(request), _key(request)
        _audit(request, team_id=team_id, month=month)
        chosen = runtime.state.scored_month(month)
        _audit(request, month=chosen)
        team = runtime.state.team_at(team_id, chosen, key.sees)
        _audit(request, department=team.department)
        return _json(runtime.state.team_risk(team, chosen, lang, key.sees))

    @api.get(
        "/flagged",
        response_model=None,
        responses={200: {"model": FlaggedResponse}, **ERRORS},
        summary="The review list of a month, then the watch list",
    )
    def flagged(
        request: Request,
        month: str | None = Query(default=None, pattern=MONTH_PATTERN),
        intervention: Intervention | None = None,
        department: str | None = Query(default=None, max_length=64),
        lang: Lang = "en",
    ) -> Response:
        """The review list (the high teams to act on first, by rank), then the other medium
        and high teams by rank, limited to the key's departments and ranked among them;
        with ``intervention``, only the teams flagged for it."""
        runtime, key = _runtime(request), _key(request)
        _audit(request, month=month, department=department)
        chosen = runtime.state.scored_month(month)
        _audit(request, month=chosen)
        return _json(runtime.state.flagged(chosen, intervention, department, key.sees, lang))

    @api.post(
        "/whatif",
        response_model=None,
        responses={200: {"model": WhatIfResponse}, **ERRORS},
        summary="Risk and reasons after changing actionable features",
    )
    def whatif(body: WhatIfRequest, request: Request) -> Response:
        """Re-scores the team-month of the current snapshot with the changes applied."""
        runtime = _runtime(request)
        _audit(request, team_id=body.team_id, month=body.month)
        team = runtime.state.team_at(body.team_id, body.month, _key(request).sees)
        _audit(request, department=team.department)
        return _json(
            runtime.state.what_if(
                team, body.month, body.changes.model_dump(exclude_none=True), body.lang
            )
        )

    @api.post(
        "/interventions",
        response_model=None,
        status_code=201,
        responses={
            201: {"model": RecordedIntervention, "description": "Recorded."},
            200: {"model": RecordedIntervention, "description": "Recorded before: unchanged."},
            **ERRORS,
        },
        summary="Record what HR did for a team",
    )
    def record_intervention(body: InterventionRequest, request: Request) -> Response:
        """One fact (never edited): the team must be in the key's departments (else 404,
        like an unknown team); ``recorded_by`` is the key id. A correction is a new row
        that ``cancels`` the wrong one. The same row posted again is not added twice."""
        runtime, key = _runtime(request), _key(request)
        _audit(request, team_id=body.team_id)
        team = runtime.state.current_team(body.team_id, key.sees)
        _audit(request, department=team.department)
        stored, added = runtime.state.record_intervention(body.model_dump(), key.id, key.sees)
        return _json(stored, 201 if added else 200)

    @api.get(
        "/interventions",
        response_model=None,
        responses={200: {"model": InterventionsResponse}, **ERRORS},
        summary="What HR did, for the key's departments",
    )
    def interventions(
        request: Request,
        team_id: str | None = Query(
            default=None, min_length=1, max_length=TEAM_ID_MAX, pattern=TEAM_ID_PATTERN
        ),
        department: str | None = Query(default=None, max_length=64),
    ) -> Response:
        """The recorded interventions of the key's departments (of one team or department
        when given), oldest start first, each with ``cancelled``."""
        runtime, key = _runtime(request), _key(request)
        _audit(request, team_id=team_id, department=department)
        rows = runtime.state.interventions(key.departments, key.sees, team_id, department)
        return _json({"interventions": rows})

    @api.get(
        "/effects",
        response_model=None,
        responses={
            200: {"model": EffectsResponse},
            503: {"model": ErrorBody, "description": "No feature table to measure with yet."},
            **ERRORS,
        },
        summary="What the recorded interventions did, against similar teams",
    )
    def effects(
        request: Request,
        department: str | None = Query(default=None, max_length=64),
        lang: Lang = "en",
    ) -> Response:
        """Per intervention type and action, each outcome's mean change over the 6 months
        after the start against teams alike before it (a 90 % interval, the count and a
        verdict), each measured intervention's own effect, and the standing interventions
        still waiting; for the key's departments (of one when ``department`` is given; one
        the key does not see is 404). Estimates support decisions by people."""
        runtime, key = _runtime(request), _key(request)
        _audit(request, department=department)
        report = runtime.state.effects(key.departments, key.sees, department)
        return _json(effects_json(report, lang))

    @api.get(
        "/model",
        response_model=None,
        responses={200: {"model": ModelResponse}, **ERRORS},
        summary="The model version this server resolved at start-up",
    )
    def model(request: Request) -> Response:
        """Name, version, alias, training time, metrics, the base rate and the backtest
        figures of the review list and bands (``bands``), and the model card."""
        runtime = _runtime(request)
        facts = runtime.state.facts_for(_key(request).departments == ALL_DEPARTMENTS)
        return _json({**facts, "scored_months": runtime.state.store.months()})

    return api
