"""Small synthetic team-month tables with a known signal, for the model tests.

Risk rises with overtime and falls with recognition (the directions of the catalogue), plus
noise from a few other features, so that a fitted model has something real to find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.catalogue import FEATURES

DEPARTMENTS = ("accounting", "hr", "general_affairs", "it")


def month_labels(first_year: int, count: int) -> list[str]:
    return [f"{first_year + (i // 12)}-{(i % 12) + 1:02d}" for i in range(count)]


def synthetic_team_months(
    n_teams: int = 40, n_months: int = 30, seed: int = 0, base_logit: float = -2.2
) -> pd.DataFrame:
    """A table with the catalogue's columns, ``survey_suppressed`` and a nullable ``label``.

    The last 3 months have no label (their outcome window is not over yet).
    """
    rng = np.random.default_rng(seed)
    months = month_labels(2023, n_months)
    team_ids = [f"T{i:03d}" for i in range(n_teams)]
    rows = len(months) * n_teams
    frame = pd.DataFrame(
        {
            "team_id": pd.Series(np.tile(team_ids, len(months)), dtype="str"),
            "month": pd.Series(np.repeat(months, n_teams), dtype="str"),
        }
    )
    team_level = rng.normal(0, 1, n_teams)
    for spec in FEATURES:
        if spec.kind == "categorical":
            frame[spec.name] = pd.Series(
                np.tile([DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(n_teams)], len(months)),
                dtype="str",
            )
        else:
            frame[spec.name] = rng.normal(0, 1, rows)
    frame["overtime_mean_hours"] = np.clip(
        20 + 12 * np.tile(team_level, len(months)) + rng.normal(0, 8, rows), 0, None
    )
    frame["survey_recognition_mean"] = rng.normal(3.5, 0.8, rows)
    frame["survey_engagement_mean"] = rng.normal(3.4, 0.6, rows)
    frame["headcount"] = np.tile(rng.integers(3, 25, n_teams), len(months)).astype(np.float64)
    frame.loc[rng.random(rows) < 0.1, "survey_recognition_mean"] = np.nan
    logit = (
        base_logit
        + 0.08 * (frame["overtime_mean_hours"] - 20)
        - 0.9 * (frame["survey_recognition_mean"].fillna(3.5) - 3.5)
        + 0.4 * frame["volume_surge_ratio"]
    )
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype("int64")
    frame["survey_suppressed"] = frame["survey_recognition_mean"].isna()
    frame["label"] = pd.array(label, dtype="Int8")
    frame.loc[frame["month"].isin(months[-3:]), "label"] = pd.NA
    return frame
