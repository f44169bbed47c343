"""What every request meets before a route: ASGI middlewares the service adds in front of
BentoML's own routes (``serving.service``).

BentoML's own parts were part of the attack surface (issue 18): its Swagger page at ``/``
loaded a tag manager and badges from other origins on the HR page's origin, ``/metrics``
labelled series with raw paths (which teams HR looked up, and unbounded), unknown ``/v1``
paths got its plain 404 unaudited and ``/v1/model/`` a redirect built from the ``Host``
header. So, outermost first:

- :class:`SecurityHeaders`: CSP, ``nosniff``, ``no-referrer`` and no framing on every answer;
- :class:`RouteMetrics`: ``/metrics`` from counters labelled by route template only;
- :class:`ApiDocs`: the API docs page from local files under a strict CSP;
- :class:`DataRoutes`: every request under ``/v1`` and ``/ui`` goes straight to its app and
  gets exactly one audit line with its real status.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import bentoml
from starlette.applications import Starlette
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Match, Mount

from serving.auth import audit_record

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# answers that are not pages (JSON, text, files): nothing may run, load or frame them
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
DOCS_DIR = Path(__file__).parent / "docs"
SWAGGER_DIR = Path(bentoml.__file__).parent / "_internal" / "server" / "static_content"
# the only BentoML files the docs page uses; the rest (its tag-manager page) is not served
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js"}
DOCS_SCRIPT = "erisk-docs.js"
SPEC_DESCRIPTION = (
    "Team engagement risk for HR: risk, reasons and actions, per team only. Every /v1 route "
    "needs `Authorization: Bearer erisk_<id>_<secret>` (`erisk keys create`) and sees only "
    "the key's departments. See docs/api.md in the project."
)
# paths of BentoML's own routes, named as they are; any other path is counted as "other"
SYSTEM_PATHS = frozenset(
    {"/", "/docs.json", "/schema.json", "/livez", "/healthz", "/readyz", "/metrics"}
)
CONVERTOR = re.compile(r"\{(\w+):\w+\}")


def _headers_with(
    headers: list[tuple[bytes, bytes]], extra: dict[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    return headers + [(k, v) for k, v in extra.items() if k not in present]


# ---- headers ----------------------------------------------------------------------------
class SecurityHeaders:
    """CSP, no sniffing, no referrer and no framing on every answer of the service.

    A route may set its own CSP (the printable report, the docs page); others get the one
    of their prefix (the HR page's) or ``API_CSP``. Answers under ``/v1`` and ``/ui`` hold
    data and are never cached, except the page's static files."""

    def __init__(self, app: ASGIApp, csp_by_prefix: dict[str, str] | None = None) -> None:
        self.app = app
        self.csp_by_prefix = csp_by_prefix or {}

    def _csp(self, path: str) -> bytes:
        for prefix, csp in self.csp_by_prefix.items():
            if path == prefix or path.startswith(prefix + "/"):
                return csp.encode()
        return API_CSP.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = {
            b"content-security-policy": self._csp(path),
            b"x-content-type-options": b"nosniff",
            b"referrer-policy": b"no-referrer",
            b"x-frame-options": b"DENY",
        }
        if _under(path, "/v1") or _under(path, "/ui"):
            static = path.startswith("/ui/static/")
            extra[b"cache-control"] = b"max-age=3600" if static else b"no-store"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _headers_with(list(message.get("headers", [])), extra)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


# ---- metrics ----------------------------------------------------------------------------
class RouteMetrics:
    """``GET /metrics`` (Prometheus text), counting requests by route template only.

    BentoML's own metrics labelled every series with the raw path: anyone could read which
    teams HR had looked up, and 200 requests to random paths grew the page tenfold. Here a
    request under ``/v1`` or ``/ui`` counts under its audit route (``/v1/teams/{team_id}/risk``,
    ``/ui/*`` when unknown), BentoML's routes under their path, anything else as ``other``:
    a fixed set of series. The names are BentoML's, so dashboards keep working. With
    several workers the counts are merged through ``PROMETHEUS_MULTIPROC_DIR`` (which
    ``bentoml serve`` sets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._metrics: tuple[Any, Any] | None = None

    def _instruments(self) -> tuple[Any, Any]:
        # created in the worker, at its first request: multiprocess values are per process
        if self._metrics is None:
            from prometheus_client import Counter, Histogram

            labels = ["endpoint", "http_response_code"]
            self._metrics = (
                Counter("bentoml_service_request", "Requests by route template", labels),
                Histogram(
                    "bentoml_service_request_duration_seconds",
                    "Request time by route template",
                    labels,
                ),
            )
        return self._metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics" and scope["method"] in ("GET", "HEAD"):
            self._instruments()
            await _exposition()(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            endpoint = _endpoint(scope)
            total, duration = self._instruments()
            code = str(status["code"])
            total.labels(endpoint, code).inc()
            duration.labels(endpoint, code).observe(time.perf_counter() - started)


def _endpoint(scope: Scope) -> str:
    """The bounded label of a request: its route template, never its raw path."""
    route = audit_record(scope).get("route")
    if route:
        return str(route)
    path = scope["path"]
    if path in SYSTEM_PATHS:
        return path
    if path.startswith("/static_content/"):
        return "/static_content/{path}"
    return "other"


def _exposition() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


# ---- the API docs -------------------------------------------------------------------------
class ApiDocs:
    """The docs page at ``/`` (Swagger UI from BentoML's local bundle, started by a local
    script), its two files under ``/static_content/``, and ``/docs.json`` with a description
    of our own (BentoML's default one shows badges from other origins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._spec: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        ours = path in ("/", "/docs.json") or path.startswith("/static_content/")
        if ours and scope["method"] not in ("GET", "HEAD"):
            await Response("Method Not Allowed", 405, media_type="text/plain")(scope, receive, send)
            return
        if path == "/":
            response: Response = FileResponse(DOCS_DIR / "index.html", media_type="text/html")
            response.headers["content-security-policy"] = DOCS_CSP
        elif path.startswith("/static_content/"):
            name = path.removeprefix("/static_content/")
            if name in SWAGGER_FILES:
                response = FileResponse(SWAGGER_DIR / name)
            elif name == DOCS_SCRIPT:
                response = FileResponse(DOCS_DIR / DOCS_SCRIPT, media_type="text/javascript")
            else:
                response = Response("Not Found", status_code=404, media_type="text/plain")
        elif path == "/docs.json":
            if self._spec is None:
                self._spec = await self._own_spec(scope)
            response = Response(self._spec, media_type="application/json")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _own_spec(self, scope: Scope) -> bytes:
        """BentoML's OpenAPI document with our description (read once per worker)."""
        parts: list[bytes] = []

        async def nothing() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app({**scope, "method": "GET"}, nothing, keep)
        spec = json.loads(b"".join(parts))
        # BentoML's info names its own team and site as the contact: ours, not theirs
        spec["info"] = {"title": "engagement-risk API", "version": "1"}
        spec["info"]["description"] = SPEC_DESCRIPTION
        return json.dumps(spec, ensure_ascii=False).encode("utf-8")


# ---- /v1 and /ui --------------------------------------------------------------------------
class DataRoutes:
    """Every request under ``/v1`` and ``/ui`` goes straight to its app (BentoML's mount let
    unknown paths fall through to its own unaudited 404) and gets exactly one audit line:
    the route as its template, the key id the app found, the team, department and month it
    asked for, and the status the client really got (500 if the app failed)."""

    def __init__(self, app: ASGIApp, api: Starlette, ui: Starlette) -> None:
        self.app = app
        self.api = api
        self.mounts = (Mount("/v1", app=api), Mount("/ui", app=ui))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mount = next((m for m in self.mounts if _under(scope.get("path", ""), m.path)), None)
        if scope["type"] != "http" or mount is None:
            await self.app(scope, receive, send)
            return
        record = audit_record(scope)
        status = {"code": 500, "written": False}

        def write_line() -> None:
            if not status["written"]:
                status["written"] = True
                self.api.state.runtime.audit.write(
                    key_id=record.get("key_id"),
                    method=scope["method"],
                    route=record["route"],
                    status=status["code"],
                    team_id=record.get("team_id"),
                    department=record.get("department"),
                    month=record.get("month"),
                )

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                write_line()  # before the client can see the answer (an empty one is done)
            await send(message)

        record["route"] = mount.path + "/*"
        try:
            if scope["path"] == "/ui":
                record["route"] = "/ui"
                # relative: never a URL built from the client's Host header
                await RedirectResponse("/ui/", status_code=307)(scope, receive, watch)
                return
            child = {**scope, "root_path": scope.get("root_path", "") + mount.path}
            child.setdefault("app_root_path", scope.get("root_path", ""))
            record["route"] = route_template(mount, child)
            await mount.app(child, receive, watch)
        finally:
            write_line()  # the app failed before it answered


def route_template(mount: Mount, scope: Scope) -> str:
    """The route of ``scope`` in the mounted app as its template (``/v1/teams/{team_id}/risk``,
    ``/ui/static/{path}``; ``/v1/*`` when no route has that path), never the raw path."""
    app = mount.app
    routes = app.router.routes if hasattr(app, "router") else []
    for route in routes:
        match, _ = route.matches(scope)
        if match != Match.NONE:
            path = getattr(route, "path", "")
            if isinstance(route, Mount):
                path += "/{path}"
            return mount.path + CONVERTOR.sub(r"{\1}", path)
    return mount.path + "/*"
