"""The engagement decline label, rule by rule, on tiny hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from features.labels import (
    LabelConfig,
    exit_threshold,
    label_team_months,
    welch_drop_fires,
    welch_one_sided_p,
)
from features.tables import Tables

# Data end: 2025-06-30 is the last business day of June 2025, so for M = 2025-03 the
# horizon (Apr-Jun) is complete and for M = 2025-04 it is not.
DATA_END = "2025-06-30"


def _dates(values: list[str]) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


def _tables(
    responses: dict[str, list[float]] | None = None,
    employees: list[tuple[str, str, str, str | None, str | None]] | None = None,
    assignments: list[tuple[str, str, str, str | None]] | None = None,
    data_end: str = DATA_END,
) -> Tables:
    """Build contract-typed tables; ``responses`` maps 'YYYY-MM' -> engagement values."""
    teams = pd.DataFrame(
        {
            "team_id": pd.array(["T1", "T2"], dtype="string"),
            "team_name": pd.array(["経理一課", "経理二課"], dtype="string"),
            "department": pd.array(["accounting", "accounting"], dtype="string"),
        }
    )
    rows = employees or [("E1", "T1", "2020-04-01", None, None)]
    emp = pd.DataFrame(
        {
            "employee_id": pd.array([r[0] for r in rows], dtype="string"),
            "team_id": pd.array([r[1] for r in rows], dtype="string"),
            "hire_date": _dates([r[2] for r in rows]),
            "exit_date": _dates([r[3] for r in rows]),
            "exit_reason": pd.array([r[4] for r in rows], dtype="string"),
            "annual_leave_days": np.full(len(rows), np.nan),
        }
    )
    timesheets = pd.DataFrame(
        {
            "employee_id": pd.array(["E1", "E1"], dtype="string"),
            "work_date": _dates(["2025-01-06", data_end]),
            "scheduled_hours": [8.0, 8.0],
            "worked_hours": [8.0, 8.0],
        }
    )
    leave = pd.DataFrame(
        {
            "employee_id": pd.array([], dtype="string"),
            "leave_date": _dates([]),
            "leave_type": pd.array([], dtype="string"),
            "days": np.zeros(0),
        }
    )
    survey_rows = [
        (month, value) for month, values in (responses or {}).items() for value in values
    ]
    surveys = pd.DataFrame(
        {
            "response_id": pd.array([f"R{i}" for i in range(len(survey_rows))], dtype="string"),
            "team_id": pd.array(["T1"] * len(survey_rows), dtype="string"),
            "survey_date": _dates([f"{m}-15" for m, _ in survey_rows]),
            "vigor": [v for _, v in survey_rows],
            "dedication": [v for _, v in survey_rows],
            "absorption": [v for _, v in survey_rows],
            "recognition": np.full(len(survey_rows), 3.0),
        }
    )
    assign = None
    if assignments is not None:
        assign = pd.DataFrame(
            {
                "employee_id": pd.array([a[0] for a in assignments], dtype="string"),
                "team_id": pd.array([a[1] for a in assignments], dtype="string"),
                "start_date": _dates([a[2] for a in assignments]),
                "end_date": _dates([a[3] for a in assignments]),
            }
        )
    return Tables(teams, emp, timesheets, leave, None, surveys, assign)


def _row(frame: pd.DataFrame, team: str, month: str) -> pd.Series:
    return frame.loc[(frame["team_id"] == team) & (frame["month"] == month)].iloc[0]


def _windows(pre: list[float], post: list[float]) -> dict[str, list[float]]:
    """Pre responses in Jan-Mar 2025, post responses in Apr-Jun 2025 (M = 2025-03)."""
    return {"2025-02": pre, "2025-05": post}


def test_big_significant_drop_fires() -> None:
    # given a clear one-point drop with little spread
    tables = _tables(_windows([4.0, 4.1, 3.9, 4.0, 4.2, 3.8], [3.0, 3.1, 2.9, 3.0, 3.2, 2.8]))
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert bool(row["survey_event"]) is True
    assert row["label"] == 1


def test_big_drop_that_is_not_significant_does_not_fire() -> None:
    # given a 0.5 drop buried in huge response spread
    pre, post = [0.0, 6.0, 0.0, 6.0, 0.0, 6.0], [0.0, 5.0, 0.0, 5.0, 0.0, 5.0]
    assert stats.ttest_ind(post, pre, equal_var=False, alternative="less").pvalue > 0.05
    tables = _tables(_windows(pre, post))
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert bool(row["survey_event"]) is False
    assert row["label"] == 0


def test_significant_drop_smaller_than_theta_does_not_fire() -> None:
    # given a tiny, very consistent drop of 0.3 points
    tables = _tables(_windows([4.0, 4.01, 3.99, 4.0, 4.0], [3.7, 3.71, 3.69, 3.7, 3.7]))
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert bool(row["survey_event"]) is False
    assert row["label"] == 0
    # and a smaller theta lets it fire
    relaxed = _row(label_team_months(tables, config=LabelConfig(theta=0.2)), "T1", "2025-03")
    assert relaxed["label"] == 1


def test_fewer_than_five_responses_gives_missing_label() -> None:
    # given only four post responses despite a big drop
    tables = _tables(_windows([4.0, 4.1, 3.9, 4.0, 4.2], [2.0, 2.1, 1.9, 2.0]))
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert pd.isna(row["survey_event"])
    assert pd.isna(row["label"])


def test_exits_fire_even_without_surveys() -> None:
    # given ten members on 2025-03-31, two of whom quit voluntarily in April and June
    staff = [(f"E{i}", "T1", "2020-04-01", None, None) for i in range(8)]
    staff += [("E8", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("E9", "T1", "2020-04-01", "2025-06-20", "voluntary")]
    tables = _tables(None, staff)
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert row["headcount"] == 10
    assert row["voluntary_exits"] == 2
    assert bool(row["exit_event"]) is True
    assert row["label"] == 1


def test_involuntary_exits_and_exits_after_the_horizon_do_not_count() -> None:
    # given one voluntary exit in the horizon, one involuntary, one voluntary in July
    staff = [(f"E{i}", "T1", "2020-04-01", None, None) for i in range(7)]
    staff += [("E7", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("E8", "T1", "2020-04-01", "2025-05-10", "involuntary")]
    staff += [("E9", "T1", "2020-04-01", "2025-07-01", "voluntary")]
    tables = _tables(_windows([4.0] * 5, [4.0] * 5), staff)
    # when
    row = _row(label_team_months(tables), "T1", "2025-03")
    # then
    assert row["voluntary_exits"] == 1
    assert bool(row["exit_event"]) is False
    assert row["label"] == 0


def test_exit_threshold_follows_headcount() -> None:
    # given / when
    thresholds = exit_threshold(np.array([0, 10, 13, 14, 20, 100]))
    # then: max(2, ceil(0.15 h)), with 0.15 * 100 not rounded up to 16
    assert thresholds.tolist() == [2, 2, 2, 3, 3, 15]


def test_data_not_reaching_the_horizon_gives_missing_label() -> None:
    # given the same calm team, but data ending before June's last business day
    calm = _windows([4.0, 4.1, 3.9, 4.0, 4.2], [4.0, 4.1, 3.9, 4.0, 4.2])
    complete = _tables(calm)
    truncated = _tables(calm, data_end="2025-06-27")
    # when
    full_row = _row(label_team_months(complete), "T1", "2025-03")
    cut_row = _row(label_team_months(truncated), "T1", "2025-03")
    # then
    assert full_row["label"] == 0
    assert pd.isna(cut_row["label"])


def test_assignments_decide_membership_for_headcount_and_exits() -> None:
    # given E1 now in T2, but in T1 until April, where it quit... and E2 moved T2 -> T1
    staff = [
        ("E1", "T2", "2020-04-01", "2025-04-20", "voluntary"),
        ("E2", "T1", "2020-04-01", None, None),
        ("E3", "T2", "2020-04-01", "2025-05-20", "voluntary"),
    ]
    history = [
        ("E1", "T1", "2020-04-01", "2025-04-20"),
        ("E2", "T2", "2020-04-01", "2025-03-31"),
        ("E2", "T1", "2025-04-01", None),
        ("E3", "T1", "2020-04-01", None),
    ]
    with_history = _tables(None, staff, history)
    without_history = _tables(None, staff)
    # when
    labelled = label_team_months(with_history)
    plain = label_team_months(without_history)
    # then: on 2025-03-31 T1 holds E1 and E3 (E2 still in T2); both exits count for T1
    row = _row(labelled, "T1", "2025-03")
    assert row["headcount"] == 2
    assert row["voluntary_exits"] == 2
    assert row["label"] == 1
    # and without assignments employees.team_id holds throughout
    assert _row(plain, "T1", "2025-03")["headcount"] == 1
    assert _row(plain, "T2", "2025-03")["voluntary_exits"] == 2


def test_output_shape_and_dtypes() -> None:
    # given
    tables = _tables(_windows([4.0] * 5, [4.0] * 5))
    # when
    frame = label_team_months(tables)
    # then: the default months span the timesheets (January to June), for both teams
    assert len(frame) == 2 * 6
    frame = label_team_months(tables, months=["2025-01", "2025-02", "2025-03"])
    assert len(frame) == 6
    assert str(frame["label"].dtype) == "Int8"
    assert str(frame["survey_event"].dtype) == "boolean"
    assert frame["exit_event"].dtype == bool
    assert frame["month"].tolist()[:3] == ["2025-01", "2025-02", "2025-03"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_welch_matches_scipy(seed: int) -> None:
    # given random windows of different sizes and spreads
    rng = np.random.default_rng(seed)
    pre = rng.normal(3.5, rng.uniform(0.3, 1.5), size=rng.integers(5, 30))
    post = rng.normal(3.2, rng.uniform(0.3, 1.5), size=rng.integers(5, 30))
    # when
    p = welch_one_sided_p(
        pre.mean(), pre.var(ddof=1), len(pre), post.mean(), post.var(ddof=1), len(post)
    )
    # then
    expected = stats.ttest_ind(post, pre, equal_var=False, alternative="less").pvalue
    assert float(p) == pytest.approx(expected, rel=1e-9)
    fires = welch_drop_fires(
        pre.mean(), pre.var(ddof=1), len(pre), post.mean(), post.var(ddof=1), len(post)
    )
    assert bool(fires) == bool(pre.mean() - post.mean() >= 0.5 and expected < 0.05)


def test_config_hash_is_stable_and_tracks_settings() -> None:
    # given / when / then
    assert LabelConfig().config_hash() == LabelConfig().config_hash()
    assert LabelConfig().config_hash() != LabelConfig(theta=0.4).config_hash()
    assert len(LabelConfig().config_hash()) == 12
    assert LabelConfig().as_dict()["horizon"] == 3
