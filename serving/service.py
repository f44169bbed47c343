"""The BentoML service: ``bentoml serve serving.service:EngagementRisk`` (or ``erisk serve``).

It mounts the ``/v1`` FastAPI app (``serving.api``) and the HR page at ``/ui``
(``serving.ui.app``) beside BentoML's own ``/docs.json``, ``/livez`` and ``/readyz``. The
middlewares of ``serving.edge`` put security headers on every answer, serve the API docs
at ``/`` from local files, count requests for ``/metrics`` by route template (BentoML's own
metrics are off: they labelled series with raw paths) and send every ``/v1`` and ``/ui``
request to its app with one audit line. At start-up each worker resolves
the ``champion`` alias once, loads the model, the team table and the model facts, then
freezes the garbage collector's view of everything loaded (``gc.freeze()``): otherwise
every collection rescans ~300k start-up objects and pauses requests for 175-400 ms.
"""

from __future__ import annotations

import gc
import logging
import os

import bentoml

from serving.api import Runtime, create_app
from serving.edge import ApiDocs, DataRoutes, RouteMetrics, SecurityHeaders
from serving.keepalive import DEFAULT_REQUESTS, KeepAliveLimit
from serving.ui.app import PAGE_CSP, create_ui_app

logger = logging.getLogger(__name__)

api_app = create_app()
ui_app = create_ui_app()
WORKERS = int(os.environ.get("ERISK_SERVE_WORKERS", "2"))
KEEPALIVE_REQUESTS = int(os.environ.get("ERISK_KEEPALIVE_REQUESTS", DEFAULT_REQUESTS))
# a regex searched in the request URL (scheme://host/path): the /v1 routes only
V1_TRACING_EXCLUDED = [r"^[a-z]+://[^/]*/v1(/|$)"]


def _log_serving_info() -> None:
    """Let the ``serving`` loggers' INFO lines (the resolved model version) reach stderr:
    BentoML's logging set-up shows only its own loggers below WARNING."""
    package = logging.getLogger("serving")
    if not package.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s [%(levelname)s] [%(name)s] %(message)s")
        )
        package.addHandler(handler)
        package.propagate = False
    package.setLevel(logging.INFO)


@bentoml.service(
    name="engagement_risk",
    workers=WORKERS,
    traffic={"timeout": 60},
    logging={"access": {"enabled": False}},
    # BentoML's metrics label series with the raw path: serving.edge.RouteMetrics instead
    metrics={"enabled": False},
    # BentoML's tracing middleware builds spans for every request even when no exporter is
    # set and the sample rate is 0 (its default): ~260 µs of CPU on a ~1.3 ms /v1/score.
    # /v1 skips it; to trace /v1, set services.engagement_risk.tracing.excluded_urls in a
    # BentoML config file (a top-level tracing.excluded_urls does not override this).
    tracing={"excluded_urls": V1_TRACING_EXCLUDED},
)
@bentoml.asgi_app(api_app, path="/v1")
@bentoml.asgi_app(ui_app, path="/ui")
class EngagementRisk:
    """Team engagement risk for HR, per team only, behind API keys."""

    def __init__(self) -> None:
        from pipelines.settings import PRIVATE_UMASK, load_settings
        from serving.auth import AuditLog, KeyRing, audit_path, keys_path
        from serving.state import ServingState
        from serving.ui.session import (
            SIGNED_OUT_FILE,
            Sessions,
            SignedOut,
            lifetime_from_env,
            load_secret,
        )

        # one OpenMP thread per worker: a one-row SHAP call with a thread per core spends
        # most of its time waking threads (14 ms -> 4.5 ms per request, measured)
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        # what the worker writes (audit log, session secret, feature cache, sign-outs) is
        # readable by its owner only, however the service was started
        os.umask(PRIVATE_UMASK)
        _log_serving_info()
        settings = load_settings()
        state = ServingState(settings)
        keys = KeyRing(keys_path(settings.data_dir))
        audit = AuditLog(audit_path(settings.data_dir))
        signed_out = SignedOut(settings.signed_out_file or settings.data_dir / SIGNED_OUT_FILE)
        sessions = Sessions(
            load_secret(settings.data_dir), lifetime_from_env(), signed_out, settings.cookie_secure
        )
        runtime = Runtime(state, keys, audit, sessions)
        api_app.state.runtime = runtime
        ui_app.state.runtime = runtime
        gc.collect()
        gc.freeze()
        logger.info("ready: model version %s", state.model.version)


# outermost first. A worker may accept every connection of a client's keep-alive pool;
# closing about one response in 64 lets the pool spread over the workers (serving.keepalive)
EngagementRisk.add_asgi_middleware(KeepAliveLimit, requests=KEEPALIVE_REQUESTS)
EngagementRisk.add_asgi_middleware(SecurityHeaders, csp_by_prefix={"/ui": PAGE_CSP})
EngagementRisk.add_asgi_middleware(RouteMetrics)
EngagementRisk.add_asgi_middleware(ApiDocs)
EngagementRisk.add_asgi_middleware(DataRoutes, api=api_app, ui=ui_app)
