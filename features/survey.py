"""Survey features: the team's engagement, its change, and whether enough people answered.

The survey window is the responses dated in month M. A team-month with fewer than
``MIN_SURVEY_RESPONSES`` responses is suppressed: every survey feature is missing and
``survey_suppressed`` is true. No survey feature is ever computed from fewer responses:
recognition needs that many non-missing answers, changes need both months unsuppressed,
and the slope uses three unsuppressed months ("pulses") in M-5..M, M being one of them.

Pooled windows read every response of several months together (M-2..M): their means are
less noisy than one month's, and the gap between the pooled recent months and the team's
own baseline (the 12 months before them, M-14..M-3) shows a slide that has started, in
engagement or in felt recognition, before one month's figure can. The team's own year
(M-11..M, 10 responses or more) is the survey baseline of label v2, so the recent months'
gap to it is what the label's drop is measured against. A pooled window takes
only months that are shown on their own (``MIN_SURVEY_RESPONSES`` responses or more, for
recognition that many answers to the item): a month of 1-4 answers pooled with its
neighbours could be recovered exactly from the pooled means and the response counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.catalogue import MIN_SURVEY_RESPONSES
from features.codes import positions_in
from features.grid import TeamMonthGrid
from features.group_stats import group_count, group_mean, group_sd
from features.labels import LabelConfig
from features.periods import date_month_numbers

SCALES = ("vigor", "dedication", "absorption")
LOOKBACK_MONTHS = 5
PULSES_FOR_SLOPE = 3
RECENT_MONTHS = 3  # M-2..M: the label's pre window
BASELINE_MONTHS = 12  # M-14..M-3: the team's own baseline before the recent months
# M-11..M: the team's own year, the survey baseline of label v2 (and its response minimum)
YEAR_MONTHS = LabelConfig().baseline_months
YEAR_MIN_RESPONSES = LabelConfig().baseline_min_responses
HISTORY_MONTHS = max(LOOKBACK_MONTHS, RECENT_MONTHS + BASELINE_MONTHS - 1)

SURVEY_COLUMNS: tuple[str, ...] = (
    "survey_vigor_mean",
    "survey_dedication_mean",
    "survey_absorption_mean",
    "survey_recognition_mean",
    "survey_engagement_mean",
    "survey_engagement_change_1m",
    "survey_engagement_change_3m",
    "survey_engagement_slope_3",
    "survey_engagement_sd",
    "survey_response_rate",
    "survey_engagement_mean_3m",
    "survey_engagement_vs_12m",
    "survey_recognition_mean_3m",
    "survey_recognition_vs_12m",
    "survey_engagement_mean_year",
    "survey_engagement_3m_vs_year",
    "survey_recognition_3m_vs_year",
    "survey_recognition_change_1m",
)


def _suppressed_frame(n_rows: int) -> pd.DataFrame:
    frame = pd.DataFrame({name: np.full(n_rows, np.nan) for name in SURVEY_COLUMNS})
    frame["survey_suppressed"] = np.ones(n_rows, dtype=bool)
    return frame


def _slope_of_last_pulses(engagement: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """OLS slope (points per month) over the latest 3 valid months of each row's window.

    ``engagement`` and ``valid`` are (rows x window) with column k = k months before M. A
    row gets a slope only if M itself (k = 0) and two more months are valid.
    """
    rank = np.cumsum(valid, axis=1)
    used = valid & (rank <= PULSES_FOR_SLOPE)
    x = -np.arange(valid.shape[1], dtype=np.float64)
    n = np.zeros(len(valid))
    sum_x = np.zeros(len(valid))
    sum_y = np.zeros(len(valid))
    for k in range(valid.shape[1]):
        n += used[:, k]
        sum_x += np.where(used[:, k], x[k], 0.0)
        sum_y += np.where(used[:, k], engagement[:, k], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = sum_x / n, sum_y / n
    covariance = np.zeros(len(valid))
    spread = np.zeros(len(valid))
    for k in range(valid.shape[1]):
        dx = np.where(used[:, k], x[k] - mean_x, 0.0)
        dy = np.where(used[:, k], engagement[:, k] - mean_y, 0.0)
        covariance += dx * dy
        spread += dx * dx
    enough = valid[:, 0] & (n == PULSES_FOR_SLOPE)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(enough, covariance / spread, np.nan)


def _window_sums(values: np.ndarray, at: np.ndarray, first_back: int, length: int) -> np.ndarray:
    """Sum of per-cell ``values`` over the ``length`` months ending ``first_back`` before M.

    ``values`` is the flat (team x month column) cell array; ``at`` the cell of each row's M.
    """
    total = np.zeros(len(at))
    for back in range(first_back, first_back + length):
        total += values[at - back]
    return total


def _pooled_mean(
    count: np.ndarray,
    total: np.ndarray,
    at: np.ndarray,
    first_back: int,
    length: int,
    minimum: int = MIN_SURVEY_RESPONSES,
) -> np.ndarray:
    """Mean over every response of a window of months; NaN under ``minimum`` responses."""
    n = _window_sums(count, at, first_back, length)
    sums = _window_sums(total, at, first_back, length)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= minimum, sums / n, np.nan)


def _shown_months(
    count: np.ndarray, total: np.ndarray, shown: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and sums with every month that is not shown on its own (under 5) zeroed."""
    return np.where(shown, count, 0.0), np.where(shown, total, 0.0)


def survey_features(surveys: pd.DataFrame | None, grid: TeamMonthGrid) -> pd.DataFrame:
    """Survey features and ``survey_suppressed`` for every row of the grid."""
    if surveys is None or len(surveys) == 0:
        return _suppressed_frame(grid.n_rows)
    first_month = int(grid.months.min()) - HISTORY_MONTHS
    n_cols = int(grid.months.max()) - first_month + 1
    n_cells = grid.n_teams * n_cols

    team = positions_in(surveys["team_id"], grid.team_ids)
    month = date_month_numbers(surveys["survey_date"])
    scales = {s: surveys[s].to_numpy(dtype=np.float64, na_value=np.nan) for s in SCALES}
    engagement = (scales["vigor"] + scales["dedication"] + scales["absorption"]) / 3.0
    keep = (team >= 0) & (month >= first_month) & (month <= first_month + n_cols - 1)
    keep &= ~np.isnan(engagement)
    cell = team[keep] * n_cols + (month[keep] - first_month)

    count = group_count(cell, n_cells)
    enough = count >= MIN_SURVEY_RESPONSES
    cell_means = {s: group_mean(cell, scales[s][keep], n_cells) for s in SCALES}
    engagement_mean = np.where(enough, group_mean(cell, engagement[keep], n_cells), np.nan)
    engagement_sd = group_sd(cell, engagement[keep], n_cells)
    engagement_total = np.bincount(cell, weights=engagement[keep], minlength=n_cells)
    if "recognition" in surveys.columns:
        recognition = surveys["recognition"].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
        answered = ~np.isnan(recognition)
        recognition_count = group_count(cell[answered], n_cells)
        recognition_total = np.bincount(
            cell[answered], weights=recognition[answered], minlength=n_cells
        )
        recognition_mean = np.where(
            recognition_count >= MIN_SURVEY_RESPONSES,
            group_mean(cell[answered], recognition[answered], n_cells),
            np.nan,
        )
    else:
        recognition_count = np.zeros(n_cells)
        recognition_total = np.zeros(n_cells)
        recognition_mean = np.full(n_cells, np.nan)

    # grid rows -> cells of M, M-1, ..., M-5
    grid_team = np.repeat(np.arange(grid.n_teams), grid.n_months)
    grid_column = np.tile(grid.months - first_month, grid.n_teams)
    at = grid_team * n_cols + grid_column

    window = LOOKBACK_MONTHS + 1
    back_cells = at[:, None] - np.arange(window)[None, :]
    window_engagement = engagement_mean[back_cells]
    window_valid = enough[back_cells]

    current = np.where(enough[at], 1.0, np.nan)
    # pooled windows take only months that are shown on their own: a month of 1-4 answers
    # pooled with its neighbours could be recovered from the pooled means and the counts
    engagement_count, engagement_total = _shown_months(count, engagement_total, enough)
    recognition_shown = recognition_count >= MIN_SURVEY_RESPONSES
    recognition_count, recognition_total = _shown_months(
        recognition_count, recognition_total, recognition_shown
    )
    recent, base = (0, RECENT_MONTHS), (RECENT_MONTHS, BASELINE_MONTHS)
    engagement_3m = _pooled_mean(engagement_count, engagement_total, at, *recent)
    engagement_base = _pooled_mean(engagement_count, engagement_total, at, *base)
    recognition_3m = _pooled_mean(recognition_count, recognition_total, at, *recent)
    recognition_base = _pooled_mean(recognition_count, recognition_total, at, *base)
    year = (0, YEAR_MONTHS, YEAR_MIN_RESPONSES)
    engagement_year = _pooled_mean(engagement_count, engagement_total, at, *year)
    recognition_year = _pooled_mean(recognition_count, recognition_total, at, *year)
    headcount = grid.headcount
    with np.errstate(invalid="ignore", divide="ignore"):
        response_rate = np.where(headcount > 0, count[at] / headcount, np.nan)
    frame = pd.DataFrame(
        {
            "survey_vigor_mean": cell_means["vigor"][at] * current,
            "survey_dedication_mean": cell_means["dedication"][at] * current,
            "survey_absorption_mean": cell_means["absorption"][at] * current,
            "survey_recognition_mean": recognition_mean[at] * current,
            "survey_engagement_mean": engagement_mean[at],
            "survey_engagement_change_1m": engagement_mean[at] - engagement_mean[at - 1],
            "survey_engagement_change_3m": engagement_mean[at] - engagement_mean[at - 3],
            "survey_engagement_slope_3": _slope_of_last_pulses(window_engagement, window_valid),
            "survey_engagement_sd": engagement_sd[at] * current,
            "survey_response_rate": response_rate * current,
            "survey_engagement_mean_3m": engagement_3m * current,
            "survey_engagement_vs_12m": (engagement_3m - engagement_base) * current,
            "survey_recognition_mean_3m": recognition_3m * current,
            "survey_recognition_vs_12m": (recognition_3m - recognition_base) * current,
            "survey_engagement_mean_year": engagement_year * current,
            "survey_engagement_3m_vs_year": (engagement_3m - engagement_year) * current,
            "survey_recognition_3m_vs_year": (recognition_3m - recognition_year) * current,
            "survey_recognition_change_1m": (recognition_mean[at] - recognition_mean[at - 1])
            * current,
            "survey_suppressed": ~enough[at],
        }
    )
    return frame
