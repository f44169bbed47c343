from __future__ import annotations

import pytest

from models.backtest import BacktestConfig, final_split, make_folds, month_index
from tests.models.team_months import month_labels

MONTHS = month_labels(2023, 30)


def test_folds_keep_the_gap_between_fit_holdout_and_test() -> None:
    # given 30 labelled months and 6 folds with a gap of 3
    config = BacktestConfig(n_folds=6)
    # when
    folds = make_folds(MONTHS, config)
    # then every label window of a fitted row ends before the holdout, and of a holdout row
    # before the test window
    assert len(folds) == config.n_folds
    for fold in folds:
        last_fit = max(month_index(m) for m in fold.fit_months)
        first_holdout = min(month_index(m) for m in fold.holdout_months)
        last_holdout = max(month_index(m) for m in fold.holdout_months)
        first_test = min(month_index(m) for m in fold.test_months)
        assert last_fit + config.gap_months < first_holdout
        assert last_holdout + config.gap_months < first_test
        assert first_test - last_holdout == config.gap_months + 1


def test_folds_never_overlap_and_tile_the_last_months_in_order() -> None:
    # given
    config = BacktestConfig(n_folds=4, test_months=2)
    # when
    folds = make_folds(MONTHS, config)
    # then
    tested = [m for fold in folds for m in fold.test_months]
    assert tested == MONTHS[-8:]
    for fold in folds:
        assert not set(fold.test_months) & set(fold.train_months)


def test_a_short_history_is_refused() -> None:
    # given 20 months: fit 6 + gap 3 + holdout 6 + gap 3 leaves room for 2 folds, 3 needed
    # when / then
    with pytest.raises(ValueError, match="history too short"):
        make_folds(MONTHS[:20], BacktestConfig(min_folds=3))


def test_a_shorter_history_gets_fewer_folds_ending_at_the_last_month() -> None:
    # given 24 months and up to 12 folds
    # when
    folds = make_folds(MONTHS[:24], BacktestConfig(n_folds=12))
    # then only the windows with 6 fit months remain, numbered in time order
    assert [fold.index for fold in folds] == list(range(len(folds)))
    assert len(folds) == 24 - (6 + 3 + 6 + 3)
    assert folds[-1].test_months == (MONTHS[23],)


def test_final_split_holds_out_the_latest_months() -> None:
    # given
    config = BacktestConfig(holdout_months=6, gap_months=3)
    # when
    split = final_split(MONTHS, config)
    # then
    assert split.holdout_months == tuple(MONTHS[-6:])
    assert split.fit_months[-1] == MONTHS[-10]
    assert split.test_months == ()
