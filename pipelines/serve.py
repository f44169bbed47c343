"""``erisk serve``: the HR-facing HTTP API (BentoML) on loopback unless told otherwise.

Checks first what the service needs at start-up — a ``champion`` model version and at
least one scored month — and refuses with exit 2 and the command to run when either is
missing, instead of letting BentoML fail with a traceback. Then runs
``bentoml serve serving.service:EngagementRisk`` as a child process and returns its code.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

import click

from pipelines.errors import UserError
from pipelines.settings import Settings, load_settings

logger = logging.getLogger(__name__)

SERVICE = "serving.service:EngagementRisk"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def check_ready_to_serve(settings: Settings) -> str:
    """The champion's version, or a UserError saying what to run first."""
    from models.registry import configure_tracking, version_by_alias
    from pipelines.scores_store import ScoresStore
    from pipelines.snapshots import SnapshotStore

    if SnapshotStore(settings.snapshots_dir).current_id() is None:
        raise UserError("no data ingested: run `erisk ingest DIR` first")
    configure_tracking(settings.mlflow_tracking_uri)
    champion = version_by_alias(settings.model_name, "champion")
    if champion is None:
        raise UserError(
            f"no 'champion' version of model {settings.model_name!r}: run `erisk train` and "
            "`erisk promote` first"
        )
    store = ScoresStore.from_settings(settings)
    try:
        if not store.months():
            raise UserError(
                "nothing scored yet: run `erisk score --month YYYY-MM` (or --all-months) first"
            )
    finally:
        store.dispose()
    return str(champion.version)


def serve_args(host: str, port: int) -> list[str]:
    """The child command line (the same service that plain ``bentoml serve`` runs)."""
    return [sys.executable, "-m", "bentoml", "serve", SERVICE, "--host", host, "--port", str(port)]


def run_serve(settings: Settings, host: str, port: int) -> int:
    version = check_ready_to_serve(settings)
    if host not in {"127.0.0.1", "localhost", "::1"}:
        logger.warning("binding %s: reachable from other machines; put TLS in front", host)
    click.echo(
        f"serving champion version {version} on http://{host}:{port}/v1 "
        f"(HR page: http://{host}:{port}/ui/)",
        err=True,
    )
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    child = subprocess.Popen(serve_args(host, port), env=env)
    # a service manager stops us with SIGTERM: pass it on so no server is left behind
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        return child.wait()


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
def serve_command(host: str, port: int) -> int:
    """The HTTP API for HR (risk, reasons, actions) behind API keys; see docs/api.md."""
    return run_serve(load_settings(), host, port)
