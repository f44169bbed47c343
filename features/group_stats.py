"""Per-group reductions on integer group keys, independent of the other groups present.

Every reduction here gives a group the same value whatever other groups are in the input,
as long as the group's own rows come in the same order: that is what makes the one-month
and all-months paths (and any subset of teams) produce identical numbers.
"""

from __future__ import annotations

import numpy as np


def group_count(keys: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows per group (float64)."""
    return np.bincount(keys, minlength=n_groups).astype(np.float64)


def group_sum(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum per group, added in row order (0 for empty groups)."""
    return np.bincount(keys, weights=values, minlength=n_groups)


def group_mean(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean per group; NaN for empty groups."""
    count = group_count(keys, n_groups)
    total = group_sum(keys, values, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def group_sd(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sample standard deviation (ddof=1) per group, two-pass; NaN under two rows."""
    count = group_count(keys, n_groups)
    mean = group_mean(keys, values, n_groups)
    squares = group_sum(keys, (values - mean[keys]) ** 2, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)


def group_quantile(keys: np.ndarray, values: np.ndarray, q: float, n_groups: int) -> np.ndarray:
    """Quantile per group with linear interpolation (numpy's default); NaN for empty groups."""
    result = np.full(n_groups, np.nan)
    if len(keys) == 0:
        return result
    order = np.lexsort((values, keys))
    sorted_keys, sorted_values = keys[order], values[order]
    count = np.bincount(sorted_keys, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    present = np.flatnonzero(count)
    position = q * (count[present] - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, count[present] - 1)
    fraction = position - low
    low_value = sorted_values[start[present] + low]
    high_value = sorted_values[start[present] + high]
    result[present] = low_value + (high_value - low_value) * fraction
    return result
