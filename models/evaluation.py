"""The backtest loops: out-of-fold predictions of the model and of the baselines.

Every fold fits on its own past only (see :mod:`models.backtest`), and the pooled
out-of-fold rows are what every headline metric, interval and fairness figure is computed on.
``erisk promote`` calls :func:`backtest_model` again with the champion's parameters on the
challenger's folds, so both models are compared on exactly the same rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.history import HISTORY_COLUMN
from models.backtest import BacktestConfig, Fold, final_split, rows_in
from models.baselines import (
    RuleOfThumb,
    choose_penalty,
    fit_logistic_regression,
    logistic_proba,
)
from models.calibration import anchor_months
from models.dataset import FeatureSchema, encode_features, labelled_rows, schema_from_table, target
from models.prior import PriorModel
from models.recipes import LOCAL, RECIPES, Choice, Recipe, choose_all
from models.review import list_figures, scored_mask
from models.train import BoosterParams, FittedModel, fit_booster, prior_as_model

if TYPE_CHECKING:
    from models.tuning import TrialRecord

logger = logging.getLogger(__name__)

OOF_COLUMNS: tuple[str, ...] = ("team_id", "month", "label", "fold", "p_model")


@dataclass(frozen=True)
class TrainingData:
    """Labelled rows (sorted by month, team), their encoded matrix, label and schema, and,
    when a prior is used, the same rows encoded in the prior's own schema."""

    rows: pd.DataFrame
    matrix: pd.DataFrame
    label: np.ndarray
    schema: FeatureSchema
    prior: PriorModel | None = None
    prior_matrix: pd.DataFrame | None = None

    @property
    def months(self) -> list[str]:
        """Distinct labelled months, ascending."""
        return sorted(self.rows["month"].unique().tolist())

    def recipes(self) -> tuple[Recipe, ...]:
        """The candidate recipes this data can try (the prior's need a prior that fits)."""
        return tuple(r for r in RECIPES if r.prior == "none" or self.prior_matrix is not None)

    def matrix_for(self, recipe: Recipe) -> pd.DataFrame:
        """The rows encoded for ``recipe``: the prior's schema for the prior's recipes."""
        if recipe.prior == "none":
            return self.matrix
        if self.prior_matrix is None:
            raise ValueError(f"recipe {recipe.name} needs a prior that fits this table")
        return self.prior_matrix


def prepare_training_data(
    table: pd.DataFrame, schema: FeatureSchema | None = None, prior: PriorModel | None = None
) -> TrainingData:
    """Keep labelled rows, fix the schema (or reuse a given one) and encode the matrix (and
    the prior's matrix when a prior is given and the table holds its features)."""
    rows = labelled_rows(table)
    if rows.empty:
        raise ValueError("the feature table holds no labelled rows")
    schema = schema or schema_from_table(rows)
    usable = prior if prior is not None and prior.fits(set(rows.columns)) else None
    if prior is not None and usable is None:
        logger.warning("the prior's features are not all in this table: prior not tried")
    return TrainingData(
        rows,
        encode_features(rows, schema),
        target(rows),
        schema,
        usable,
        encode_features(rows, usable.schema) if usable is not None else None,
    )


@dataclass(frozen=True)
class FoldReport:
    """What one fold's booster did: recipe, rounds kept and its calibration."""

    fold: int
    test_months: tuple[str, ...]
    fit_rows: int
    holdout_rows: int
    test_rows: int
    best_iteration: int
    calibration_slope: float
    calibration_intercept: float
    tuned_params: str = ""
    recipe: str = LOCAL.name
    base_rate: float = float("nan")


def fit_on_split(
    data: TrainingData,
    split: Fold,
    params: BoosterParams,
    seed: int,
    recipe: Recipe = LOCAL,
) -> FittedModel:
    """Fit ``recipe`` on the split: early-stop on its holdout, calibrate by the one procedure
    (slope from the holdout, level anchored to the last 24 labelled training months)."""
    fit = rows_in(data.rows, split.fit_months)
    holdout = rows_in(data.rows, split.holdout_months)
    anchor = rows_in(data.rows, anchor_months(split.train_months))
    matrix = data.matrix_for(recipe)
    anchored_rows = (matrix[anchor], data.label[anchor])
    if recipe.prior == "level":
        assert data.prior is not None
        return prior_as_model(
            data.prior.booster, data.prior.calibration.slope, data.prior.schema, anchored_rows
        )
    return fit_booster(
        matrix[fit],
        data.label[fit],
        matrix[holdout],
        data.label[holdout],
        data.prior.schema if recipe.prior == "continued" and data.prior else data.schema,
        params,
        seed,
        anchor=anchored_rows,
        refit=recipe.refit,
        init_model=data.prior.booster if recipe.prior == "continued" and data.prior else None,
    )


def base_rate(data: TrainingData, months: Sequence[str]) -> float:
    """The event rate of the training labels of ``months`` (a model's base rate)."""
    mask = rows_in(data.rows, months)
    return float(data.label[mask].mean()) if mask.any() else float("nan")


def backtest_model(
    data: TrainingData,
    folds: Sequence[Fold],
    params: BoosterParams,
    seed: int,
    tune_trials: int = 0,
    recipe: Recipe = LOCAL,
) -> tuple[pd.DataFrame, list[FoldReport]]:
    """Out-of-fold calibrated predictions (``OOF_COLUMNS`` plus ``raw_logit`` and the fold's
    ``base_rate``) of one recipe, and the fold notes.

    With ``tune_trials`` each fold first tunes its parameters on its own holdout slice.
    """
    parts: list[pd.DataFrame] = []
    reports: list[FoldReport] = []
    matrix = data.matrix_for(recipe)
    for fold in folds:
        fold_params = params
        if tune_trials and recipe.prior != "level":
            from models.tuning import tune_on_split

            fold_params, _ = tune_on_split(data, fold, params, tune_trials, seed)
        model = fit_on_split(data, fold, fold_params, seed, recipe)
        test = rows_in(data.rows, fold.test_months)
        raw = model.raw_logit(matrix[test])
        rate = base_rate(data, fold.train_months)
        kept = [c for c in ("team_id", "month", "label", HISTORY_COLUMN) if c in data.rows]
        part = data.rows.loc[test, kept].copy()
        part["fold"] = fold.index
        part["raw_logit"] = raw
        part["p_model"] = model.calibration.probability(raw)
        part["base_rate"] = rate
        parts.append(part)
        reports.append(
            FoldReport(
                fold=fold.index,
                test_months=fold.test_months,
                fit_rows=int(rows_in(data.rows, fold.fit_months).sum()),
                holdout_rows=int(rows_in(data.rows, fold.holdout_months).sum()),
                test_rows=int(test.sum()),
                best_iteration=model.best_iteration,
                calibration_slope=model.calibration.slope,
                calibration_intercept=model.calibration.intercept,
                tuned_params=json.dumps(fold_params.as_dict()) if tune_trials else "",
                recipe=recipe.name,
                base_rate=rate,
            )
        )
        logger.info(
            "%s fold %d (%s): %d rounds, %d test rows",
            recipe.name,
            fold.index,
            ",".join(fold.test_months),
            model.best_iteration,
            int(test.sum()),
        )
    return pd.concat(parts), reports


# above this many labelled rows the organisation's own data dwarf the prior's (~40,000 rows)
# and the prior's candidates are not tried (they would only cost time)
PRIOR_USEFUL_BELOW_ROWS = 40_000


def candidate_recipes(data: TrainingData, tune_trials: int = 0) -> tuple[Recipe, ...]:
    """The recipes the backtest compares: all that the data allow, except that tuning
    compares nothing (it already searches on each holdout) and a large history skips the
    prior."""
    if tune_trials:
        return (LOCAL,)
    recipes = data.recipes()
    if len(data.rows) >= PRIOR_USEFUL_BELOW_ROWS:
        recipes = tuple(r for r in recipes if r.prior == "none")
    return recipes


def backtest_choice(
    data: TrainingData,
    folds: Sequence[Fold],
    params: BoosterParams,
    seed: int,
    horizon: int,
    tune_trials: int = 0,
    recipes: Sequence[Recipe] | None = None,
) -> tuple[pd.DataFrame, Choice, dict[str, pd.DataFrame], list[FoldReport]]:
    """Every candidate recipe backtested, and the nested choice among them (see
        :mod:`models.recipes`): the reported out-of-fold rows, the choice, each recipe's own
        out-of-fold rows and the fold notes. ``horizon`` is the label's H (the gap after which a
    fold's labels have closed). ``erisk promote`` replays it for the champion."""
    oofs: dict[str, pd.DataFrame] = {}
    reports: list[FoldReport] = []
    for recipe in recipes or candidate_recipes(data, tune_trials):
        oofs[recipe.name], notes = backtest_model(data, folds, params, seed, tune_trials, recipe)
        reports.extend(notes)
    oof, choice = choose_all(oofs, horizon)
    return oof, choice, oofs, reports


def backtest_baselines(data: TrainingData, folds: Sequence[Fold], seed: int) -> pd.DataFrame:
    """Out-of-fold ``p_rule`` and ``p_logreg``, each fitted on the fold's training months
    (the regression's penalty chosen on the fold's own holdout slice first)."""
    parts: list[pd.DataFrame] = []
    for fold in folds:
        train = rows_in(data.rows, fold.train_months)
        test = rows_in(data.rows, fold.test_months)
        rule = RuleOfThumb.fit(data.rows[train], data.label[train])
        fit = rows_in(data.rows, fold.fit_months)
        holdout = rows_in(data.rows, fold.holdout_months)
        penalty = choose_penalty(
            data.matrix[fit],
            data.label[fit],
            data.matrix[holdout],
            data.label[holdout],
            data.schema,
            seed,
        )
        logistic = fit_logistic_regression(
            data.matrix[train], data.label[train], data.schema, seed, penalty
        )
        part = data.rows.loc[test, ["team_id", "month"]].copy()
        part["p_rule"] = rule.predict_proba(data.rows[test])
        part["p_logreg"] = logistic_proba(logistic, data.matrix[test])
        parts.append(part)
    return pd.concat(parts)


def fit_final_model(
    data: TrainingData,
    config: BacktestConfig,
    params: BoosterParams,
    seed: int,
    tune_trials: int = 0,
    recipe: Recipe = LOCAL,
) -> tuple[FittedModel, Fold, BoosterParams, list[TrialRecord]]:
    """The shipped model: the chosen recipe, with the latest months as holdout.

    Returns the model, its split, the parameters it used (tuned or given) and the trials.
    """
    split = final_split(data.months, config)
    trials: list[TrialRecord] = []
    if tune_trials and recipe.prior != "level":
        from models.tuning import tune_on_split

        params, trials = tune_on_split(data, split, params, tune_trials, seed)
    return fit_on_split(data, split, params, seed, recipe), split, params, trials


# score name -> out-of-fold column; the ceilings are present only when the truth was given
SCORES: dict[str, str] = {
    "model": "p_model",
    "rule_of_thumb": "p_rule",
    "logistic_regression": "p_logreg",
    "oracle": "p_true",
    "observable": "p_observable",
}


def present_scores(oof: pd.DataFrame) -> dict[str, str]:
    """The scores whose column exists and is complete in ``oof``."""
    return {
        name: column
        for name, column in SCORES.items()
        if column in oof.columns and oof[column].notna().all()
    }


def headline_table(oof: pd.DataFrame) -> pd.DataFrame:
    """One row per score (index), one column per headline metric, pooled over folds."""
    from models.metrics import RANK_ONLY, headline_metrics

    rows = {}
    for name, column in present_scores(oof).items():
        rows[name] = headline_metrics(
            oof["label"].to_numpy(),
            oof[column].to_numpy(),
            oof["month"].to_numpy(),
            rank_only=name in RANK_ONLY,
        )
        rows[name].update(_list_metrics(oof, column, name in RANK_ONLY))
    return pd.DataFrame.from_dict(rows, orient="index")


def scored_rows(oof: pd.DataFrame) -> np.ndarray:
    """Which out-of-fold rows production would score (not ``insufficient_history``)."""
    history = oof[HISTORY_COLUMN].tolist() if HISTORY_COLUMN in oof.columns else None
    return scored_mask(history, len(oof))


def _list_metrics(oof: pd.DataFrame, column: str, rank_only: bool) -> dict[str, float]:
    """The review list's size and precision when a score's probabilities drive the bands
    (its lift over the fold's base rate); none for a score that is no probability."""
    if rank_only or "base_rate" not in oof.columns:
        return {"review_size": float("nan"), "review_precision": float("nan")}
    figures = list_figures(
        oof["label"].to_numpy(),
        oof[column].to_numpy(),
        oof["base_rate"].to_numpy(),
        oof["month"].to_numpy(),
        scored=scored_rows(oof),
    )
    return {"review_size": figures["review.size"], "review_precision": figures["review.precision"]}


def per_fold_table(oof: pd.DataFrame) -> pd.DataFrame:
    """Headline metrics of every score in every fold (the backtest-over-time view)."""
    from models.metrics import RANK_ONLY, headline_metrics

    rows = []
    for fold, part in oof.groupby("fold", sort=True):
        months = ",".join(sorted(part["month"].unique()))
        for name, column in present_scores(oof).items():
            metrics = headline_metrics(
                part["label"].to_numpy(),
                part[column].to_numpy(),
                part["month"].to_numpy(),
                rank_only=name in RANK_ONLY,
            )
            rows.append({"fold": int(fold), "test_months": months, "score": name, **metrics})
    return pd.DataFrame(rows)


def interval_table(oof: pd.DataFrame, replicates: int, seed: int) -> pd.DataFrame:
    """Cluster-bootstrap 90% intervals of every score's metrics, the gaps and the ratio."""
    from models.metrics import bootstrap_intervals

    scores = {name: oof[column].to_numpy() for name, column in present_scores(oof).items()}
    return bootstrap_intervals(
        oof["label"].to_numpy(),
        scores,
        oof["team_id"].to_numpy(),
        replicates,
        seed,
        month=oof["month"].to_numpy(),
    )
