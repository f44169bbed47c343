"""``erisk serve`` refuses to start, saying what to run, when the service could not work."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import cli
from pipelines.cli import main
from pipelines.errors import UserError
from tests.pipelines.conftest import World


@pytest.fixture
def serve_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli.COMMANDS, "serve", "pipelines.serve:serve_command")


def test_serve_without_data_exits_2_naming_ingest(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    serve_registered: None,
) -> None:
    # given an empty data dir
    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    # when serving is asked for
    code = main(["serve", "--port", "3999"])
    # then it refuses with what to run
    assert code == 2
    assert "erisk ingest" in capsys.readouterr().err


def test_serve_args_bind_loopback_by_default() -> None:
    from pipelines.serve import DEFAULT_HOST, serve_args

    args = serve_args(DEFAULT_HOST, 3000)
    assert args[-4:] == ["--host", "127.0.0.1", "--port", "3000"]
    assert "serving.service:EngagementRisk" in args


@pytest.mark.slow
def test_serve_and_the_service_refuse_an_empty_scores_store(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    serve_registered: None,
) -> None:
    # given a world with a champion but nothing scored in this store
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    monkeypatch.setenv("ERISK_DB_URL", f"sqlite:///{tmp_path}/empty.db")
    # when the command and the service itself start
    code = main(["serve"])
    err = capsys.readouterr().err
    from pipelines.settings import load_settings
    from serving.state import ServingState

    # then both refuse, naming `erisk score`
    assert code == 2 and "erisk score" in err
    with pytest.raises(UserError, match="erisk score"):
        ServingState(load_settings())
