"""The nested choice among candidate recipes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.recipes import choose, choose_all, nested_predictions


def _oof(quality: dict[int, float], seed: int, teams: int = 60, months: int = 10) -> pd.DataFrame:
    """Out-of-fold rows of one recipe whose ranking is good (quality 1) or random (0) by fold."""
    rng = np.random.default_rng(seed)
    rows = []
    for fold in range(months):
        label = (rng.random(teams) < 0.15).astype(int)
        noise = rng.random(teams)
        signal = quality.get(fold, 0.0)
        p = 0.05 + 0.1 * (signal * label + (1 - signal) * noise)
        rows.append(
            pd.DataFrame(
                {
                    "team_id": [f"T{t:02d}" for t in range(teams)],
                    "month": f"2025-{fold + 1:02d}",
                    "fold": fold,
                    "label": label,
                    "p_model": p,
                    "base_rate": 0.1,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_a_clearly_better_recipe_wins_and_noise_goes_to_the_preferred_one() -> None:
    # given a recipe that ranks well and one that ranks at random, on the same labels
    good, bad = _oof(dict.fromkeys(range(10), 0.9), 1), _oof({}, 1)
    # when / then: the clear winner is chosen, whatever the order
    assert choose({"local": bad, "prior": good}, list(range(10))) == "prior"
    assert choose({"local": good, "prior": bad}, list(range(10))) == "local"
    # and two recipes the backtest cannot tell apart go to the prior (fewest local parameters)
    assert choose({"local": good, "prior": good.copy()}, list(range(10))) == "prior"


def test_each_reported_fold_is_chosen_on_earlier_folds_only() -> None:
    # given "local" is good in the first 6 folds and "prior" in the last 4
    local = _oof(dict.fromkeys(range(6), 0.9), 2)
    prior = _oof({f: 0.9 for f in range(6, 10)}, 2)
    # when
    oof, choices = nested_predictions({"local": local, "prior": prior}, horizon=3)
    # then the first fold is not reported; fold 7 (chosen on folds 0-3, closed) keeps "local"
    # although "prior" wins on its own rows
    assert 0 not in choices and choices[7] == "local"
    assert set(oof["fold"]) == set(choices)
    assert (oof["recipe"] == oof["fold"].map(choices)).all()
    # and the shipped recipe is chosen on every fold, and every candidate is described
    _, choice = choose_all({"local": local, "prior": prior}, horizon=3)
    assert set(choice.candidates["recipe"]) == {"local", "prior"}
    assert choice.candidates["shipped"].sum() == 1
