"""Rolling-origin backtest folds over months, with an H-month gap so that no label overlaps.

The row for month M is labelled by what happens in M+1..M+H. For a test window starting at
month T, training rows stop at T-H-1: the outcome window of every training row ends by T-1,
before the test month itself, so nothing the test rows are judged on can leak into fitting.
The same gap separates the rows the booster is fitted on from the later *holdout* slice that
drives early stopping and calibration. Nothing is ever shuffled.

    fit months ... | gap H | holdout (early stop + calibration) | gap H | test window
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BacktestConfig:
    """How many test windows (at most), how long, and the slices and gaps in front of them.

    ``n_folds`` is a maximum: a shorter history gets fewer folds (the earliest windows would
    leave fewer than ``min_fit_months`` to fit on), but never fewer than ``min_folds``.
    """

    n_folds: int = 12
    test_months: int = 1
    gap_months: int = 3
    holdout_months: int = 6
    min_fit_months: int = 6
    min_folds: int = 3

    def as_dict(self) -> dict[str, int]:
        """Plain dict, logged as run parameters."""
        return asdict(self)


@dataclass(frozen=True)
class Fold:
    """One rolling origin: the months used for fitting, the holdout slice and the test window.

    ``index`` -1 marks the final model's split (no test window: it is the model we ship).
    """

    index: int
    fit_months: tuple[str, ...]
    holdout_months: tuple[str, ...]
    test_months: tuple[str, ...]

    @property
    def train_months(self) -> tuple[str, ...]:
        """Every month a baseline may learn from (fit and holdout together)."""
        return self.fit_months + self.holdout_months


def month_index(month: str) -> int:
    """``YYYY-MM`` as a month count, so that months subtract like integers."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _split_before(
    months: Sequence[str], end_index: int, config: BacktestConfig
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Holdout = the last ``holdout_months`` labelled months up to ``end_index``; fit = before
    the holdout minus the gap."""
    holdout_start = end_index - config.holdout_months + 1
    holdout = tuple(m for m in months if holdout_start <= month_index(m) <= end_index)
    fit_end = holdout_start - config.gap_months - 1
    fit = tuple(m for m in months if month_index(m) <= fit_end)
    return fit, holdout


def make_folds(months: Sequence[str], config: BacktestConfig = BacktestConfig()) -> list[Fold]:
    """Folds whose test windows tile the last (up to) ``n_folds * test_months`` months.

    Raises ``ValueError`` when the history is too short for ``min_folds`` folds.
    """
    ordered = sorted(set(months), key=month_index)
    if not ordered:
        raise ValueError("no labelled months to backtest on")
    last = month_index(ordered[-1])
    folds: list[Fold] = []
    for back in range(1, config.n_folds + 1):  # latest window first
        test_start = last - back * config.test_months + 1
        test_end = test_start + config.test_months - 1
        test = tuple(m for m in ordered if test_start <= month_index(m) <= test_end)
        fit, holdout = _split_before(ordered, test_start - config.gap_months - 1, config)
        if len(fit) < config.min_fit_months or not holdout or not test:
            break
        folds.append(Fold(0, fit, holdout, test))
    if len(folds) < max(1, config.min_folds):
        raise ValueError(
            f"history too short: {len(ordered)} labelled months give {len(folds)} backtest "
            f"fold(s), {config.min_folds} needed (each needs {config.min_fit_months} fit months, "
            f"a {config.gap_months}-month gap, {config.holdout_months} holdout months, another "
            f"gap and {config.test_months} test month(s))"
        )
    ordered_folds = folds[::-1]
    return [replace(fold, index=i) for i, fold in enumerate(ordered_folds)]


def final_split(months: Sequence[str], config: BacktestConfig = BacktestConfig()) -> Fold:
    """The split of the shipped model: the holdout is the latest labelled months."""
    ordered = sorted(set(months), key=month_index)
    if not ordered:
        raise ValueError("no labelled months to train on")
    fit, holdout = _split_before(ordered, month_index(ordered[-1]), config)
    _check_sizes(fit, holdout, ("final",), config, "the final model")
    return Fold(-1, fit, holdout, ())


def _check_sizes(
    fit: tuple[str, ...],
    holdout: tuple[str, ...],
    test: tuple[str, ...],
    config: BacktestConfig,
    what: str,
) -> None:
    if len(fit) < config.min_fit_months or not holdout or not test:
        raise ValueError(
            f"history too short for {what}: {len(fit)} fit months (need "
            f"{config.min_fit_months}), {len(holdout)} holdout months, {len(test)} test months; "
            f"with gap {config.gap_months} and {config.n_folds} folds of {config.test_months} "
            "month(s) the table needs more labelled months"
        )


def rows_in(frame: pd.DataFrame, months: Sequence[str]) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` whose ``month`` is in ``months``."""
    return frame["month"].isin(list(months)).to_numpy()
