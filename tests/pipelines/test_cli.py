"""The ``erisk`` entry point: help everywhere and the fixed exit codes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import COMMANDS, main


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # when asked for help
    code = main(["--help"])
    # then every available command is listed
    out = capsys.readouterr().out
    assert code == 0
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # when a command's help is asked for, then it answers
    assert main([command, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_unknown_command_and_bad_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert main(["snapshots", "--no-such-option"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_internal_error_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export_dir: Path
) -> None:
    # given a data dir that is a file, so the store cannot be written
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ERISK_DATA_DIR", str(blocker))
    # when a valid export is ingested, then it is an internal error (1), not a user error (2)
    assert main(["ingest", str(export_dir)]) == 1


def test_console_script_is_installed() -> None:
    # when the installed script runs, then it answers like main()
    erisk = [sys.executable, "-m", "pipelines.cli"]
    done = subprocess.run([*erisk, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "ingest" in done.stdout


def test_commands_do_not_print_third_party_warnings() -> None:
    # given a fresh interpreter with Python's default warning filters, as a user runs it
    erisk = [sys.executable, "-m", "pipelines.cli"]
    # when a command that loads pandera (and through it PySpark's pandas layer) runs
    done = subprocess.run(
        [*erisk, "features", "--help"], capture_output=True, text=True, check=False
    )
    # then it answers without PySpark's warning about pandas 3 on stderr
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr


def test_commands_keep_the_data_dir_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, export_dir: Path
) -> None:
    # given a data dir that an earlier version left readable by everyone
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    monkeypatch.setenv("ERISK_DATA_DIR", str(data))
    umask_before = _umask()
    # when an export of raw HR data is ingested
    assert main(["ingest", str(export_dir)]) == 0
    # then the data dir and every folder in it are 0700, every file 0600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    paths = list(data.rglob("*"))
    assert any(p.suffix == ".parquet" for p in paths)
    for path in paths:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    # and the process's own umask is left as it was (tests call main() in-process)
    assert _umask() == umask_before


def _umask() -> int:
    current = os.umask(0o077)
    os.umask(current)
    return current
