"""Drift of the scored month against the training data: population stability index.

PSI = sum over bins of ``(a - e) * ln(a / e)``, with ``e`` the reference (training) share
and ``a`` the scored month's share of a bin. Numeric features use 10 quantile bins cut on
the reference (repeated edges merged, the outer bins open-ended); a categorical feature
uses its categories. Empty bins get ``EPSILON`` so the logarithm stays finite.
Rule of thumb: < 0.1 stable, 0.1-0.2 moderate, > 0.2 a shift worth a look.

Missing values are measured apart from the PSI (which is computed on the values present):
the training data hold the export's first months, where long windows (26 weeks, 6 months)
are still missing, so a missing bin inside the PSI flagged every later month (an empty
bin against a 10 % reference share adds 0.7 on its own). A feature is flagged instead
when its missing share rises by more than ``MISSING_RISE_WARN`` (a month where surveys
went missing), or when its PSI is above ``WARN_ABOVE``.

Small samples inflate PSI (its expected value under no drift is roughly ``(bins - 1) / n``),
and a small organisation scores only a few dozen teams a month. So the bin count shrinks
with the scored sample, ``bins = clamp(n // ROWS_PER_BIN, 2, 10)``: 10 bins from 200 teams
up, 3 bins for 60 teams, and the 0.2 warning keeps its meaning.

Back offices are seasonal: leave pace resets each fiscal year in April, teams reshuffle in
April and October, Golden Week, Obon and Silver Week cut weeks short. Against a reference
pooling every month, those months were flagged every year. So the reference is the same
calendar month of earlier years when the training rows hold it in at least
``SEASONAL_MIN_YEARS`` years (:func:`seasonal_reference`), else every training row.

Evidently was considered; it would add a large dependency tree for these few lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

BINS = 10
MIN_BINS = 2
ROWS_PER_BIN = 20
EPSILON = 1e-4
WARN_ABOVE = 0.2
MISSING_RISE_WARN = 0.2
SEASONAL_MIN_YEARS = 2


def psi_from_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of two share vectors over the same bins (each sums to 1)."""
    e = np.clip(np.asarray(expected, dtype=np.float64), EPSILON, None)
    a = np.clip(np.asarray(actual, dtype=np.float64), EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def bins_for(rows: int) -> int:
    """Quantile bins for a scored sample of ``rows``: ~``ROWS_PER_BIN`` rows each, 2 to 10."""
    return int(min(BINS, max(MIN_BINS, rows // ROWS_PER_BIN)))


def numeric_psi(reference: pd.Series, current: pd.Series, bins: int = BINS) -> float:
    """PSI of a numeric feature's present values on quantile bins of the reference's."""
    ref = _present(reference)
    cur = _present(current)
    if len(ref) == 0 or len(cur) == 0:
        return float("nan")
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    return psi_from_shares(_shares(ref, inner), _shares(cur, inner))


def missing_share(values: pd.Series) -> float:
    """Share of missing values (NaN for an empty series)."""
    return float(values.isna().mean()) if len(values) else float("nan")


def _present(values: pd.Series) -> np.ndarray:
    array = pd.to_numeric(values, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    return array[~np.isnan(array)]


def _shares(values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Share of values per bin ``(e_i, e_i+1]``, the outer bins open-ended."""
    bin_index = np.searchsorted(inner_edges, values, "left")
    counts = np.bincount(bin_index, minlength=len(inner_edges) + 1).astype(np.float64)
    return counts / len(values)


def categorical_psi(reference: pd.Series, current: pd.Series) -> float:
    """PSI over the categories seen in either sample (missing is a category)."""
    if len(reference) == 0 or len(current) == 0:
        return float("nan")
    ref = reference.astype("object").where(reference.notna(), "<missing>").astype(str)
    cur = current.astype("object").where(current.notna(), "<missing>").astype(str)
    categories = sorted(set(ref) | set(cur))
    expected = ref.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    actual = cur.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    return psi_from_shares(expected.to_numpy(), actual.to_numpy())


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: Sequence[str],
    categorical: Sequence[str] = (),
    warn_above: float = WARN_ABOVE,
) -> pd.DataFrame:
    """One row per feature present in both frames: ``feature``, ``psi``,
    ``missing_reference``, ``missing_current``, ``warning``; the highest PSI first.
    Numeric features use :func:`bins_for` bins."""
    bins = bins_for(len(current))
    rows = []
    for name in features:
        if name not in reference.columns or name not in current.columns:
            continue
        if name in categorical:
            value = categorical_psi(reference[name], current[name])
        else:
            value = numeric_psi(reference[name], current[name], bins)
        missing_ref, missing_cur = missing_share(reference[name]), missing_share(current[name])
        warning = bool(value > warn_above) or bool(missing_cur - missing_ref > MISSING_RISE_WARN)
        rows.append(
            {
                "feature": name,
                "psi": value,
                "missing_reference": missing_ref,
                "missing_current": missing_cur,
                "warning": warning,
            }
        )
    columns = ["feature", "psi", "missing_reference", "missing_current", "warning"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("psi", ascending=False, na_position="last").reset_index(drop=True)


def seasonal_reference(
    reference: pd.DataFrame, month: str, min_years: int = SEASONAL_MIN_YEARS
) -> pd.DataFrame | None:
    """The reference rows of ``month``'s calendar month (``YYYY-MM``), or None when they
    cover fewer than ``min_years`` years: one earlier September is too thin a baseline."""
    if reference.empty or "month" not in reference.columns:
        return None
    months = reference["month"].astype(str)
    same = months.str[5:7] == month[5:7]
    if months[same].str[:4].nunique() < min_years:
        return None
    return reference[same.to_numpy()]
