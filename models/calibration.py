"""Calibration on the booster's raw log-odds: calibrated logit = a * raw_logit + b.

Chosen because it is easy to explain: a team's per-feature SHAP contributions (log-odds)
scale by the same ``a`` after calibration, so drivers stay additive on the calibrated logit.

One procedure for every backtest fold and the shipped model alike (:func:`anchored`): the
slope ``a`` from a Platt fit on the held-out time slice (or 1 where that slice cannot carry
a positive slope), and the level ``b`` set so that the mean risk over the last 24 labelled
months equals their event rate. A level fitted to the last few months alone chased their
noise: on a 60-team world a retrain with another booster seed moved the share of teams at
medium or above from 22 % to 89 %.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

logger = logging.getLogger(__name__)

# Nearly unpenalised: with two parameters and thousands of rows, regularisation only biases.
_INVERSE_PENALTY = 1e6
ANCHOR_MONTHS = 24  # the level is anchored to the event rate of this many labelled months


@dataclass(frozen=True)
class PlattCalibration:
    """``p = sigmoid(slope * raw_logit + intercept)``; stored as ``calibration.json``."""

    slope: float
    intercept: float
    method: str = "platt"

    def logit(self, raw_logit: np.ndarray) -> np.ndarray:
        """Calibrated log-odds."""
        return self.slope * np.asarray(raw_logit, dtype=np.float64) + self.intercept

    def probability(self, raw_logit: np.ndarray) -> np.ndarray:
        """Calibrated probability."""
        return 1.0 / (1.0 + np.exp(-self.logit(raw_logit)))

    def as_dict(self) -> dict[str, float | str]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, object]) -> PlattCalibration:
        """Inverse of :meth:`as_dict`."""
        return cls(
            slope=float(payload["slope"]),  # type: ignore[arg-type]
            intercept=float(payload["intercept"]),  # type: ignore[arg-type]
            method=str(payload.get("method", "platt")),
        )


IDENTITY = PlattCalibration(slope=1.0, intercept=0.0)


def fit_platt(raw_logit: np.ndarray, label: np.ndarray) -> PlattCalibration:
    """Fit a and b by logistic regression of the label on the raw logit.

    Falls back to the identity when the slice has one class only, and to :func:`level_only`
    when the fitted slope is not positive (a non-positive slope would flatten or reverse the
    ranking and every explanation).
    """
    from sklearn.linear_model import LogisticRegression

    label = np.asarray(label, dtype=np.int64)
    if len(np.unique(label)) < 2:
        logger.warning("calibration slice holds one class only; calibration left as identity")
        return IDENTITY
    model = LogisticRegression(C=_INVERSE_PENALTY, max_iter=1000)
    model.fit(np.asarray(raw_logit, dtype=np.float64).reshape(-1, 1), label)
    slope = float(model.coef_[0, 0])
    if slope <= 0:
        logger.warning(
            "calibration slope %.3f is not positive; slope kept at 1, only the level fitted",
            slope,
        )
        return level_only(raw_logit, label)
    return PlattCalibration(slope=slope, intercept=float(model.intercept_[0]))


def level_only(raw_logit: np.ndarray, label: np.ndarray) -> PlattCalibration:
    """Slope 1 and the intercept that makes the mean probability the slice's event rate.

    The fallback when the slice cannot carry a slope: the booster's ranking is kept as it is
    (a flat or reversed slope would erase it), but its level follows the latest months, where
    the identity would keep whatever event rate the older fit months had.
    """
    from scipy.optimize import brentq

    raw = np.asarray(raw_logit, dtype=np.float64)
    rate = float(np.mean(label))

    def excess(shift: float) -> float:
        return float(np.mean(1.0 / (1.0 + np.exp(-(raw + shift))))) - rate

    intercept = brentq(excess, -50.0, 50.0)
    return PlattCalibration(slope=1.0, intercept=float(intercept), method="level")


def fitted_slope(raw_logit: np.ndarray, label: np.ndarray) -> float:
    """The Platt slope on a held-out slice, or 1 where the slice has one class or gives a
    slope that is not positive (it would flatten or reverse the ranking)."""
    calibration = fit_platt(raw_logit, label)
    return calibration.slope if calibration.method == "platt" else 1.0


BRACKET_LIMIT = 1e6


def anchored(slope: float, anchor_raw: np.ndarray, anchor_label: np.ndarray) -> PlattCalibration:
    """``slope`` kept, and the intercept that makes the mean probability over the anchor rows
    (the last 24 labelled months) their event rate: a long-run level, not the last months'."""
    from scipy.optimize import brentq

    raw = slope * np.asarray(anchor_raw, dtype=np.float64)
    rate = float(np.mean(anchor_label)) if len(anchor_label) else 0.0
    if not 0.0 < rate < 1.0:
        logger.warning("anchor months hold one class only; the level is left at 0")
        return PlattCalibration(slope=slope, intercept=0.0, method="anchored")

    def excess(shift: float) -> float:
        with np.errstate(over="ignore"):
            return float(np.mean(1.0 / (1.0 + np.exp(-(raw + shift))))) - rate

    # the excess rises with the shift; a steep slope on a small table can put the root
    # beyond +-60 (seen on a 30-team world), so the bracket widens until it holds it
    low, high = -60.0, 60.0
    while excess(low) > 0 and low > -BRACKET_LIMIT:
        low *= 2
    while excess(high) < 0 and high < BRACKET_LIMIT:
        high *= 2
    if excess(low) > 0 or excess(high) < 0:
        logger.warning("no intercept reaches the anchor rate; the nearest bound is kept")
        intercept = low if excess(low) > 0 else high
        return PlattCalibration(slope=float(slope), intercept=intercept, method="anchored")
    intercept = brentq(excess, low, high)
    return PlattCalibration(slope=float(slope), intercept=float(intercept), method="anchored")


def anchor_months(months: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The last ``ANCHOR_MONTHS`` of ``months`` (all of them when fewer)."""
    ordered = sorted(set(months))
    return tuple(ordered[-ANCHOR_MONTHS:])
