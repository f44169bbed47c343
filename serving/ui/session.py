"""Sign-in sessions of the HR page: a signed cookie that names a key, and its CSRF token.

The cookie holds ``<key id>.<expiry>.<session id>.<signature>``, never the key itself. The
signature is an HMAC with a server secret over the id, the expiry, the session id and the
key's stored SHA-256, so a session dies when its key is revoked (the key ring is asked on
every request) or replaced. Signing out records the session id in a file every worker
reads (``SignedOut``), so the old cookie opens nothing afterwards, across workers and
restarts. Every worker and every replica that shares the secret accepts the cookie. The
CSRF token is an HMAC of the cookie value: a page can only learn it from the server, and
another site cannot read it.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from serving.auth import ApiKey, KeyRing

logger = logging.getLogger(__name__)

SESSION_COOKIE = "erisk_session"
LOGIN_CSRF_COOKIE = "erisk_login_csrf"
LANG_COOKIE = "erisk_lang"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "session_secret"
SECRET_BYTES = 32
DEFAULT_LIFETIME_S = 8 * 3600
# ASCII digits only: str.isdigit() takes '²' and int() then fails (a 500 on every page)
EXPIRY = re.compile(r"[0-9]{1,12}")
SESSION_ID_BYTES = 12
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16}")
SIGNED_OUT_FILE = "signed_out_sessions"
CookieSecure = Literal["auto", "always", "never"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def lifetime_from_env() -> int:
    """Session lifetime in seconds: ``ERISK_SESSION_HOURS`` (default 8, a working day)."""
    hours = os.environ.get("ERISK_SESSION_HOURS", "")
    try:
        value = float(hours) if hours else DEFAULT_LIFETIME_S / 3600
    except ValueError:
        logger.warning("ERISK_SESSION_HOURS=%r is not a number: using 8 hours", hours)
        value = DEFAULT_LIFETIME_S / 3600
    return max(60, int(value * 3600))


def load_secret(data_dir: Path) -> bytes:
    """``ERISK_SESSION_SECRET``, the file ``ERISK_SESSION_SECRET_FILE`` names (a mounted
    secret), or the data dir's ``session_secret`` file, made once (0600).

    The file is written under a temporary name and linked into place, so workers starting
    together agree on one secret and never read half of it."""
    override = os.environ.get("ERISK_SESSION_SECRET")
    if override:
        return override.encode("utf-8")
    mounted = os.environ.get("ERISK_SESSION_SECRET_FILE")
    if mounted:
        return Path(mounted).read_bytes().strip()
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{SECRET_FILE}-{secrets.token_hex(4)}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(SECRET_BYTES).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(staging, path)
        except FileExistsError:
            pass  # another worker was first: use its secret
        finally:
            staging.unlink(missing_ok=True)
    return path.read_bytes().strip()


class SignedOut:
    """Sessions signed out before they expired, so that their cookie opens nothing anymore.

    One line ``<session id> <expiry>`` per sign-out in a file (``signed_out_sessions`` in
    the data dir, or ``ERISK_SIGNED_OUT_FILE``): every worker re-reads it when it changes,
    it survives restarts, and replicas share it when it is on a shared volume. Lines are
    appended with one ``write(2)`` under a lock; once the file holds ``COMPACT_AFTER`` lines
    it is rewritten without the sessions that have expired anyway."""

    COMPACT_AFTER = 1000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._current()

    def _current(self) -> dict[str, int]:
        try:
            info = self.path.stat()
            stamp: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            with self._lock:
                self._ids = self._read() if stamp is not None else {}
                self._stamp = stamp
        return self._ids

    def _read(self) -> dict[str, int]:
        ids = {}
        for line in self.path.read_text(encoding="ascii", errors="replace").splitlines():
            session_id, _, expires = line.partition(" ")
            if SESSION_ID.fullmatch(session_id) and EXPIRY.fullmatch(expires):
                ids[session_id] = int(expires)
        return ids

    def add(self, session_id: str, expires: int, now: float | None = None) -> None:
        """Record a signed-out session (until ``expires``, when its cookie dies anyway)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        with open(lock, "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{session_id} {expires}\n".encode("ascii"))
            finally:
                os.close(fd)
            ids = self._read()
            if len(ids) >= self.COMPACT_AFTER:
                self._compact(ids, time.time() if now is None else now)

    def _compact(self, ids: dict[str, int], now: float) -> None:
        live = "".join(f"{sid} {expires}\n" for sid, expires in ids.items() if expires >= now)
        staging = self.path.with_name(f".{self.path.name}-{secrets.token_hex(4)}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, live.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(staging, self.path)


@dataclass(frozen=True)
class Sessions:
    """Issues and checks session cookies and CSRF tokens with one server secret; a session
    signed out (``signed_out``) is refused by every worker until it would have expired."""

    secret: bytes
    lifetime_s: int = DEFAULT_LIFETIME_S
    signed_out: SignedOut | None = None
    secure: CookieSecure = "auto"

    def _sign(self, *parts: str) -> str:
        message = "|".join(parts).encode("utf-8")
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    def issue(self, key: ApiKey, now: float | None = None) -> str:
        """A cookie value for ``key``, with a session id of its own, that expires after the
        session lifetime: ``<key id>.<expiry>.<session id>.<signature>``."""
        expires = str(int((time.time() if now is None else now) + self.lifetime_s))
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        signature = self._sign("session", key.id, expires, session_id, key.sha256)
        return f"{key.id}.{expires}.{session_id}.{signature}"

    def key_for(self, value: str | None, keys: KeyRing, now: float | None = None) -> ApiKey | None:
        """The active key a cookie value stands for, or None (forged, expired, signed out,
        revoked)."""
        parts = _parts(value)
        if parts is None or int(parts[1]) < (time.time() if now is None else now):
            return None
        key_id, expires, session_id, signature = parts
        key = keys.by_id(key_id)
        digest = key.sha256 if key is not None else "0" * 64
        expected = self._sign("session", key_id, expires, session_id, digest)
        if key is None or not hmac.compare_digest(signature, expected) or not key.active:
            return None
        if self.signed_out is not None and session_id in self.signed_out:
            return None
        return key

    def sign_out(self, value: str, now: float | None = None) -> None:
        """End the session of a cookie value (the caller checked it and its CSRF token)."""
        parts = _parts(value)
        if parts is not None and self.signed_out is not None:
            self.signed_out.add(parts[2], int(parts[1]), now)

    def csrf_token(self, cookie_value: str) -> str:
        """The token forms and scripts must send back with a session cookie."""
        return self._sign("csrf", cookie_value)

    def csrf_ok(self, cookie_value: str | None, token: str | None) -> bool:
        """True when ``token`` belongs to this session cookie."""
        if not cookie_value or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie_value), token)


def _parts(value: str | None) -> tuple[str, str, str, str] | None:
    """``(key id, expiry, session id, signature)`` of a well-formed cookie value, else None."""
    if not value or value.count(".") != 3:
        return None
    key_id, expires, session_id, signature = value.split(".")
    if not EXPIRY.fullmatch(expires) or not SESSION_ID.fullmatch(session_id):
        return None
    return key_id, expires, session_id, signature


def cookie_secure(setting: CookieSecure, scheme: str) -> bool:
    """Whether a cookie carries ``Secure`` (``ERISK_COOKIE_SECURE``): ``always`` behind a
    TLS proxy, ``never``, or ``auto``: when the request reached the service over HTTPS as
    the ASGI server saw it (its own TLS, or ``X-Forwarded-Proto`` from a proxy uvicorn
    trusts). A header a client sends itself no longer decides."""
    if setting == "always":
        return True
    if setting == "never":
        return False
    return scheme == "https"
