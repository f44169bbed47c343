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


def test_the_hardening_settings_default_and_refuse_bad_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    # given no hardening variables, then the cookie follows the connection and sign-outs
    # live in the data dir
    for name in ("ERISK_COOKIE_SECURE", "ERISK_SIGNED_OUT_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.cookie_secure == "auto" and settings.signed_out_file is None
    # when a setting has a value it does not take, then a command says which, exit 2
    monkeypatch.setenv("ERISK_COOKIE_SECURE", "yes")
    assert main(["snapshots"]) == 2
    err = capsys.readouterr().err
    assert "ERISK_COOKIE_SECURE" in err and "always" in err and "Traceback" not in err
