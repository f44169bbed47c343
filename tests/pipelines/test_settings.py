"""Settings come from the environment, once, and cannot be changed afterwards."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from pipelines.settings import DEFAULT_TRACKING_URI, load_settings


def test_defaults_keep_everything_inside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    # given no project variables
    for name in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI", "ERISK_MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    # when loaded
    settings = load_settings()
    # then the store is ./data and MLflow is SQLite inside mlruns/
    assert settings.data_dir == Path("data")
    assert settings.mlflow_tracking_uri == DEFAULT_TRACKING_URI == "sqlite:///mlruns/mlflow.db"
    assert settings.snapshots_dir == Path("data/snapshots")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////srv/mlflow.db")
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.mlflow_tracking_uri == "sqlite:////srv/mlflow.db"


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(pydantic.ValidationError):
        settings.data_dir = Path("elsewhere")  # type: ignore[misc]
