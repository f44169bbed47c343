"""Everything ``erisk train`` writes to MLflow: params, metrics, data, figures, card, model.

Kept apart from :mod:`pipelines.train` so that the training steps read in one screen. The
run holds the whole story of a model: the recipe (params, backtest design, label settings),
the training data with its digest, per-fold and pooled metrics with intervals, the fairness
table, the figures, the model card, the out-of-fold predictions, the plain model files and
the pyfunc model, registered with the alias ``challenger``.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.backtest import Fold
from models.dataset import KEY_COLUMNS, LABEL_COLUMN, FeatureSchema
from models.evaluation import FoldReport, TrainingData, base_rate, present_scores, scored_rows
from models.metrics import RANK_ONLY
from models.recipes import BY_NAME, LOCAL, Choice
from models.review import BandRules, list_intervals
from models.train import FittedModel, contributions
from pipelines.ceiling import ObservableCeiling
from pipelines.csv_cells import write_csv
from pipelines.settings import Settings

if TYPE_CHECKING:
    from mlflow.models import ModelSignature

    from models.tuning import TrialRecord
    from pipelines.train import TrainOptions

logger = logging.getLogger(__name__)

OOF_FILE = "oof_predictions.parquet"
TABLE_FILE = "training_table.parquet"
CONFIG_FILE = "training_config.json"
PYFUNC_SOURCE = Path(__file__).resolve().parent.parent / "models" / "pyfunc_model.py"


def log_training_run(
    settings: Settings,
    *,
    data: TrainingData,
    oof: pd.DataFrame,
    folds: list[Fold],
    fold_reports: list[FoldReport],
    final_model: FittedModel,
    final_split: Fold,
    headline: pd.DataFrame,
    per_fold: pd.DataFrame,
    intervals: pd.DataFrame,
    fairness: pd.DataFrame,
    monotone_cost: float | None,
    options: TrainOptions,
    snapshot_id: str,
    truth_given: bool,
    trials: list[TrialRecord] | None = None,
    observable: ObservableCeiling | None = None,
    choice: Choice | None = None,
) -> tuple[str, str]:
    """Log one training run and register its model; returns (run id, model version)."""
    import mlflow

    from models.registry import (
        MODEL_ARTIFACT_NAME,
        MODEL_FILES_DIR,
        configure_tracking,
        ensure_experiment,
        register_challenger,
    )
    from pipelines.train import final_model_files, scratch_dir, training_config

    configure_tracking(settings.mlflow_tracking_uri)
    experiment_id = ensure_experiment(settings.mlflow_tracking_uri)
    window = (data.months[0], data.months[-1])
    with (
        scratch_dir() as scratch,
        mlflow.start_run(experiment_id=experiment_id, run_name=f"train {snapshot_id}") as run,
    ):
        folder = Path(scratch)
        run_id = run.info.run_id
        shipped = choice.shipped if choice is not None else LOCAL.name
        config = training_config(options, final_model.schema, snapshot_id, shipped)
        mlflow.log_params(_flat_params(config, data, final_model, final_split))
        if observable is not None:
            mlflow.log_params(observable.as_params())
        mlflow.set_tags(
            {
                "snapshot_id": snapshot_id,
                "label_config_hash": options.label.config_hash(),
                "truth_given": str(truth_given).lower(),
                "data_window": f"{window[0]}..{window[1]}",
            }
        )
        digest = _log_dataset(data, snapshot_id)
        mlflow.set_tag("training_data_digest", digest)
        mlflow.log_metrics(_flat_metrics(headline, intervals, monotone_cost))
        for report in fold_reports:
            mlflow.log_metric("fold.best_iteration", report.best_iteration, step=report.fold)
        for row in per_fold.itertuples(index=False):
            for metric in ("roc_auc", "auc_within_month", "precision_top3", "brier", "ece"):
                value = float(getattr(row, metric))
                if math.isfinite(value):
                    mlflow.log_metric(f"fold.{row.score}.{metric}", value, step=int(row.fold))

        model_files = final_model_files(final_model, folder / MODEL_FILES_DIR)
        model_files["bands"] = write_band_rules(
            oof, data, final_split, folder / MODEL_FILES_DIR, options.bootstrap_replicates
        )
        if choice is not None:
            _log_choice(choice, folder)
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False))
        _write_tables(folder, data, oof, per_fold, intervals, fairness, headline, fold_reports)
        _write_figures(folder / "plots", oof, final_model, data, final_split, shipped)
        _write_model_card(
            folder,
            run_id,
            snapshot_id,
            window,
            options,
            folds,
            headline,
            intervals,
            fairness,
            monotone_cost,
            observable,
            choice,
        )
        mlflow.log_artifacts(str(folder))
        _log_trials(trials or [])

        model_info = mlflow.pyfunc.log_model(
            name=MODEL_ARTIFACT_NAME,
            python_model=str(PYFUNC_SOURCE),
            artifacts={key: str(path) for key, path in model_files.items()},
            signature=model_signature(final_model.schema),
            input_example=input_example(data, final_model.schema),
            pip_requirements=pip_requirements(),
        )
        version = register_challenger(model_info.model_uri, run_id, settings.model_name)
    return run_id, str(version.version)


def write_band_rules(
    oof: pd.DataFrame, data: TrainingData, split: Fold, folder: Path, replicates: int
) -> Path:
    """The model's base rate (its training labels' event rate) and what the review list and
    the bands did in the backtest, stored with the model as ``bands.json``."""
    import mlflow

    from models.registry import BANDS_FILE

    stats = list_intervals(
        oof["label"].to_numpy(),
        oof["p_model"].to_numpy(),
        oof["base_rate"].to_numpy(),
        oof["month"].to_numpy(),
        oof["team_id"].to_numpy(),
        replicates=replicates,
        scored=scored_rows(oof),
    )
    backtest = {}
    for row in stats.itertuples(index=False):
        backtest[row.statistic] = _finite_or_none(row.estimate)
        backtest[f"{row.statistic}.ci90"] = [_finite_or_none(row.low), _finite_or_none(row.high)]
    backtest["months"] = int(oof["month"].nunique())
    rules = BandRules(base_rate=base_rate(data, split.train_months), backtest=backtest)
    mlflow.log_metrics(
        {
            f"backtest.{row.statistic}": float(row.estimate)
            for row in stats.itertuples(index=False)
            if math.isfinite(row.estimate)
        }
        | {"band.base_rate": rules.base_rate}
    )
    path = folder / BANDS_FILE
    path.write_text(json.dumps(rules.as_dict(), indent=2))
    return path


def _finite_or_none(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


def _log_choice(choice: Choice, folder: Path) -> None:
    """Every candidate recipe's figures, the choice per fold and the shipped recipe."""
    import mlflow

    write_csv(choice.candidates, folder / "recipes.csv", index=False)
    for row in choice.candidates.itertuples(index=False):
        for metric in ("roc_auc", "review_precision", "roc_auc_reported_folds"):
            value = float(getattr(row, metric))
            if math.isfinite(value):
                mlflow.log_metric(f"recipe.{row.recipe}.{metric}", value)
    mlflow.set_tag("recipe", choice.shipped)
    mlflow.set_tag("recipe.words", choice.words())


def model_signature(schema: FeatureSchema) -> ModelSignature:
    """Inputs: every feature (float64, department a string); output: one probability."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    inputs = Schema(
        [
            ColSpec("string" if name in schema.categorical else "double", name)
            for name in schema.names
        ]
    )
    outputs = Schema([ColSpec("double", "risk")])
    return ModelSignature(inputs=inputs, outputs=outputs)


def input_example(data: TrainingData, schema: FeatureSchema, rows: int = 3) -> pd.DataFrame:
    """A few real rows of the latest month, features only, as the pyfunc receives them."""
    latest = data.rows[data.rows["month"] == data.months[-1]].head(rows)
    example = latest[list(schema.names)].copy()
    for name in schema.names:
        if name in schema.categorical:
            example[name] = example[name].astype(object)
        else:
            example[name] = example[name].astype(np.float64)
    return example.reset_index(drop=True)


def pip_requirements() -> list[str]:
    """Pinned requirements of the pyfunc (explicit: inference is slow and drags in tools)."""
    import lightgbm
    import mlflow

    return [
        f"mlflow=={mlflow.__version__}",
        f"lightgbm=={lightgbm.__version__}",
        f"pandas=={pd.__version__}",
        f"numpy=={np.__version__}",
    ]


def _flat_params(
    config: dict[str, Any], data: TrainingData, model: FittedModel, split: Fold
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "seed": config["seed"],
        "snapshot_id": config["snapshot_id"],
        "recipe": config["recipe"],
        "tune.trials": config["tune_trials"],
    }
    for group in ("params", "backtest", "label", "helped"):
        params.update({f"{group}.{k}": v for k, v in config.get(group, {}).items()})
    params.update(
        {
            "features.count": len(data.schema.names),
            "final.best_iteration": model.best_iteration,
            "final.calibration_slope": round(model.calibration.slope, 6),
            "final.calibration_intercept": round(model.calibration.intercept, 6),
            "final.fit_months": f"{split.fit_months[0]}..{split.fit_months[-1]}",
            "final.holdout_months": f"{split.holdout_months[0]}..{split.holdout_months[-1]}",
            "training.rows": len(data.rows),
            "training.positives": int(data.label.sum()),
        }
    )
    return params


def _flat_metrics(
    headline: pd.DataFrame, intervals: pd.DataFrame, monotone_cost: float | None
) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for score, row in headline.iterrows():
        for metric, value in row.items():
            metrics[f"{score}.{metric}"] = float(value)
    for row in intervals.itertuples(index=False):
        metrics[f"ci90.{row.statistic}.low"] = float(row.low)
        metrics[f"ci90.{row.statistic}.high"] = float(row.high)
        if row.statistic.startswith(("gap.", "model.top3_vs_")) or ".share_of_" in row.statistic:
            metrics[row.statistic] = float(row.estimate)
    if monotone_cost is not None:
        metrics["monotone_cost.roc_auc"] = monotone_cost
    return {k: v for k, v in metrics.items() if math.isfinite(v)}


def _log_trials(trials: list[TrialRecord]) -> None:
    """One nested run per Optuna trial of the final model's search."""
    import mlflow

    best = min(trials, key=lambda t: (t.holdout_logloss, t.number)) if trials else None
    for trial in trials:
        with mlflow.start_run(run_name=f"trial {trial.number}", nested=True):
            mlflow.log_params({f"params.{k}": v for k, v in trial.params.items()})
            mlflow.log_metric("holdout_logloss", trial.holdout_logloss)
            mlflow.log_metric("best_iteration", trial.best_iteration)
            mlflow.set_tag("best_trial", str(trial is best).lower())


def _log_dataset(data: TrainingData, snapshot_id: str) -> str:
    """Log the labelled training rows with ``mlflow.data``; return the dataset digest."""
    import mlflow

    frame = data.rows[[*KEY_COLUMNS, *data.schema.names, LABEL_COLUMN]].copy()
    frame["department"] = frame["department"].astype(object)
    # float label: MLflow warns that an int column cannot hold missing values at inference
    frame[LABEL_COLUMN] = frame[LABEL_COLUMN].astype(np.float64)
    dataset = mlflow.data.from_pandas(
        frame, name=f"team-months@{snapshot_id}", targets=LABEL_COLUMN
    )
    mlflow.log_input(dataset, context="training")
    return str(dataset.digest)


def _write_tables(
    folder: Path,
    data: TrainingData,
    oof: pd.DataFrame,
    per_fold: pd.DataFrame,
    intervals: pd.DataFrame,
    fairness: pd.DataFrame,
    headline: pd.DataFrame,
    fold_reports: list[FoldReport],
) -> None:
    prediction_columns = [c for c in ("raw_logit", *present_scores(oof).values()) if c in oof]
    extra = [c for c in ("base_rate", "recipe") if c in oof]
    oof_columns = ["team_id", "month", "label", "p_model", "fold", *prediction_columns, *extra]
    oof[list(dict.fromkeys(oof_columns))].to_parquet(folder / OOF_FILE, index=False)
    data.rows.to_parquet(folder / TABLE_FILE, index=False)
    write_csv(per_fold, folder / "backtest_per_fold.csv", index=False)
    write_csv(intervals, folder / "bootstrap_intervals.csv", index=False)
    write_csv(fairness, folder / "fairness.csv", index=False)  # department names are data
    write_csv(headline, folder / "headline_metrics.csv", index_label="score")
    folds = pd.DataFrame([report.__dict__ for report in fold_reports])
    write_csv(folds, folder / "folds.csv", index=False)


def _write_figures(
    folder: Path,
    oof: pd.DataFrame,
    model: FittedModel,
    data: TrainingData,
    split: Fold,
    recipe: str,
) -> None:
    from models import plots
    from models.backtest import rows_in

    folder.mkdir(parents=True, exist_ok=True)
    label = oof["label"].to_numpy()
    scores = {name: oof[column].to_numpy() for name, column in present_scores(oof).items()}
    probabilities = {name: p for name, p in scores.items() if name not in RANK_ONLY}
    plots.calibration_plot(label, probabilities, folder / "calibration.png")
    if len(np.unique(label)) == 2:  # a tiny backtest may hold no event: no curve to draw
        plots.roc_plot(label, scores, folder / "roc.png")
        plots.pr_plot(label, scores, folder / "pr.png")
    recent = rows_in(data.rows, split.holdout_months)
    matrix = data.matrix_for(BY_NAME[recipe])[recent]
    shap = contributions(model, matrix)
    plots.shap_summary_plot(shap, matrix, folder / "shap_summary.png")
    importance = pd.DataFrame(
        {
            "feature": list(model.schema.names),
            "gain": model.booster.feature_importance(importance_type="gain"),
            "splits": model.booster.feature_importance(importance_type="split"),
        }
    ).sort_values("gain", ascending=False)
    write_csv(importance, folder / "feature_importance.csv", index=False)
    write_csv(shap.abs().mean().rename("mean_abs_contribution"), folder / "shap_mean_abs.csv")
    plots.importance_plot(importance, folder / "feature_importance.png")
    from models.evaluation import per_fold_table

    plots.backtest_plot(per_fold_table(oof), folder / "backtest_over_time.png")


def _write_model_card(
    folder: Path,
    run_id: str,
    snapshot_id: str,
    window: tuple[str, str],
    options: TrainOptions,
    folds: list[Fold],
    headline: pd.DataFrame,
    intervals: pd.DataFrame,
    fairness: pd.DataFrame,
    monotone_cost: float | None,
    observable: ObservableCeiling | None,
    choice: Choice | None = None,
) -> None:
    from models.model_card import render_model_card

    text = render_model_card(
        run_id=run_id,
        snapshot_id=snapshot_id,
        data_window=window,
        label_config=options.label.as_dict(),
        label_config_hash=options.label.config_hash(),
        backtest=options.backtest.as_dict(),
        test_months=[m for fold in folds for m in fold.test_months],
        params=options.params.as_dict(),
        headline=headline,
        intervals=intervals,
        fairness=fairness,
        monotone_cost=monotone_cost,
        seed=options.seed,
        ceiling_method=None if observable is None else observable.method,
        choice=choice,
    )
    (folder / "model_card.md").write_text(text, encoding="utf-8")
