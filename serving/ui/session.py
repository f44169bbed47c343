"""Sign-in sessions of the HR page: a signed cookie that names a key, and its CSRF token.

The cookie holds ``<key id>.<expiry>.<signature>``, never the key itself. The signature is
an HMAC with a server secret over the id, the expiry and the key's stored SHA-256, so a
session dies when its key is revoked (the key ring is asked on every request) or replaced.
Nothing is kept in memory: every worker and every replica that shares the secret accepts
the cookie. The CSRF token is an HMAC of the cookie value: a page can only learn it from
the server, and another site cannot read it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Sessions:
    """Issues and checks session cookies and CSRF tokens with one server secret."""

    secret: bytes
    lifetime_s: int = DEFAULT_LIFETIME_S

    def _sign(self, *parts: str) -> str:
        message = "|".join(parts).encode("utf-8")
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    def issue(self, key: ApiKey, now: float | None = None) -> str:
        """A cookie value for ``key`` that expires after the session lifetime."""
        expires = str(int((time.time() if now is None else now) + self.lifetime_s))
        return f"{key.id}.{expires}.{self._sign('session', key.id, expires, key.sha256)}"

    def key_for(self, value: str | None, keys: KeyRing, now: float | None = None) -> ApiKey | None:
        """The active key a cookie value stands for, or None (forged, expired, revoked)."""
        if not value or value.count(".") != 2:
            return None
        key_id, expires, signature = value.split(".")
        if not EXPIRY.fullmatch(expires) or int(expires) < (time.time() if now is None else now):
            return None
        key = keys.by_id(key_id)
        digest = key.sha256 if key is not None else "0" * 64
        expected = self._sign("session", key_id, expires, digest)
        if key is None or not hmac.compare_digest(signature, expected) or not key.active:
            return None
        return key

    def csrf_token(self, cookie_value: str) -> str:
        """The token forms and scripts must send back with a session cookie."""
        return self._sign("csrf", cookie_value)

    def csrf_ok(self, cookie_value: str | None, token: str | None) -> bool:
        """True when ``token`` belongs to this session cookie."""
        if not cookie_value or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie_value), token)
