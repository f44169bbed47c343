"""End to end on a temporary MLflow store: train -> register -> promote, the gate both ways."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from models.backtest import BacktestConfig
from models.train import BoosterParams
from pipelines import cli
from pipelines.errors import UserError
from pipelines.settings import load_settings
from pipelines.train import TrainOptions, run_train
from tests.models.team_months import synthetic_team_months

# MLflow's own deprecation warnings (its SQLAlchemy store, pandas 4 notices in its utils)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
    pytest.mark.filterwarnings("ignore:Starting with pandas version 4.0 all arguments"),
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
]

OPTIONS = TrainOptions(
    backtest=BacktestConfig(n_folds=3, holdout_months=4, min_fit_months=4),
    bootstrap_replicates=50,
    measure_monotone_cost=False,
)
# one stump, barely trained: clearly worse than the champion on the same folds
WEAK = replace(OPTIONS, params=replace(BoosterParams(), num_leaves=2, max_rounds=1))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(autouse=True)
def tracking(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    monkeypatch.setenv("ERISK_DATA_DIR", str(store / "data"))
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return synthetic_team_months(n_teams=50, n_months=26, seed=8)


def _truth(table: pd.DataFrame, folder: Path) -> Path:
    """A fake truth: the label itself blurred, under today's label settings."""
    from features.labels import LabelConfig

    truth = table[["team_id", "month"]].copy()
    truth["p_true"] = table["label"].astype("float64").fillna(0.5) * 0.6 + 0.2
    truth["driver"] = "none"
    truth["label_config_hash"] = LabelConfig().config_hash()
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    truth.to_parquet(folder / "truth" / "team_month.parquet")
    return folder


def _aliases() -> dict[str, str]:
    from mlflow import MlflowClient

    model = MlflowClient().get_registered_model("engagement-risk")
    return {alias: str(version) for alias, version in model.aliases.items()}


def _promote(*args: str) -> tuple[int, str]:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(cli.COMMANDS, "promote", "pipelines.promote:promote_command")
        result = runner.invoke(cli.cli, ["promote", *args], standalone_mode=False)
    if isinstance(result.exception, UserError):
        return 2, str(result.exception)
    assert result.exception is None, result.exception
    return 0, result.output


def test_train_register_promote_and_the_gate_both_ways(
    table: pd.DataFrame, store: Path, tmp_path: Path
) -> None:
    import mlflow

    # given a first run with a truth folder
    first = run_train(
        load_settings(), _truth(table, tmp_path), seed=1, table=table, options=OPTIONS
    )
    # then it is registered as challenger, with both ceilings, the artifacts and the data
    assert _aliases() == {"challenger": first.model_version}
    assert {"oracle", "observable"} <= set(first.headline.index)
    shares = set(first.intervals["statistic"])
    assert {"model.share_of_oracle", "model.share_of_observable"} <= shares
    assert "model.top3_vs_observable" in shares
    assert first.observable is not None and "cross-fitted" in first.observable.method
    assert {"model", "rule_of_thumb", "logistic_regression"} <= set(first.headline.index)
    run = mlflow.get_run(first.run_id)
    assert run.inputs.dataset_inputs[0].dataset.digest == run.data.tags["training_data_digest"]
    listed = {f.path for f in mlflow.MlflowClient().list_artifacts(first.run_id)}
    assert {"model_card.md", "oof_predictions.parquet", "plots", "fairness.csv"} <= listed
    oof = pd.read_parquet(
        mlflow.artifacts.download_artifacts(
            run_id=first.run_id, artifact_path="oof_predictions.parquet"
        )
    )
    assert {"team_id", "month", "label", "p_model", "fold", "p_observable"} <= set(oof.columns)
    card = mlflow.artifacts.load_text(f"runs:/{first.run_id}/model_card.md")
    assert "Observable ceiling" in card and "Oracle ceiling" in card
    assert run.data.metrics["model.share_of_observable"] == pytest.approx(
        first.intervals.set_index("statistic").loc["model.share_of_observable", "estimate"]
    )

    # when the first model is promoted, it becomes champion without a gate
    assert _promote()[0] == 0
    assert _aliases()["champion"] == first.model_version

    # when an identical recipe is trained again, the gate passes
    second = run_train(load_settings(), None, seed=1, table=table, options=OPTIONS)
    code, output = _promote()
    assert code == 0, output
    assert "gate passed" in output
    assert _aliases()["champion"] == second.model_version

    # when a weak challenger arrives, the gate refuses and says which rule failed
    weak = run_train(load_settings(), None, seed=1, table=table, options=WEAK)
    code, message = _promote()
    assert code == 2
    assert "rule auc failed" in message
    assert _aliases() == {"champion": second.model_version, "challenger": weak.model_version}

    # when forced with a reason, it is promoted and the reason is recorded
    code, _ = _promote("--force", "--reason", "audit asked for the simpler model")
    assert code == 0
    version = mlflow.MlflowClient().get_model_version("engagement-risk", weak.model_version)
    assert version.tags["forced_reason"] == "audit asked for the simpler model"
    assert _aliases()["champion"] == weak.model_version


def test_pyfunc_and_bundle_return_the_same_calibrated_probability(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    import mlflow

    from models.registry import load_model_bundle

    # given a registered challenger
    summary = run_train(load_settings(), None, seed=2, table=table, options=OPTIONS)
    rows = table[table["month"] == table["month"].max()].head(20)
    features = rows.drop(columns=["team_id", "month", "survey_suppressed", "label"])
    features["department"] = features["department"].astype(object)
    # when it is loaded with stock pyfunc and as a bundle
    pyfunc = mlflow.pyfunc.load_model("models:/engagement-risk@challenger")
    bundle = load_model_bundle("challenger")
    # then both give the same probabilities, in (0, 1)
    np.testing.assert_allclose(np.asarray(pyfunc.predict(features)), bundle.predict_proba(rows))
    assert bundle.version == summary.model_version
    assert bundle.run_id == summary.run_id
    assert ((bundle.predict_proba(rows) > 0) & (bundle.predict_proba(rows) < 1)).all()
    # and a downloaded model folder loads without the registry, with the same numbers
    folder = mlflow.artifacts.download_artifacts(
        "models:/engagement-risk@challenger", dst_path=str(tmp_path / "local")
    )
    local = load_model_bundle(folder)
    np.testing.assert_allclose(local.predict_proba(rows), bundle.predict_proba(rows))
    assert local.run_id == summary.run_id
    # and the base rate (the training labels' event rate) and the review list's backtest
    # figures travel with the model
    assert bundle.bands is not None and local.bands == bundle.bands
    assert bundle.bands.base_rate == pytest.approx(float(table["label"].dropna().mean()), abs=0.03)
    assert 0 <= bundle.bands.backtest["review.precision"] <= 1
    assert len(bundle.bands.backtest["review.precision.ci90"]) == 2


def test_same_data_and_seed_give_the_same_metrics(table: pd.DataFrame) -> None:
    # given / when two runs with one seed
    first = run_train(load_settings(), None, seed=4, table=table, options=OPTIONS)
    second = run_train(load_settings(), None, seed=4, table=table, options=OPTIONS)
    # then
    pd.testing.assert_frame_equal(first.headline, second.headline)
    pd.testing.assert_frame_equal(first.intervals, second.intervals)


def test_tune_logs_one_nested_run_per_trial_and_records_the_chosen_params(
    table: pd.DataFrame,
) -> None:
    import mlflow

    pytest.importorskip("optuna")
    # given / when a run with 2 trials per split
    summary = run_train(
        load_settings(), None, seed=3, table=table, options=replace(OPTIONS, tune_trials=2)
    )
    # then the final model's trials are nested runs of the training run
    children = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{summary.run_id}'", output_format="list"
    )
    assert len(children) == 2
    params = mlflow.get_run(summary.run_id).data.params
    assert params["tune.trials"] == "2"
    chosen = next(c for c in children if c.data.tags["best_trial"] == "true")
    assert chosen.data.params["params.max_depth"] == params["params.max_depth"]


def test_cli_refuses_zero_trials_and_promote_without_a_challenger(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given an empty store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.setitem(cli.COMMANDS, "train", "pipelines.train:train_command")
    monkeypatch.setitem(cli.COMMANDS, "promote", "pipelines.promote:promote_command")
    # when / then both exit 2 with a message
    assert cli.main(["train", "--tune", "0"]) == 2
    assert cli.main(["promote"]) == 2
    assert cli.main(["promote", "--force"]) == 2


def test_a_truth_under_other_label_settings_is_refused(tmp_path: Path) -> None:
    from features.labels import LabelConfig
    from pipelines.train import read_truth

    # given a truth written with theta 0.7
    other = LabelConfig(theta=0.7)
    truth = pd.DataFrame(
        {"team_id": ["T1"], "month": ["2025-01"], "p_true": [0.1], "driver": ["none"]}
    )
    truth["label_config_hash"] = other.config_hash()
    truth.to_parquet(tmp_path / "team_month.parquet")
    # when / then: today's settings refuse it, its own settings read it
    with pytest.raises(UserError, match="label settings"):
        read_truth(tmp_path, LabelConfig())
    assert read_truth(tmp_path, other)["p_true"].tolist() == [0.1]


def test_labels_of_helped_team_months_are_left_out_and_logged(
    table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a scores database holding one buffer for T003 from 2024-06, and a withdrawn one
    import datetime as dt

    from mlflow import MlflowClient

    from pipelines.interventions import NewIntervention
    from pipelines.scores_store import ScoresStore

    monkeypatch.setenv("ERISK_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    store = ScoresStore.from_settings(settings)

    def row(ident: str, team: str, cancels: str | None = None) -> NewIntervention:
        return NewIntervention(
            ident, team, "d", dt.date(2024, 6, 3), "buffer", None, None, cancels, "cli",
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )  # fmt: skip

    store.add_interventions(
        [row("iv-a", "T003"), row("iv-b", "T004"), row("iv-c", "T004", cancels="iv-b")]
    )
    store.dispose()
    helped = (table["team_id"] == "T003") & table["month"].between("2024-03", "2024-08")
    expected = int((helped & table["label"].notna()).sum())
    # when training with and without keeping them
    left = run_train(settings, None, seed=4, table=table, options=OPTIONS)
    keep = replace(OPTIONS, keep_helped=True)
    kept = run_train(settings, None, seed=4, table=table, options=keep)
    # then T003's labels of 2024-03..2024-08 (start -3 .. +2) are out, the withdrawn buffer
    # changes nothing, and the run says how many
    params = MlflowClient().get_run(left.run_id).data.params
    assert expected == 6
    assert params["helped.left_out"] == str(expected) and params["helped.keep"] == "False"
    assert MlflowClient().get_run(kept.run_id).data.params["helped.left_out"] == "0"
