"""Fixtures for command tests: an isolated data dir and a valid export folder."""

from __future__ import annotations

from dataclasses import dataclass
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


# the month of the world (by position in World.months) with 4 high teams, one more than
# the default review list holds for 16 teams; the tests check it still has them
REVIEW_MONTH_INDEX = 7


@dataclass(frozen=True)
class World:
    root: Path
    export: Path
    data_dir: Path
    tracking_uri: str
    champion: int
    months: list[str]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A 16-team, 22-month world with a champion model trained on it (built once)."""
    from models.backtest import BacktestConfig
    from models.train import BoosterParams
    from pipelines.build_features import run_features
    from pipelines.generate import run_generate
    from pipelines.ingest import run_ingest
    from pipelines.promote import run_promote
    from pipelines.score import SnapshotData
    from pipelines.settings import load_settings
    from pipelines.train import TrainOptions, run_train

    root = tmp_path_factory.mktemp("score-world")
    tracking_uri = f"sqlite:///{root}/mlruns/mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERISK_DATA_DIR", str(root / "data"))
        patch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
        patch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        settings = load_settings()
        run_generate(root / "export", "default", teams=16, months=22, seed=11)
        run_ingest(root / "export", settings)
        run_features(settings)
        # leaves of 10 rows, not 80: with ~300 team-months the default grows no split, and
        # a constant model would let what-if and driver tests pass without a real model;
        # L2 10 (not the default 0): unregularised, early stopping on this tiny holdout
        # stops before the first useful tree
        options = TrainOptions(
            # six folds: each is reported with the recipe chosen on the folds before it
            backtest=BacktestConfig(n_folds=6, holdout_months=3, min_fit_months=3),
            params=BoosterParams(min_data_in_leaf=10, lambda_l2=10.0),
            bootstrap_replicates=20,
            measure_monotone_cost=False,
        )
        trained = run_train(settings, None, seed=1, options=options)
        run_promote(settings)
        months = SnapshotData(settings).scorable_months()
    return World(
        root, root / "export", root / "data", tracking_uri, int(trained.model_version), months
    )
