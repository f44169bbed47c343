from __future__ import annotations

import pytest

from models.backtest import BacktestConfig, final_split
from models.evaluation import prepare_training_data
from models.train import BoosterParams
from tests.models.team_months import synthetic_team_months

pytest.importorskip("optuna")


def test_tuning_is_seeded_and_keeps_the_best_trial() -> None:
    # given a small table and its final split
    data = prepare_training_data(synthetic_team_months(n_teams=30, n_months=24, seed=5))
    split = final_split(data.months, BacktestConfig(holdout_months=4, min_fit_months=4))
    from models.tuning import tune_on_split

    # when tuned twice with one seed
    first, records = tune_on_split(data, split, BoosterParams(), trials=4, seed=3)
    second, _ = tune_on_split(data, split, BoosterParams(), trials=4, seed=3)
    # then the same parameters win, and they are those of the lowest holdout log-loss
    assert first == second
    assert len(records) == 4
    best = min(records, key=lambda r: r.holdout_logloss)
    assert first.as_dict() == best.params
    assert first.num_leaves <= 2**first.max_depth
