"""Label v2, rule by rule, on tiny hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from features.labels import (
    LABEL_COLUMNS,
    LabelConfig,
    exit_cluster_fires,
    label_team_months,
    survey_decline_fires,
    trailing_exit_rate,
    welch_one_sided_p,
)
from features.tables import Tables

# Data end: 2025-06-30 is the last business day of June 2025, so for M = 2025-03 the
# horizon (Apr-Jun) is complete and for M = 2025-04 it is not. The export starts in
# 2024-04 (its first timesheet row), so M = 2025-03 has a full 12-month baseline.
DATA_START = "2024-04-01"
DATA_END = "2025-06-30"
M = "2025-03"
BASELINE_MONTHS = [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
Employee = tuple[str, str, str, str | None, str | None]


def _dates(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


def _staff(team: str, count: int, prefix: str = "E") -> list[Employee]:
    return [(f"{prefix}{team}{i}", team, "2020-04-01", None, None) for i in range(count)]


def _tables(
    responses: dict[str, list[float]] | None = None,
    employees: list[Employee] | None = None,
    assignments: list[tuple[str, str, str, str | None]] | None = None,
    data_end: str = DATA_END,
) -> Tables:
    """Contract-typed tables; ``responses`` maps 'YYYY-MM' -> engagement values of T1."""
    teams = pd.DataFrame(
        {
            "team_id": pd.array(["T1", "T2"], dtype="string"),
            "team_name": pd.array(["経理一課", "経理二課"], dtype="string"),
            "department": pd.array(["accounting", "accounting"], dtype="string"),
        }
    )
    rows = employees if employees is not None else _staff("T1", 10)
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
            "employee_id": pd.array(["X", "X"], dtype="string"),
            "work_date": _dates([DATA_START, data_end]),
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


def _row(frame: pd.DataFrame, team: str = "T1", month: str = M) -> pd.Series:
    return frame.loc[(frame["team_id"] == team) & (frame["month"] == month)].iloc[0]


def _windows(baseline: list[float], post: list[float]) -> dict[str, list[float]]:
    """``baseline`` spread over the 12 months M-11..M (M = 2025-03), ``post`` in May 2025."""
    spread: dict[str, list[float]] = {month: [] for month in BASELINE_MONTHS}
    for i, value in enumerate(baseline):
        spread[BASELINE_MONTHS[i % len(BASELINE_MONTHS)]].append(value)
    return {**spread, "2025-05": post}


CALM = [4.0, 4.1, 3.9, 4.0, 4.2, 3.8] * 3  # 18 responses around 4.0


def test_big_significant_drop_below_the_baseline_fires() -> None:
    # given a 12-month baseline around 4.0 and a post window one point lower
    tables = _tables(_windows(CALM, [3.0, 3.1, 2.9, 3.0, 3.2, 2.8]))
    # when
    row = _row(label_team_months(tables))
    # then
    assert row["label_survey"] == 1
    assert row["label"] == 1
    assert row["baseline_n"] == 18
    assert row["baseline_mean"] == pytest.approx(4.0)


def test_a_return_to_normal_after_a_lucky_quarter_is_no_decline() -> None:
    # given nine normal months at 4.0, then three lucky months at 5.0 (M-2..M), then normal
    normal = {month: [4.0, 4.1, 3.9] for month in BASELINE_MONTHS[:9]}
    lucky = {month: [5.0, 5.1, 4.9] for month in BASELINE_MONTHS[9:]}
    tables = _tables({**normal, **lucky, "2025-05": [4.0, 4.1, 3.9, 4.0, 3.95]})
    # when
    row = _row(label_team_months(tables))
    # then: a full point below the last quarter (v1 fired), only 0.25 below the team's year
    assert row["baseline_mean"] == pytest.approx(4.25)
    assert row["label_survey"] == 0
    assert row["label"] == 0


def test_big_drop_that_is_not_significant_does_not_fire() -> None:
    # given a 0.5 drop buried in huge response spread
    baseline, post = [0.0, 6.0] * 6, [0.0, 5.0] * 3
    assert stats.ttest_ind(post, baseline, equal_var=False, alternative="less").pvalue > 0.05
    tables = _tables(_windows(baseline, post))
    # when
    row = _row(label_team_months(tables))
    # then
    assert row["label_survey"] == 0
    assert row["label"] == 0


def test_significant_drop_smaller_than_theta_does_not_fire() -> None:
    # given a tiny, very consistent drop of 0.3 points
    tables = _tables(_windows([4.0, 4.01, 3.99] * 4, [3.7, 3.71, 3.69, 3.7, 3.7]))
    # when
    row = _row(label_team_months(tables))
    # then
    assert row["label_survey"] == 0
    # and a smaller theta lets it fire
    relaxed = _row(label_team_months(tables, config=LabelConfig(theta=0.2)))
    assert relaxed["label_survey"] == 1


def test_a_thin_baseline_leaves_the_survey_part_untested_but_keeps_the_row() -> None:
    # given a big drop, but only nine responses in the 12-month baseline
    tables = _tables(_windows([4.0, 4.1, 3.9] * 3, [2.0, 2.1, 1.9, 2.0, 2.2]))
    # when
    row = _row(label_team_months(tables))
    # then: the survey part is missing, the label is the exit part (no exit: 0)
    assert row["baseline_n"] == 9
    assert pd.isna(row["label_survey"])
    assert row["label_exits"] == 0
    assert row["label"] == 0


def test_a_thin_post_window_leaves_the_survey_part_untested() -> None:
    # given four post responses despite a big drop
    tables = _tables(_windows(CALM, [2.0, 2.1, 1.9, 2.0]))
    # when
    row = _row(label_team_months(tables))
    # then
    assert pd.isna(row["label_survey"])
    assert row["label"] == 0


def test_two_exits_fire_when_the_organisation_rarely_loses_anyone() -> None:
    # given ten members, no voluntary exit in the past year (r = the 0.005 floor), and two
    # voluntary exits in April and June
    staff = _staff("T1", 8)
    staff += [("Q1", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("Q2", "T1", "2020-04-01", "2025-06-20", "voluntary")]
    tables = _tables(None, staff)
    # when
    row = _row(label_team_months(tables))
    # then: λ = 10 x 3 x 0.005 = 0.15 and P(Poisson(0.15) >= 2) ~ 0.010 < 0.05
    assert row["headcount"] == 10
    assert row["voluntary_exits"] == 2
    assert row["exit_rate"] == pytest.approx(0.005)
    assert row["exit_expected"] == pytest.approx(0.15)
    assert row["exit_p"] == pytest.approx(stats.poisson.sf(1, 0.15))
    assert row["label_exits"] == 1
    assert pd.isna(row["label_survey"])
    assert row["label"] == 1


def test_exits_are_judged_against_the_organisations_own_rate() -> None:
    # given an organisation of 20 that lost 6 people voluntarily in the past year, and a
    # team of 10 losing 2 in the horizon
    leavers = [(f"L{i}", "T2", "2020-04-01", f"2024-{5 + i:02d}-15", "voluntary") for i in range(6)]
    staff = _staff("T1", 8) + _staff("T2", 10, "F") + leavers
    staff += [("Q1", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("Q2", "T1", "2020-04-01", "2025-06-20", "voluntary")]
    tables = _tables(None, staff)
    # when
    row = _row(label_team_months(tables))
    # then: r = 6 exits over the 12 month-end headcounts; 2 exits are not unusual then
    month_ends = pd.date_range("2024-04-30", "2025-03-31", freq="ME")
    heads = [
        20 + sum(int(f"2024-{5 + i:02d}-15" > str(d.date())) for i in range(6)) for d in month_ends
    ]
    assert row["exit_rate"] == pytest.approx(6 / sum(heads))
    assert row["exit_p"] > 0.05
    assert row["label_exits"] == 0


def test_the_exit_rate_reads_no_later_data_and_stays_inside_the_export() -> None:
    # given the same organisation twice: once with extra exits after M, once with exits
    # before the export's first month (2024-04)
    staff = _staff("T1", 10) + _staff("T2", 10, "F")
    past = [("P1", "T2", "2020-04-01", "2024-02-15", "voluntary")]
    later = [(f"N{i}", "T2", "2020-04-01", "2025-04-15", "voluntary") for i in range(3)]
    plain = label_team_months(_tables(None, staff))
    with_later = label_team_months(_tables(None, staff + later))
    with_past = label_team_months(_tables(None, staff + past))
    # when / then: neither changes r at M (no exit in the window: the floor)
    assert _row(plain)["exit_rate"] == pytest.approx(0.005)
    assert _row(with_later)["exit_rate"] == pytest.approx(0.005)
    assert _row(with_past)["exit_rate"] == pytest.approx(0.005)
    # while the later exits do enter r from their own month on
    assert _row(with_later, month="2025-04")["exit_rate"] > 0.005


def test_involuntary_exits_and_exits_after_the_horizon_do_not_count() -> None:
    # given one voluntary exit in the horizon, one involuntary, one voluntary in July
    staff = _staff("T1", 7)
    staff += [("Q1", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("Q2", "T1", "2020-04-01", "2025-05-10", "involuntary")]
    staff += [("Q3", "T1", "2020-04-01", "2025-07-01", "voluntary")]
    tables = _tables(_windows(CALM, [4.0] * 5), staff)
    # when
    row = _row(label_team_months(tables))
    # then
    assert row["voluntary_exits"] == 1
    assert row["label_exits"] == 0
    assert row["label"] == 0


def test_an_empty_team_has_no_label() -> None:
    # given T2 with no member at all
    tables = _tables(_windows(CALM, [4.0] * 5))
    # when
    row = _row(label_team_months(tables), team="T2")
    # then
    assert row["headcount"] == 0
    assert pd.isna(row["label"]) and pd.isna(row["label_exits"]) and pd.isna(row["label_survey"])


def test_data_not_reaching_the_horizon_gives_missing_labels_even_after_exits() -> None:
    # given a clear exit cluster and a clear drop, but data ending before June's last
    # business day
    staff = _staff("T1", 8)
    staff += [("Q1", "T1", "2020-04-01", "2025-04-10", "voluntary")]
    staff += [("Q2", "T1", "2020-04-01", "2025-05-20", "voluntary")]
    drop = _windows(CALM, [3.0, 3.1, 2.9, 3.0, 3.2, 2.8])
    complete = _tables(drop, staff)
    truncated = _tables(drop, staff, data_end="2025-06-27")
    # when
    full_row = _row(label_team_months(complete))
    cut_row = _row(label_team_months(truncated))
    # then
    assert full_row["label"] == 1
    for name in ("label", "label_survey", "label_exits"):
        assert pd.isna(cut_row[name])


def test_assignments_decide_membership_for_headcount_and_exits() -> None:
    # given E1 now in T2, but in T1 until April, where it quit... and E2 moved T2 -> T1
    staff: list[Employee] = [
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
    row = _row(labelled)
    assert row["headcount"] == 2
    assert row["voluntary_exits"] == 2
    assert row["label"] == 1
    # and without assignments employees.team_id holds throughout
    assert _row(plain)["headcount"] == 1
    assert _row(plain, team="T2")["voluntary_exits"] == 2


def test_output_shape_and_dtypes() -> None:
    # given
    tables = _tables(_windows(CALM, [4.0] * 5))
    # when
    frame = label_team_months(tables)
    # then: the default months span the timesheets (2024-04 to 2025-06), for both teams
    assert list(frame.columns) == list(LABEL_COLUMNS)
    assert len(frame) == 2 * 15
    frame = label_team_months(tables, months=["2025-01", "2025-02", "2025-03"])
    assert len(frame) == 6
    for name in ("label", "label_survey", "label_exits"):
        assert str(frame[name].dtype) == "Int8"
    assert frame["month"].tolist()[:3] == ["2025-01", "2025-02", "2025-03"]


def test_one_month_alone_gives_the_same_row_as_all_months() -> None:
    # given
    tables = _tables(_windows(CALM, [3.0, 3.1, 2.9, 3.0, 3.2, 2.8]), _staff("T1", 9))
    # when
    alone = label_team_months(tables, months=[M])
    together = label_team_months(tables)
    # then
    pd.testing.assert_series_equal(
        _row(alone), _row(together), check_names=False, check_exact=False, rtol=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_welch_matches_scipy(seed: int) -> None:
    # given random windows of different sizes and spreads
    rng = np.random.default_rng(seed)
    base = rng.normal(3.5, rng.uniform(0.3, 1.5), size=rng.integers(10, 60))
    post = rng.normal(3.0, rng.uniform(0.3, 1.5), size=rng.integers(5, 30))
    # when
    p = welch_one_sided_p(
        base.mean(), base.var(ddof=1), len(base), post.mean(), post.var(ddof=1), len(post)
    )
    # then
    expected = stats.ttest_ind(post, base, equal_var=False, alternative="less").pvalue
    assert float(p) == pytest.approx(expected, rel=1e-9)
    fires = survey_decline_fires(
        base.mean(), base.var(ddof=1), len(base), post.mean(), post.var(ddof=1), len(post)
    )
    assert bool(fires) == bool(base.mean() - post.mean() >= 0.5 and expected < 0.05)


def test_exit_rule_is_a_poisson_tail_with_at_least_two_exits() -> None:
    # given expected exits λ and counts k
    k = np.array([1, 2, 2, 3, 4, 5])
    lam = np.array([0.01, 0.15, 0.5, 0.5, 1.5, 1.5])
    # when
    fires = exit_cluster_fires(k, lam)
    # then: k >= 2 and P(X >= k) < 0.05
    expected = (k >= 2) & (stats.poisson.sf(k - 1, lam) < 0.05)
    assert fires.tolist() == expected.tolist() == [False, True, False, True, False, True]


def test_trailing_exit_rate_floors_only_an_empty_window() -> None:
    # given 14 months of org headcount 1000 with exits only in month 3
    exits = np.zeros(14)
    exits[3] = 2.0
    headcount = np.full(14, 1000.0)
    # when
    rate = trailing_exit_rate(exits, headcount)
    # then: floor before month 3 and after it leaves the 12-month window; 2 / (n x 1000)
    # within it, even though that is below the floor
    assert rate[:3].tolist() == [0.005] * 3
    assert rate[3] == pytest.approx(2 / 4000)
    assert rate[11] == pytest.approx(2 / 12000)
    assert rate[14 - 1] == pytest.approx(2 / 12000)
    assert trailing_exit_rate(np.r_[exits, np.zeros(2)], np.full(16, 1000.0))[15] == 0.005


def test_config_hash_is_stable_and_tracks_settings() -> None:
    # given / when / then
    assert LabelConfig().config_hash() == LabelConfig().config_hash()
    assert LabelConfig().config_hash() != LabelConfig(theta=0.4).config_hash()
    assert LabelConfig().config_hash() != LabelConfig(exit_rate_floor=0.01).config_hash()
    assert len(LabelConfig().config_hash()) == 12
    assert LabelConfig().as_dict()["horizon"] == 3
    assert LabelConfig().as_dict()["label_version"] == 2


def test_helped_labels_cover_the_months_whose_future_an_intervention_changed() -> None:
    # given two teams over a year, one helped from 2025-06
    from features.labels import helped_labels

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    frame = pd.DataFrame(
        [(team, month) for team in ("A", "B") for month in months], columns=["team_id", "month"]
    )
    # when
    helped = helped_labels(frame, {"A": ["2025-06"]})
    # then A's labels of 2025-03..2025-08 (their 3 months ahead meet the help, or it acted
    # just before) are helped; nothing of B, nothing without interventions
    marked = frame.loc[helped, ["team_id", "month"]].values.tolist()
    assert marked == [["A", f"2025-{m:02d}"] for m in range(3, 9)]
    assert not helped_labels(frame, {}).any()
