"""The candidate recipes ``erisk train`` tries, and how the backtest picks one, nested.

- ``local``: LightGBM on the organisation's own fit months, early-stopped on the holdout;
- ``local_refit``: the same, then fitted again on fit and holdout months with the
  early-stopped number of rounds (it learns from the latest months too; measured +0.08 AUC
  at 30 teams, -0.007 at 300 in a size study, so the backtest decides);
- ``prior``: the shipped prior (:mod:`models.prior`), its level re-anchored to this
  organisation's event rate;
- ``prior_continued``: the prior continued on this organisation's data (LightGBM
  ``init_model``), early-stopped on the holdout, so the local part grows with the local
  events.

Every recipe is calibrated by the same procedure (:func:`models.calibration.anchored`).

The pick is nested. Each backtest fold is reported with the recipe that won on the folds
whose label windows had closed before its own test month (when ``MIN_CHOICE_FOLDS`` of them
have): by pooled out-of-time AUC, a near tie (within ``NEAR_TIE_AUC`` or one standard error
of the difference) broken by the precision of the review list, a remaining tie by
:data:`PREFERENCE`. Where fewer have closed
(the first folds, and every fold of a 2-3 year history), a fold is chosen on every earlier
fold, whose label windows may overlap its own by up to H months; the first fold is never
reported. The shipped model uses the recipe that wins on every fold. So the reported
figures are never flattered by a choice made on their own rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from features.history import HISTORY_COLUMN
from models.metrics import roc_auc
from models.review import list_figures, scored_mask

PriorUse = Literal["none", "level", "continued"]
MIN_CHOICE_FOLDS = 2
NEAR_TIE_AUC = 0.005


@dataclass(frozen=True)
class Recipe:
    """One way of fitting the shipped model."""

    name: str
    refit: bool = False
    prior: PriorUse = "none"


LOCAL = Recipe("local")
LOCAL_REFIT = Recipe("local_refit", refit=True)
PRIOR = Recipe("prior", prior="level")
PRIOR_CONTINUED = Recipe("prior_continued", prior="continued")
RECIPES: tuple[Recipe, ...] = (LOCAL, LOCAL_REFIT, PRIOR, PRIOR_CONTINUED)
BY_NAME: dict[str, Recipe] = {recipe.name: recipe for recipe in RECIPES}
# among recipes the backtest cannot tell apart: the fewest parameters learnt from the
# organisation's own rows first (the prior's level only, then its continuation, then a
# booster of the organisation's own)
PREFERENCE: tuple[str, ...] = (PRIOR.name, PRIOR_CONTINUED.name, LOCAL.name, LOCAL_REFIT.name)


def recipe_figures(oof: pd.DataFrame) -> dict[str, float]:
    """Pooled out-of-time AUC and review-list precision of one recipe's predictions."""
    label = oof["label"].to_numpy()
    history = oof[HISTORY_COLUMN].tolist() if HISTORY_COLUMN in oof.columns else None
    figures = list_figures(
        label,
        oof["p_model"].to_numpy(),
        oof["base_rate"].to_numpy(),
        oof["month"].to_numpy(),
        scored=scored_mask(history, len(oof)),
    )
    return {
        "roc_auc": roc_auc(label, oof["p_model"].to_numpy()),
        "review_precision": figures["review.precision"],
    }


def choose(oofs: Mapping[str, pd.DataFrame], folds: Sequence[int]) -> str:
    """The recipe that wins on ``folds``: the best AUC, unless others come close.

    "Close" is within ``NEAR_TIE_AUC`` or within one standard error of the AUC difference
    (teams resampled), whichever is larger: on a small back office a few months of backtest
    cannot tell recipes apart, and a choice made on noise would swing with every retrain.
    Among close recipes the review list's precision decides, then :data:`PREFERENCE` (the
    fewest parameters learnt from the organisation's own rows first).
    """
    frames = {name: oof[oof["fold"].isin(list(folds))] for name, oof in oofs.items()}
    figures = {name: recipe_figures(frame) for name, frame in frames.items()}
    auc = {
        name: (-np.inf if np.isnan(f["roc_auc"]) else f["roc_auc"]) for name, f in figures.items()
    }
    best = max(auc, key=lambda name: (auc[name], -PREFERENCE.index(name)))
    if not np.isfinite(auc[best]):  # no event in these folds: nothing ranks, prefer the prior
        return min(oofs, key=PREFERENCE.index)
    near = [
        name
        for name in oofs
        if auc[name] >= auc[best] - max(NEAR_TIE_AUC, _difference_se(frames[best], frames[name]))
    ]

    def rank(name: str) -> tuple[float, int]:
        precision = figures[name]["review_precision"]
        return (0.0 if np.isnan(precision) else precision, -PREFERENCE.index(name))

    return max(near, key=rank)


def _difference_se(first: pd.DataFrame, second: pd.DataFrame, replicates: int = 200) -> float:
    """Team-cluster bootstrap standard error of AUC(first) - AUC(second) on the same rows."""
    if first is second:
        return 0.0
    paired = first[["team_id", "month", "label", "p_model"]].merge(
        second[["team_id", "month", "p_model"]], on=["team_id", "month"], suffixes=("", "_b")
    )
    label = paired["label"].to_numpy(dtype=np.float64)
    if label.min() == label.max():
        return 0.0
    _, team = np.unique(paired["team_id"].astype(str).to_numpy(), return_inverse=True)
    n_teams = int(team.max()) + 1
    rng = np.random.default_rng(0)
    a, b = paired["p_model"].to_numpy(), paired["p_model_b"].to_numpy()
    diffs = []
    for _ in range(replicates):
        weight = rng.multinomial(n_teams, np.full(n_teams, 1.0 / n_teams))[team].astype(float)
        diffs.append(roc_auc(label, a, weight) - roc_auc(label, b, weight))
    values = np.asarray(diffs)
    values = values[np.isfinite(values)]
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def choice_folds(fold_months: Mapping[int, str], fold: int, horizon: int) -> list[int]:
    """The folds a choice for ``fold`` may look at: those whose label windows ended before
    its test month (test month + H), when there are ``MIN_CHOICE_FOLDS`` of them; on a
    short history (too few folds for that) every earlier fold, whose windows may overlap."""
    from models.backtest import month_index

    start = month_index(fold_months[fold])
    closed = [f for f, month in fold_months.items() if month_index(month) + horizon < start]
    if len(closed) >= MIN_CHOICE_FOLDS:
        return closed
    return [f for f, month in fold_months.items() if month_index(month) < start]


def nested_predictions(
    oofs: Mapping[str, pd.DataFrame], horizon: int
) -> tuple[pd.DataFrame, dict[int, str]]:
    """The reported out-of-fold rows: each fold predicted by the recipe chosen on the folds
    before it (see the module docstring), with a ``recipe`` column; and the choice per fold.

    With one recipe only there is nothing to choose and every fold is reported.
    """
    first = next(iter(oofs.values()))
    fold_months = first.groupby("fold")["month"].min().to_dict()
    if len(oofs) == 1:
        name = next(iter(oofs))
        return first.assign(recipe=name), dict.fromkeys(fold_months, name)
    parts, choices = [], {}
    for fold in sorted(fold_months):
        earlier = choice_folds(fold_months, fold, horizon)
        if not earlier:
            continue
        name = choose(oofs, earlier)
        choices[fold] = name
        oof = oofs[name]
        parts.append(oof[oof["fold"] == fold].assign(recipe=name))
    if not parts:
        raise ValueError(
            "too few backtest folds to choose a recipe on one and report on a later one: "
            f"{len(fold_months)} fold(s); at least 2 are needed"
        )
    return pd.concat(parts), choices


@dataclass(frozen=True)
class Choice:
    """What the backtest chose: the shipped recipe, the recipe behind each reported fold, and
    every candidate's figures on all folds and on the reported ones."""

    shipped: str
    per_fold: dict[int, str]
    candidates: pd.DataFrame

    @property
    def leans_on_prior(self) -> bool:
        """Whether the shipped model starts from the prior."""
        return BY_NAME[self.shipped].prior != "none"

    def words(self) -> str:
        """The choice in plain words for the people who read the card and the console."""
        if BY_NAME[self.shipped].prior == "level":
            return (
                "Your history is too short to learn from alone; the model leans on published "
                "patterns (the shipped prior), with its level set to your own event rate."
            )
        if self.leans_on_prior:
            return (
                "Your history is short; the model starts from published patterns (the shipped "
                "prior) and adjusts them to your own data."
            )
        return "The model is learnt from your own history."


def choose_all(oofs: Mapping[str, pd.DataFrame], horizon: int) -> tuple[pd.DataFrame, Choice]:
    """Nested predictions (:func:`nested_predictions`) and the :class:`Choice` with the
    shipped recipe picked on every fold."""
    oof, per_fold = nested_predictions(oofs, horizon)
    all_folds = sorted(next(iter(oofs.values()))["fold"].unique().tolist())
    shipped = choose(oofs, all_folds) if len(oofs) > 1 else next(iter(oofs))
    rows = []
    for name, candidate in oofs.items():
        overall = recipe_figures(candidate)
        reported = recipe_figures(candidate[candidate["fold"].isin(list(per_fold))])
        rows.append(
            {
                "recipe": name,
                "roc_auc": overall["roc_auc"],
                "review_precision": overall["review_precision"],
                "roc_auc_reported_folds": reported["roc_auc"],
                "review_precision_reported_folds": reported["review_precision"],
                "folds_chosen": sum(choice == name for choice in per_fold.values()),
                "shipped": name == shipped,
            }
        )
    return oof, Choice(shipped, per_fold, pd.DataFrame(rows))
