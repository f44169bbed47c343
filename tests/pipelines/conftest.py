"""Fixtures for command tests: an isolated data dir and a valid export folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.export_fixture import valid_frames, write_export


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``ERISK_DATA_DIR`` for one test."""
    folder = tmp_path / "store"
    monkeypatch.setenv("ERISK_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    """A valid export with all seven tables as UTF-8 CSV."""
    return write_export(tmp_path / "export", valid_frames())
