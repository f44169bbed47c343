"""API keys, department scope and audit lines (pure parts of ``serving.auth``)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from pipelines.cli import main
from serving.auth import (
    AuditLog,
    KeyFileError,
    KeyRing,
    create_key,
    key_id_of,
    read_keys,
    revoke_key,
)


def test_a_created_key_is_stored_only_as_its_hash_in_a_private_file(tmp_path: Path) -> None:
    # given an empty key file location
    path = tmp_path / "api_keys.json"
    # when a key is created
    secret_key = create_key(path, "hr-tokyo", "hr,accounting")
    # then the file is 0600, holds the fixed fields and never the key or its secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert secret_key not in text and secret_key.split("_")[-1] not in text
    (entry,) = json.loads(text)["keys"]
    assert set(entry) == {"id", "sha256", "departments", "created_at", "revoked_at"}
    assert entry["departments"] == ["accounting", "hr"] and entry["revoked_at"] is None
    assert secret_key.startswith("erisk_hr-tokyo_") and len(secret_key.split("_", 2)[2]) >= 43


def test_the_ring_accepts_the_key_and_refuses_wrong_malformed_and_revoked_ones(
    tmp_path: Path,
) -> None:
    # given two keys
    path = tmp_path / "api_keys.json"
    good = create_key(path, "a", "all")
    other = create_key(path, "b", "hr")
    ring = KeyRing(path)
    # when / then the right key is accepted with its scope, anything else refused
    assert ring.authenticate(f"Bearer {good}").id == "a"  # type: ignore[union-attr]
    assert ring.authenticate(f"bearer {other}").sees("hr")  # type: ignore[union-attr]
    assert not ring.authenticate(f"Bearer {other}").sees("it")  # type: ignore[union-attr]
    for header in (
        None,
        "",
        good,
        f"Basic {good}",
        "Bearer ",
        f"Bearer {good}x",
        f"Bearer erisk_b_{good.split('_', 2)[2]}",
        "Bearer erisk_zz_secret",
    ):
        assert ring.authenticate(header) is None, header
    # and a revoked key is refused without a restart (the ring follows the file's mtime)
    time.sleep(0.01)
    revoke_key(path, "a")
    assert ring.authenticate(f"Bearer {good}") is None
    assert ring.authenticate(f"Bearer {other}") is not None


def test_key_operations_refuse_duplicates_unknown_ids_and_bad_scopes(tmp_path: Path) -> None:
    # given one key
    path = tmp_path / "api_keys.json"
    create_key(path, "a", "all")
    # when / then
    with pytest.raises(KeyFileError, match="exists already"):
        create_key(path, "a", "hr")
    with pytest.raises(KeyFileError, match="no key"):
        revoke_key(path, "nope")
    with pytest.raises(KeyFileError, match="letters"):
        create_key(path, "has_underscore", "hr")
    with pytest.raises(KeyFileError, match="all"):
        create_key(path, "c", "all,hr")
    assert [key.id for key in read_keys(path)] == ["a"]


def test_key_id_is_read_from_the_token_shape() -> None:
    assert key_id_of("erisk_hr-1_abc_def") == "hr-1"
    assert key_id_of("erisk_hr-1") is None
    assert key_id_of("xerisk_a_b") is None


def test_audit_lines_carry_the_fixed_fields_and_never_the_key(tmp_path: Path) -> None:
    # given an audit log
    log = AuditLog(tmp_path / "audit.log")
    # when two requests are recorded
    log.write(key_id=None, method="GET", route="/v1/model", status=401)
    log.write(
        key_id="a",
        method="GET",
        route="/v1/teams/{team_id}/risk",
        status=200,
        team_id="T1",
        department="hr",
        month="2026-10",
    )
    log.close()
    # then each is one JSON line with exactly the fixed fields, UTC timestamps, private file
    lines = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [line["status"] for line in lines] == [401, 200]
    assert all(
        list(line)
        == ["ts", "key_id", "method", "route", "team_id", "department", "month", "status"]
        for line in lines
    )
    assert lines[1]["ts"].endswith("Z") and lines[1]["route"] == "/v1/teams/{team_id}/risk"
    assert stat.S_IMODE(os.stat(tmp_path / "audit.log").st_mode) == 0o600


def test_keys_commands_create_list_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the keys command registered and a data dir
    from pipelines import cli

    monkeypatch.setitem(cli.COMMANDS, "keys", "pipelines.keys:keys_command")
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ERISK_API_KEYS_FILE", raising=False)
    # when a key is created, listed, revoked and revoked again
    assert main(["keys", "create", "--id", "ops", "--departments", "it"]) == 0
    printed = capsys.readouterr().out.strip()
    assert main(["keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert main(["keys", "revoke", "ops"]) == 0
    capsys.readouterr()
    second = main(["keys", "revoke", "ops"])
    # then the key was printed once, listed without its hash, and revoked once
    assert printed.startswith("erisk_ops_")
    assert listed == [
        {
            "id": "ops",
            "departments": ["it"],
            "created_at": listed[0]["created_at"],
            "revoked_at": None,
        }
    ]
    assert second == 2 and "revoked already" in capsys.readouterr().err
    assert read_keys(tmp_path / "api_keys.json")[0].revoked_at is not None


def test_audit_lines_bound_request_fields_and_escape_line_separators(tmp_path: Path) -> None:
    # given an audit log
    log = AuditLog(tmp_path / "audit.log")
    # when a request's fields are huge or hold JavaScript line separators
    log.write(
        key_id=None,
        method="G" * 500,
        route="/v1/flagged",
        status=404,
        team_id="T\u2028\u2029\x85",
        department="d" * 12_000,
        month="m" * 300,
    )
    log.close()
    # then each field keeps at most 200 characters and the separators are escaped
    raw = (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert not {"\u2028", "\u2029", "\x85"} & set(raw) and len(raw) < 1_000
    (line,) = [json.loads(text) for text in raw.splitlines()]
    assert line["team_id"] == "T\u2028\u2029\x85"
    assert all(len(line[name]) <= 200 for name in ("method", "department", "month"))


def test_a_broken_key_file_is_reported_with_where_it_broke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a key file broken by a hand edit
    from pipelines import cli

    path = tmp_path / "api_keys.json"
    create_key(path, "a", "all")
    ring = KeyRing(path)
    assert ring.by_id("a") is not None
    time.sleep(0.01)
    path.write_text(path.read_text().replace('"keys": [', '"keys": [,', 1))
    # when the server checks a key, and an administrator lists the keys
    monkeypatch.setitem(cli.COMMANDS, "keys", "pipelines.keys:keys_command")
    monkeypatch.setenv("ERISK_API_KEYS_FILE", str(path))
    with pytest.raises(KeyFileError, match="line 2"):
        ring.by_id("a")
    code = main(["keys", "list"])
    # then both say the file is broken and where, instead of using the old keys
    err = capsys.readouterr().err
    assert code == 2 and "api_keys.json" in err and "line 2" in err and "Traceback" not in err
