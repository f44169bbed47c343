"""Sign-in sessions: signed cookies that die with their key, and CSRF tokens bound to them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from serving.auth import KeyRing, create_key, revoke_key
from serving.ui.session import (
    DEFAULT_LIFETIME_S,
    Sessions,
    SignedOut,
    cookie_secure,
    lifetime_from_env,
    load_secret,
)


@pytest.fixture
def ring(tmp_path: Path) -> tuple[KeyRing, Path]:
    path = tmp_path / "api_keys.json"
    create_key(path, "hr-team", "hr")
    return KeyRing(path), path


def test_a_fresh_session_names_its_key(ring: tuple[KeyRing, Path]) -> None:
    # given a key and a session issued for it
    keys, _ = ring
    sessions = Sessions(b"s" * 32)
    key = keys.by_id("hr-team")
    assert key is not None
    cookie = sessions.issue(key, now=1_000)
    # when the cookie comes back before it expires
    found = sessions.key_for(cookie, keys, now=2_000)
    # then it stands for that key, and the cookie does not contain the key's secret
    assert found is not None and found.id == "hr-team"
    assert key.sha256 not in cookie


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature changed
        lambda c: c.replace("hr-team", "hr-teem", 1),  # another key id
        lambda c: c.split(".")[0] + ".9999999999." + c.split(".")[2],  # later expiry
        lambda c: "",
        lambda c: "not-a-cookie",
        lambda c: c + ".x",
    ],
)
def test_a_forged_or_malformed_cookie_is_refused(ring: tuple[KeyRing, Path], tamper) -> None:  # type: ignore[no-untyped-def]
    # given a valid cookie
    keys, _ = ring
    sessions = Sessions(b"s" * 32)
    cookie = sessions.issue(keys.by_id("hr-team"), now=1_000)  # type: ignore[arg-type]
    # when it is altered, then no key is found
    assert sessions.key_for(tamper(cookie), keys, now=1_001) is None


def test_a_session_ends_when_it_expires_or_its_key_is_revoked(ring: tuple[KeyRing, Path]) -> None:
    # given a session with a one-hour lifetime
    keys, path = ring
    sessions = Sessions(b"s" * 32, lifetime_s=3600)
    cookie = sessions.issue(keys.by_id("hr-team"), now=1_000)  # type: ignore[arg-type]
    # then it is refused after the hour
    assert sessions.key_for(cookie, keys, now=1_000 + 3599) is not None
    assert sessions.key_for(cookie, keys, now=1_000 + 3601) is None
    # and refused at once when the key is revoked
    revoke_key(path, "hr-team")
    assert sessions.key_for(cookie, keys, now=1_001) is None


def test_another_server_secret_does_not_accept_the_cookie(ring: tuple[KeyRing, Path]) -> None:
    keys, _ = ring
    cookie = Sessions(b"a" * 32).issue(keys.by_id("hr-team"), now=1_000)  # type: ignore[arg-type]
    assert Sessions(b"b" * 32).key_for(cookie, keys, now=1_001) is None


def test_the_csrf_token_belongs_to_one_session() -> None:
    # given two sessions
    sessions = Sessions(b"s" * 32)
    token = sessions.csrf_token("one.1.sig")
    # then the token fits its own session only, and nothing fits a missing cookie
    assert sessions.csrf_ok("one.1.sig", token)
    assert not sessions.csrf_ok("two.1.sig", token)
    assert not sessions.csrf_ok(None, token)
    assert not sessions.csrf_ok("one.1.sig", None)


def test_workers_starting_together_share_one_secret(tmp_path: Path) -> None:
    # given eight threads creating the secret at the same moment
    seen: list[bytes] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait()
        seen.append(load_secret(tmp_path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then all got the same secret, kept private, with no staging file left
    assert len(set(seen)) == 1 and len(seen[0]) == 64
    assert (tmp_path / "session_secret").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["session_secret"]


def test_the_secret_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERISK_SESSION_SECRET", "shared-by-all-replicas")
    assert load_secret(tmp_path) == b"shared-by-all-replicas"
    monkeypatch.delenv("ERISK_SESSION_SECRET")
    mounted = tmp_path / "mounted-secret"
    mounted.write_text("from-a-secret-store\n")
    monkeypatch.setenv("ERISK_SESSION_SECRET_FILE", str(mounted))
    assert load_secret(tmp_path) == b"from-a-secret-store"
    assert not (tmp_path / "session_secret").exists()


def test_the_session_lifetime_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERISK_SESSION_HOURS", raising=False)
    assert lifetime_from_env() == 8 * 3600
    monkeypatch.setenv("ERISK_SESSION_HOURS", "0.5")
    assert lifetime_from_env() == 1800
    monkeypatch.setenv("ERISK_SESSION_HOURS", "soon")
    assert lifetime_from_env() == 8 * 3600


def test_a_signed_out_session_is_refused_by_every_worker_and_after_a_restart(
    ring: tuple[KeyRing, Path], tmp_path: Path
) -> None:
    # given two workers sharing the secret and the sign-out list, and two sessions of a key
    keys, _ = ring
    path = tmp_path / "data" / "signed_out_sessions"
    one = Sessions(b"s" * 32, signed_out=SignedOut(path))
    two = Sessions(b"s" * 32, signed_out=SignedOut(path))
    key = keys.by_id("hr-team")
    assert key is not None
    cookie, other = one.issue(key, now=1_000), one.issue(key, now=1_000)
    assert cookie != other and two.key_for(cookie, keys, now=1_001) is not None
    # when one worker signs the first session out
    one.sign_out(cookie, now=1_001)
    # then the other worker, and a worker started later, refuse it; the other session lives
    restarted = Sessions(b"s" * 32, signed_out=SignedOut(path))
    assert two.key_for(cookie, keys, now=1_002) is None
    assert restarted.key_for(cookie, keys, now=1_002) is None
    assert two.key_for(other, keys, now=1_002) is not None
    # and the list is private and forgets sessions once they would have expired anyway
    assert path.stat().st_mode & 0o777 == 0o600
    later = 1_000 + DEFAULT_LIFETIME_S + 1
    for _ in range(SignedOut.COMPACT_AFTER + 1):
        one.sign_out(one.issue(key, now=later), now=later)
    assert cookie.split(".")[2] not in path.read_text()


@pytest.mark.parametrize(
    "value",
    ["a.\u00b2.b", "a.\u00b2.b.c", "a.1\u0663.b.c", "a." + "9" * 400 + ".b.c", "...", "a.b.c.d.e"],
)
def test_a_cookie_with_odd_digits_or_parts_is_refused_not_an_error(
    ring: tuple[KeyRing, Path], value: str
) -> None:
    keys, _ = ring
    assert Sessions(b"s" * 32).key_for(value, keys) is None


@pytest.mark.parametrize(
    ("setting", "scheme", "secure"),
    [
        ("auto", "http", False),
        ("auto", "https", True),
        ("always", "http", True),
        ("never", "https", False),
    ],
)
def test_the_secure_flag_follows_the_setting_and_the_connection(
    setting: str, scheme: str, secure: bool
) -> None:
    # the connection's scheme is what the ASGI server saw (TLS, or a trusted proxy's header)
    assert cookie_secure(setting, scheme) is secure  # type: ignore[arg-type]


def test_team_links_keep_a_team_id_one_path_segment() -> None:
    # given the page's template environment
    from serving.ui.app import _environment

    template = _environment().from_string("/ui/teams/{{ team|segment }}")
    # when a team id with slashes and dots is linked
    link = template.render(team="../../v1/model ?#%")
    # then it stays one segment: a browser cannot resolve it to another path of the site
    assert link == "/ui/teams/..%2F..%2Fv1%2Fmodel%20%3F%23%25"
