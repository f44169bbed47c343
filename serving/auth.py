"""API keys, department scope and the audit log of the HTTP service.

A key is printed once as ``erisk_<id>_<secret>`` (32 random bytes); the key file keeps only
its SHA-256, so a stolen file does not let anyone in. A fast hash is enough for a 256-bit
secret (there is nothing to brute-force). The server re-reads the file when its mtime
changes, so ``erisk keys create|revoke`` take effect without a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

KEYS_FILE = "api_keys.json"
AUDIT_FILE = "audit.log"
KEY_PREFIX = "erisk_"
ALL_DEPARTMENTS = "all"
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,40}$")
SECRET_BYTES = 32


class KeyFileError(ValueError):
    """A key operation that cannot be done (duplicate id, unknown id, bad departments), or a
    key file that cannot be read."""


# what a client is told while the key file is broken (the server log says where)
KEY_FILE_BROKEN = "the server's API key file cannot be read: no key works until it is fixed"


def keys_path(data_dir: Path) -> Path:
    """``ERISK_API_KEYS_FILE`` or ``$ERISK_DATA_DIR/api_keys.json``."""
    override = os.environ.get("ERISK_API_KEYS_FILE")
    return Path(override) if override else Path(data_dir) / KEYS_FILE


def audit_path(data_dir: Path) -> Path:
    """``ERISK_AUDIT_LOG`` or ``$ERISK_DATA_DIR/audit.log``."""
    override = os.environ.get("ERISK_AUDIT_LOG")
    return Path(override) if override else Path(data_dir) / AUDIT_FILE


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _digest(secret_key: str) -> str:
    return hashlib.sha256(secret_key.encode("utf-8")).hexdigest()


# ---- the key file ----------------------------------------------------------------------
@dataclass(frozen=True)
class ApiKey:
    """One entry of the key file (never the key itself)."""

    id: str
    sha256: str
    departments: tuple[str, ...] | str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def sees(self, department: str | None) -> bool:
        """Whether this key may read a team of ``department``."""
        if self.departments == ALL_DEPARTMENTS:
            return True
        return department is not None and department in self.departments

    def as_json(self) -> dict[str, Any]:
        departments = (
            self.departments if isinstance(self.departments, str) else list(self.departments)
        )
        return {
            "id": self.id,
            "sha256": self.sha256,
            "departments": departments,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> ApiKey:
        departments = entry["departments"]
        scope: tuple[str, ...] | str = (
            ALL_DEPARTMENTS if departments == ALL_DEPARTMENTS else tuple(departments)
        )
        return cls(
            str(entry["id"]),
            str(entry["sha256"]),
            scope,
            str(entry["created_at"]),
            entry.get("revoked_at"),
        )


def parse_departments(text: str) -> tuple[str, ...] | str:
    """``all`` or ``d1,d2`` → the stored scope."""
    text = text.strip()
    if text == ALL_DEPARTMENTS:
        return ALL_DEPARTMENTS
    names = tuple(sorted({part.strip() for part in text.split(",") if part.strip()}))
    if not names:
        raise KeyFileError("--departments takes 'all' or a comma-separated list, e.g. hr,it")
    if ALL_DEPARTMENTS in names:
        raise KeyFileError("'all' cannot be combined with named departments")
    return names


def read_keys(path: Path) -> list[ApiKey]:
    """Every entry of the key file; none when it does not exist. A file that is not valid
    (a hand edit gone wrong) is a KeyFileError that says where."""
    if not path.exists():
        return []
    try:
        payload = json.loads(path.read_text(encoding="utf-8") or "{}")
        return [ApiKey.from_json(entry) for entry in payload.get("keys", [])]
    except json.JSONDecodeError as broken:
        raise KeyFileError(
            f"{path}: line {broken.lineno} column {broken.colno}: {broken.msg}; fix the file "
            "(or restore it) before the keys in it work again"
        ) from broken
    except (UnicodeDecodeError, AttributeError, KeyError, TypeError) as broken:
        raise KeyFileError(
            f'{path}: not a key file ({broken!r}): it holds {{"keys": [...]}} with the '
            "fields id, sha256, departments, created_at, revoked_at"
        ) from broken


def write_keys(path: Path, keys: Iterable[ApiKey]) -> None:
    """Replace the key file atomically, readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"keys": [key.as_json() for key in keys]}
    handle, temporary = tempfile.mkstemp(prefix=".api_keys.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def create_key(path: Path, key_id: str, departments: str) -> str:
    """Add a key and return it (the only time it is ever shown)."""
    if not KEY_ID_PATTERN.match(key_id):
        raise KeyFileError(f"key id {key_id!r}: use 1-40 letters, digits or '-'")
    scope = parse_departments(departments)
    keys = read_keys(path)
    if any(key.id == key_id for key in keys):
        raise KeyFileError(f"key id {key_id!r} exists already: revoke it or choose another id")
    secret_key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    keys.append(ApiKey(key_id, _digest(secret_key), scope, _now()))
    write_keys(path, keys)
    return secret_key


def revoke_key(path: Path, key_id: str) -> ApiKey:
    """Mark a key revoked (kept in the file so that audit lines stay explainable)."""
    keys = read_keys(path)
    for index, key in enumerate(keys):
        if key.id == key_id:
            if key.revoked_at is not None:
                raise KeyFileError(f"key {key_id!r} was revoked already at {key.revoked_at}")
            revoked = ApiKey(key.id, key.sha256, key.departments, key.created_at, _now())
            keys[index] = revoked
            write_keys(path, keys)
            return revoked
    raise KeyFileError(f"no key {key_id!r}: see `erisk keys list`")


class KeyRing:
    """The key file as the server sees it: re-read whenever its mtime or size changes. While
    the file cannot be read, every lookup raises KeyFileError (never the old keys)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._by_id: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def _current(self) -> dict[str, ApiKey]:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            with self._lock:
                try:
                    keys = read_keys(self.path) if stamp is not None else []
                except (OSError, KeyFileError) as broken:
                    # not the old keys: a broken edit may have been a revocation. The server
                    # refuses every key (503) until the file is fixed, and says why here
                    logger.error("cannot read the key file: %s", broken)
                    raise KeyFileError(str(broken)) from broken
                self._by_id = {key.id: key for key in keys}
                self._stamp = stamp
                logger.info("key file %s: %d keys", self.path, len(self._by_id))
        return self._by_id

    def authenticate(self, authorization: str | None) -> ApiKey | None:
        """The active key behind an ``Authorization: Bearer`` header, or None."""
        presented = bearer_token(authorization)
        if presented is None:
            return None
        key_id = key_id_of(presented)
        entry = self._current().get(key_id or "")
        # compare even when the id is unknown, so timing does not reveal which ids exist
        expected = entry.sha256 if entry is not None else "0" * 64
        matches = hmac.compare_digest(_digest(presented), expected)
        if entry is None or not matches or not entry.active:
            return None
        return entry

    def by_id(self, key_id: str) -> ApiKey | None:
        """The key with this id as the file says now (revoked keys included), or None.

        For sign-in sessions, which name a key without presenting its secret: the caller
        checks a signature over the key's stored digest and ``active``."""
        return self._current().get(key_id)


def bearer_token(authorization: str | None) -> str | None:
    """The token of ``Bearer <token>``; None for anything else."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def key_id_of(token: str) -> str | None:
    """``erisk_<id>_<secret>`` → ``<id>`` (ids hold no underscore); None if malformed."""
    if not token.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret_part = token[len(KEY_PREFIX) :].partition("_")
    if not sep or not secret_part or not KEY_ID_PATTERN.match(key_id):
        return None
    return key_id


# ---- the audit log ---------------------------------------------------------------------
AUDIT_FIELDS = ("ts", "key_id", "method", "route", "team_id", "department", "month", "status")
AUDIT_SCOPE_KEY = "erisk.audit"
# a field taken from the request (a 12 kB ?department=) must not make a 12 kB line
MAX_AUDIT_FIELD = 200
# line breaks that JSON leaves unescaped (it escapes those below U+0020)
RAW_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def audit_record(scope: dict[str, Any]) -> dict[str, Any]:
    """The audit fields of one request, kept in its ASGI scope: the routes fill in the key
    id, team, department and month; ``serving.edge.DataRoutes`` writes the line once the
    answer has gone out."""
    record = scope.get(AUDIT_SCOPE_KEY)
    if record is None:
        record = scope[AUDIT_SCOPE_KEY] = {}
    return record


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_AUDIT_FIELD:
        return value[: MAX_AUDIT_FIELD - 1] + "…"
    return value


class AuditLog:
    """One JSON line per request to a data route, refusals included; never the key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return self._fd

    def write(
        self,
        *,
        key_id: str | None,
        method: str,
        route: str,
        status: int,
        team_id: str | None = None,
        department: str | None = None,
        month: str | None = None,
    ) -> dict[str, Any]:
        """Append one line (a single write of a whole line: workers may share the file).

        Fields are cut to ``MAX_AUDIT_FIELD`` characters, and U+0085, U+2028 and U+2029 are
        escaped: JSON allows them raw, but JavaScript log viewers and Python's
        ``str.splitlines`` take them for line breaks."""
        line = {
            "ts": _now(),
            "key_id": key_id,
            "method": method,
            "route": route,
            "team_id": team_id,
            "department": department,
            "month": month,
            "status": status,
        }
        line = {name: _bounded(value) for name, value in line.items()}
        text = json.dumps(line, ensure_ascii=False)
        for separator in RAW_LINE_BREAKS:
            text = text.replace(separator, f"\\u{ord(separator):04x}")
        data = (text + "\n").encode("utf-8")
        with self._lock:
            # one write(2) on an O_APPEND descriptor: lines of several workers never mix
            os.write(self._descriptor(), data)
        return line

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
