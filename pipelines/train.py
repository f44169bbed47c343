"""``erisk train``: backtest, compare with the baselines, log everything to MLflow, register.

``run_train`` reads as the list of steps it takes: load the table -> backtest the model ->
backtest the baselines -> fit the final model -> (only now) read the truth -> metrics ->
artifacts -> log and register the challenger. Fitting never reads the truth.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from features.labels import LABEL_OUTPUTS, LabelConfig, helped_labels
from models.backtest import BacktestConfig, make_folds
from models.dataset import KEY_COLUMNS, LABEL_COLUMN, FeatureSchema
from models.evaluation import (
    TrainingData,
    backtest_baselines,
    backtest_choice,
    backtest_model,
    fit_final_model,
    headline_table,
    interval_table,
    per_fold_table,
    prepare_training_data,
)
from models.metrics import fairness_table
from models.prior import load_prior
from models.recipes import BY_NAME, LOCAL, Choice
from models.train import BoosterParams, FittedModel
from pipelines.ceiling import ObservableCeiling, observable_ceiling, read_world_facts
from pipelines.effects import live, to_intervention
from pipelines.errors import UserError
from pipelines.scores_store import existing_store
from pipelines.settings import Settings, load_settings
from pipelines.train_logging import log_training_run

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20240401
BOOTSTRAP_REPLICATES = 1000
TRUTH_FILE = "team_month.parquet"
CEILING_CACHE = "ceiling"  # reference worlds of the observable ceiling, under the data dir


@dataclass(frozen=True)
class TrainSummary:
    """What a run produced: where it is in MLflow and its headline figures."""

    run_id: str
    model_version: str
    snapshot_id: str
    headline: pd.DataFrame
    intervals: pd.DataFrame
    fairness: pd.DataFrame
    monotone_cost: float | None
    seconds: float
    observable: ObservableCeiling | None = None
    choice: Choice | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``--json``)."""
        return {
            "run_id": self.run_id,
            "model_version": self.model_version,
            "snapshot_id": self.snapshot_id,
            "seconds": round(self.seconds, 2),
            "monotone_cost_auc": self.monotone_cost,
            "observable_ceiling": None
            if self.observable is None
            else {"method": self.observable.method, "reference": self.observable.reference},
            "recipe": None
            if self.choice is None
            else {
                "shipped": self.choice.shipped,
                "words": self.choice.words(),
                "per_fold": {str(k): v for k, v in self.choice.per_fold.items()},
                "candidates": json.loads(self.choice.candidates.to_json(orient="records")),
            },
            "headline": json.loads(self.headline.to_json(orient="index")),
            "intervals": json.loads(self.intervals.to_json(orient="records")),
        }


@dataclass(frozen=True)
class TrainOptions:
    """Everything a run can vary besides the data; recorded in ``training_config.json``."""

    seed: int = DEFAULT_SEED
    backtest: BacktestConfig = field(default_factory=BacktestConfig)
    params: BoosterParams = field(default_factory=BoosterParams)
    label: LabelConfig = field(default_factory=LabelConfig)
    bootstrap_replicates: int = BOOTSTRAP_REPLICATES
    measure_monotone_cost: bool = True
    tune_trials: int = 0
    use_prior: bool = True
    keep_helped: bool = False  # True: labels of helped team-months stay (for comparison)
    helped_left_out: int = 0  # set by run_train: labels left out because HR helped


def run_train(
    settings: Settings,
    truth_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    *,
    table: pd.DataFrame | None = None,
    options: TrainOptions | None = None,
) -> TrainSummary:
    """Train, evaluate and register one challenger; ``table`` overrides the snapshot's table."""
    started = time.perf_counter()
    options = replace(options or TrainOptions(), seed=seed)
    table, snapshot_id = (table, "given-table") if table is not None else load_table(settings)
    if not options.keep_helped:
        table, left_out = without_helped_labels(table, recorded_starts(settings), options.label)
        options = replace(options, helped_left_out=left_out)
    data = prepare_training_data(table, prior=load_prior() if options.use_prior else None)
    folds = _folds(data, options.backtest)
    try:
        oof, choice, oofs, fold_reports = backtest_choice(
            data, folds, options.params, seed, options.label.horizon, options.tune_trials
        )
    except ValueError as short:
        raise UserError(str(short)) from short
    reported = [fold for fold in folds if fold.index in choice.per_fold]
    oof = oof.merge(backtest_baselines(data, reported, seed), on=list(KEY_COLUMNS))
    monotone_cost = _monotone_cost(data, folds, options, oofs[LOCAL.name])
    final_model, final_split, final_params, trials = fit_final_model(
        data, options.backtest, options.params, seed, options.tune_trials, BY_NAME[choice.shipped]
    )
    options = replace(options, params=final_params)  # what promote will refit
    observable = None
    if truth_dir is not None:  # only now: the ceilings read the truth, fitting never does
        truth = read_truth(truth_dir, options.label)
        observable = observable_ceiling(
            table,
            truth,
            data.schema,
            read_world_facts(truth_dir),
            settings.data_dir / CEILING_CACHE,
            options.label,
            seed,
        )
        truth = truth.merge(observable.predictions, on=list(KEY_COLUMNS), how="left")
        oof = attach_truth(oof, truth)
    oof = oof.merge(
        data.rows[[*KEY_COLUMNS, "department", "headcount"]], on=list(KEY_COLUMNS), how="left"
    )
    headline = headline_table(oof)
    per_fold = per_fold_table(oof)
    intervals = interval_table(oof, options.bootstrap_replicates, seed)
    fairness = fairness_table(oof)
    run_id, version = log_training_run(
        settings,
        data=data,
        oof=oof,
        folds=folds,
        fold_reports=fold_reports,
        final_model=final_model,
        final_split=final_split,
        headline=headline,
        per_fold=per_fold,
        intervals=intervals,
        fairness=fairness,
        monotone_cost=monotone_cost,
        options=options,
        snapshot_id=snapshot_id,
        truth_given=truth_dir is not None,
        trials=trials,
        observable=observable,
        choice=choice,
    )
    return TrainSummary(
        run_id,
        version,
        snapshot_id,
        headline,
        intervals,
        fairness,
        monotone_cost,
        time.perf_counter() - started,
        observable,
        choice,
    )


def recorded_starts(settings: Settings) -> dict[str, list[str]]:
    """team id -> start months of the standing recorded interventions (none without a
    scores database)."""
    store = existing_store(settings)
    if store is None:
        return {}
    try:
        rows = live(store.list_interventions())
    finally:
        store.dispose()
    starts: dict[str, list[str]] = {}
    for row in rows:
        intervention = to_intervention(row)
        starts.setdefault(intervention.team_id, []).append(intervention.month)
    return starts


def without_helped_labels(
    table: pd.DataFrame, starts: dict[str, list[str]], label: LabelConfig
) -> tuple[pd.DataFrame, int]:
    """The table with the labels of helped team-months left out
    (``features.labels.helped_labels``), and how many labels that removed."""
    helped = helped_labels(table, starts, label) & table[LABEL_COLUMN].notna()
    if not helped.any():
        return table, 0
    table = table.copy()
    for column in (c for c in LABEL_OUTPUTS if c in table.columns):
        table.loc[helped, column] = pd.NA
    return table, int(helped.sum())


def load_table(settings: Settings) -> tuple[pd.DataFrame, str]:
    """The full labelled team-month table of the current snapshot, and the snapshot's id.

    Goes through ``erisk features`` (cached months are reused, labels recomputed), so that
    training always sees exactly the table the features command stores.
    """
    from pipelines.build_features import run_features
    from pipelines.score import SnapshotData

    summary = run_features(settings)
    logger.info("feature table: %d rows, %d labelled", summary.rows, summary.labelled)
    # the months of history, so the backtest applies insufficient_history as scoring does
    table = SnapshotData(settings).with_history(pd.read_parquet(summary.table_path))
    return table, summary.snapshot_id


def read_truth(truth_dir: Path, label: LabelConfig) -> pd.DataFrame:
    """``team_id``, ``month``, ``p_true`` from the generator's truth (``DIR`` or ``DIR/truth``).

    Refuses a truth computed under other label settings: its ceiling would not be comparable.
    """
    candidates = [truth_dir / TRUTH_FILE, truth_dir / "truth" / TRUTH_FILE]
    path = next((c for c in candidates if c.exists()), None)
    if path is None:
        raise UserError(f"no {TRUTH_FILE} in {truth_dir} or {truth_dir / 'truth'}")
    truth = pd.read_parquet(path)
    hashes = set(truth["label_config_hash"].astype(str).unique())
    if hashes and hashes != {label.config_hash()}:
        raise UserError(
            f"the truth in {path} was computed with label settings {sorted(hashes)}, "
            f"training uses {label.config_hash()}"
        )
    truth = truth[["team_id", "month", "p_true"]].astype({"team_id": str, "month": str})
    return truth


def attach_truth(oof: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Add ``p_true`` to the out-of-fold rows; the ceiling is reported only if it covers all."""
    joined = oof.merge(truth, on=list(KEY_COLUMNS), how="left", validate="one_to_one")
    missing = int(joined["p_true"].isna().sum())
    if missing:
        logger.warning("truth lacks %d of %d backtest rows: no ceiling reported", missing, len(oof))
    return joined


def _folds(data: TrainingData, config: BacktestConfig) -> list[Any]:
    try:
        return make_folds(data.months, config)
    except ValueError as short:
        raise UserError(str(short)) from short


def _monotone_cost(
    data: TrainingData, folds: list[Any], options: TrainOptions, oof: pd.DataFrame
) -> float | None:
    """AUC lost to the monotone constraints: unconstrained backtest AUC minus constrained."""
    from models.metrics import roc_auc

    if not options.measure_monotone_cost or not options.params.monotone or options.tune_trials:
        return None  # with tuning, measuring it would mean tuning twice

    free, _ = backtest_model(data, folds, replace(options.params, monotone=False), options.seed)
    free_auc = roc_auc(free["label"].to_numpy(), free["p_model"].to_numpy())
    return float(free_auc - roc_auc(oof["label"].to_numpy(), oof["p_model"].to_numpy()))


def training_config(
    options: TrainOptions, schema: FeatureSchema, snapshot_id: str, recipe: str = LOCAL.name
) -> dict[str, Any]:
    """The run's recipe, as ``erisk promote`` needs it to refit this model elsewhere."""
    return {
        "seed": options.seed,
        "snapshot_id": snapshot_id,
        "tune_trials": options.tune_trials,
        "params": options.params.as_dict(),
        "backtest": options.backtest.as_dict(),
        "label": options.label.as_dict(),
        "label_config_hash": options.label.config_hash(),
        "helped": {"keep": options.keep_helped, "left_out": options.helped_left_out},
        "features": schema.as_dict(),
        "recipe": recipe,
    }


def _print_summary(summary: TrainSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"erisk train: run {summary.run_id[:8]}, version {summary.model_version}")
    columns = [
        "roc_auc",
        "auc_within_month",
        "precision_top3",
        "precision_top5pct",
        "pr_auc",
        "brier",
        "ece",
    ]
    table.add_column("score")
    for column in columns:
        table.add_column(column, justify="right")
    for name, row in summary.headline.iterrows():
        cells = [f"{row[c]:.3f}" if np.isfinite(row[c]) else "n/a" for c in columns]
        table.add_row(str(name), *cells)
    console = Console()
    console.print(table)
    if summary.observable is not None:
        console.print(f"observable ceiling: {summary.observable.method}")
    for statistic in (
        "model.share_of_observable",
        "model.share_of_oracle",
        "model.top3_vs_observable",
        "gap.rule_of_thumb.roc_auc",
        "gap.logistic_regression.roc_auc",
        "model.ece",
    ):
        found = summary.intervals[summary.intervals["statistic"] == statistic]
        if not found.empty:
            row = found.iloc[0]
            console.print(
                f"{statistic}: {row['estimate']:.3f} (90% {row['low']:.3f} – {row['high']:.3f})"
            )
    if summary.monotone_cost is not None:
        console.print(f"monotone constraints cost {summary.monotone_cost:+.4f} AUC")
    console.print(
        f"registered as challenger, version {summary.model_version}, in {summary.seconds:.1f} s"
    )


@click.command("train")
@click.option(
    "--truth",
    "truth_dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="the generator's truth folder (DIR or DIR/truth): adds both ceilings; never fitted on",
)
@click.option(
    "--tune",
    type=int,
    default=None,
    metavar="N",
    help="Optuna trials per split (each fold and the final model tune on their own holdout)",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--keep-helped",
    is_flag=True,
    help="keep the labels of team-months whose future an intervention changed (comparison "
    "only: by default they are left out)",
)
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
def train_command(
    truth_dir: Path | None, tune: int | None, seed: int, keep_helped: bool, as_json: bool
) -> int:
    """Backtest, evaluate against the baselines, log to MLflow and register a challenger."""
    if tune is not None and tune < 1:
        raise UserError("--tune needs a number of trials of at least 1")
    if tune is not None and importlib.util.find_spec("optuna") is None:
        raise UserError("--tune needs Optuna: pip install 'optuna>=4.0'")
    options = TrainOptions(tune_trials=tune or 0, keep_helped=keep_helped)
    summary = run_train(load_settings(), truth_dir, seed, options=options)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, default=str))
    else:
        _print_summary(summary)
    return 0


def final_model_files(model: FittedModel, folder: Path) -> dict[str, Path]:
    """Write the booster (LightGBM text), calibration and features JSON; return their paths."""
    from models.registry import BOOSTER_FILE, CALIBRATION_FILE, FEATURES_FILE

    folder.mkdir(parents=True, exist_ok=True)
    booster = folder / BOOSTER_FILE
    model.booster.save_model(str(booster))
    calibration = folder / CALIBRATION_FILE
    calibration.write_text(json.dumps(model.calibration.as_dict(), indent=2))
    features = folder / FEATURES_FILE
    features.write_text(json.dumps(model.schema.as_dict(), indent=2, ensure_ascii=False))
    return {"booster": booster, "calibration": calibration, "features": features}


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for the run's artifacts before MLflow copies them."""
    return tempfile.TemporaryDirectory(prefix="erisk-train-")
