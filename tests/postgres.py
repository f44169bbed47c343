"""A throwaway PostgreSQL server for the store tests: real, started and stopped by the suite.

``initdb`` refuses root, so the cluster lives in a folder owned by ``postgres`` and every
server command runs through ``runuser -u postgres --``. The server listens on a free loopback
port with its socket in the same folder. Missing binaries fail the tests (never skip them):
``make test`` installs Debian's ``postgresql``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

INSTALL_HINT = (
    "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb): run "
    "`make test`, which installs Debian's postgresql package, or "
    "`apt-get install -y postgresql`"
)


def postgres_bin() -> Path:
    """The newest installed server's bin folder."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@contextmanager
def running_postgres(database: str = "erisk_test") -> Iterator[str]:
    """Start a fresh cluster, create ``database``, yield its SQLAlchemy URL, stop it."""
    binaries = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="erisk-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run(
            _as_postgres(
                str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "server.log"),
                "start",
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                str(binaries / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                database,
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(
            _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole session (one per importing module's session)."""
    with running_postgres() as url:
        yield url
