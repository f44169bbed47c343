"""Survey features and the suppression rule: never a figure from fewer than 5 responses."""

from __future__ import annotations

import numpy as np
import pytest

from features.catalogue import FEATURES
from tests.features.tiny import features, row, tiny_tables

SURVEY_FEATURES = [spec.name for spec in FEATURES if spec.survey_derived]
MEMBERS = [(f"E{i}", "T1", "2020-04-01", None, None, None) for i in range(10)]


def _responses(month: str, values: list[float], recognition: float | None = 4.0) -> list:
    """One response per value, vigor = dedication = absorption = value."""
    return [("T1", f"{month}-15", v, v, v, recognition) for v in values]


def test_a_month_with_four_responses_is_suppressed_entirely() -> None:
    # given 4 responses in May 2025 and 5 in June
    tables = tiny_tables(
        employees=MEMBERS,
        surveys=_responses("2025-05", [3.0, 3.0, 4.0, 4.0])
        + _responses("2025-06", [2.0, 3.0, 4.0, 3.0, 3.0]),
    )
    # when May and June are built
    table = features(tables, ["2025-05", "2025-06"])
    may, june = row(table, "T1", "2025-05"), row(table, "T1", "2025-06")
    # then May carries no survey figure at all, and says so
    assert bool(may["survey_suppressed"]) is True
    assert may[SURVEY_FEATURES].isna().all()
    # and June is computed from its 5 responses
    assert bool(june["survey_suppressed"]) is False
    assert june["survey_engagement_mean"] == pytest.approx(3.0)
    assert june["survey_engagement_sd"] == pytest.approx(np.std([2, 3, 4, 3, 3], ddof=1))
    assert june["survey_response_rate"] == pytest.approx(0.5)
    # June's 1-month change needs May, which is suppressed
    assert np.isnan(june["survey_engagement_change_1m"])


def test_team_without_responses_or_without_survey_table_is_suppressed() -> None:
    # given no surveys table at all
    tables = tiny_tables(employees=MEMBERS, surveys=None)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then survey features are missing and suppressed
    assert bool(june["survey_suppressed"]) is True
    assert june[SURVEY_FEATURES].isna().all()


def test_scale_means_and_recognition_need_five_answers_of_their_own() -> None:
    # given 6 responses in June, only 4 of which answer the recognition item
    responses = [
        ("T1", "2025-06-10", 2.0, 4.0, 3.0, 5.0),
        ("T1", "2025-06-10", 3.0, 5.0, 4.0, 4.0),
        ("T1", "2025-06-11", 2.0, 4.0, 3.0, 3.0),
        ("T1", "2025-06-11", 3.0, 5.0, 4.0, 4.0),
        ("T1", "2025-06-12", 2.0, 4.0, 3.0, None),
        ("T1", "2025-06-30", 3.0, 5.0, 4.0, None),
    ]
    tables = tiny_tables(employees=MEMBERS, surveys=responses)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then each scale's mean is computed, engagement is their mean, recognition is missing
    assert june["survey_vigor_mean"] == pytest.approx(2.5)
    assert june["survey_dedication_mean"] == pytest.approx(4.5)
    assert june["survey_absorption_mean"] == pytest.approx(3.5)
    assert june["survey_engagement_mean"] == pytest.approx(3.5)
    assert np.isnan(june["survey_recognition_mean"])
    assert bool(june["survey_suppressed"]) is False


def test_changes_and_slope_over_unsuppressed_pulses() -> None:
    # given means 4.0 in March, 3.0 in May, 2.5 in June 2025 (April has only 3 responses)
    tables = tiny_tables(
        employees=MEMBERS,
        surveys=_responses("2025-03", [4.0] * 5)
        + _responses("2025-04", [1.0] * 3)
        + _responses("2025-05", [3.0] * 5)
        + _responses("2025-06", [2.0, 3.0, 2.5, 2.5, 2.5]),
    )
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then changes: 1 month -0.5, 3 months (vs March) -1.5
    assert june["survey_engagement_change_1m"] == pytest.approx(-0.5)
    assert june["survey_engagement_change_3m"] == pytest.approx(-1.5)
    # slope over the last 3 pulses (March -3, May -1, June 0 months): least squares
    x, y = np.array([-3.0, -1.0, 0.0]), np.array([4.0, 3.0, 2.5])
    assert june["survey_engagement_slope_3"] == pytest.approx(np.polyfit(x, y, 1)[0])


def test_slope_needs_the_current_month_among_its_pulses() -> None:
    # given pulses in March, April and May but only 2 responses in June
    tables = tiny_tables(
        employees=MEMBERS,
        surveys=_responses("2025-03", [4.0] * 5)
        + _responses("2025-04", [3.5] * 5)
        + _responses("2025-05", [3.0] * 5)
        + _responses("2025-06", [1.0] * 2),
    )
    table = features(tables, ["2025-05", "2025-06"])
    # then May has a slope of -0.5 a month and June (suppressed) has none
    assert row(table, "T1", "2025-05")["survey_engagement_slope_3"] == pytest.approx(-0.5)
    assert np.isnan(row(table, "T1", "2025-06")["survey_engagement_slope_3"])


def test_pooled_three_months_and_the_gap_to_the_teams_own_year() -> None:
    # given 12 months (June 2024 - May 2025) of 5 responses at 4.0, recognition 4, then
    # March-May at 4.0 / recognition 4 and June 2025 with 10 responses at 2.5, recognition 2
    year = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 6)]
    responses = [r for month in year for r in _responses(month, [4.0] * 5, recognition=4.0)]
    responses += _responses("2025-06", [2.5] * 10, recognition=2.0)
    tables = tiny_tables(employees=MEMBERS, surveys=responses)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then April-June are pooled response by response: (10 x 4.0 + 10 x 2.5) / 20
    assert june["survey_engagement_mean_3m"] == pytest.approx(3.25)
    assert june["survey_recognition_mean_3m"] == pytest.approx(3.0)
    # against the 12 months before them (June 2024 - March 2025, all at 4.0 / 4)
    assert june["survey_engagement_vs_12m"] == pytest.approx(-0.75)
    assert june["survey_recognition_vs_12m"] == pytest.approx(-1.0)
    # and recognition in June against May
    assert june["survey_recognition_change_1m"] == pytest.approx(-2.0)


def test_the_baseline_needs_five_responses_of_its_own() -> None:
    # given 4 responses in March 2025 (the only month before the pooled window) and
    # 5 responses in each of April, May and June
    responses = _responses("2025-03", [4.0] * 4)
    for month in ("2025-04", "2025-05", "2025-06"):
        responses += _responses(month, [3.0] * 5)
    tables = tiny_tables(employees=MEMBERS, surveys=responses)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then the pooled window is there but no gap is computed from a 4-response baseline
    assert june["survey_engagement_mean_3m"] == pytest.approx(3.0)
    assert np.isnan(june["survey_engagement_vs_12m"])
    assert np.isnan(june["survey_recognition_vs_12m"])


def test_pooled_windows_leave_out_a_suppressed_month() -> None:
    # given 5 responses at 4.0 in March and June 2025 (recognition 4), a suppressed April of
    # 3 responses at 1.0 (recognition 1), and a May with 6 responses of which only 4 answer
    # the recognition item (recognition 1 for those)
    responses = _responses("2025-03", [4.0] * 5) + _responses("2025-04", [1.0] * 3, 1.0)
    responses += _responses("2025-05", [3.0] * 4, 1.0) + _responses("2025-05", [3.0] * 2, None)
    responses += _responses("2025-06", [4.0] * 5)
    tables = tiny_tables(employees=MEMBERS, surveys=responses)
    # when June is built
    june = row(features(tables, ["2025-06"]), "T1", "2025-06")
    # then June's pooled engagement reads May and June only: April's 3 answers are not in it
    # (with them it would be (6 x 3.0 + 3 x 1.0 + 5 x 4.0) / 14, and with the counts,
    # April's hidden mean could be solved for)
    assert june["survey_engagement_mean_3m"] == pytest.approx((6 * 3.0 + 5 * 4.0) / 11)
    # and the recognition pool reads June alone: May's 4 recognition answers are hidden too
    assert june["survey_recognition_mean_3m"] == pytest.approx(4.0)
    # and the gap to the year compares with March alone (M-14..M-3)
    assert june["survey_engagement_vs_12m"] == pytest.approx((6 * 3.0 + 5 * 4.0) / 11 - 4.0)


def test_the_teams_own_year_pools_m_minus_11_to_m_and_needs_ten_responses() -> None:
    # given 5 responses at 4.0 in each of Jan-Apr 2025 (recognition 4) and 5 at 2.0 in May
    # and June (recognition 2); one month of 4.0 in June 2024 lies outside June's year
    responses = _responses("2024-06", [4.0] * 5)
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        responses += _responses(month, [4.0] * 5, recognition=4.0)
    for month in ("2025-05", "2025-06"):
        responses += _responses(month, [2.0] * 5, recognition=2.0)
    tables = tiny_tables(employees=MEMBERS, surveys=responses)
    # when June and January are built
    table = features(tables, ["2025-01", "2025-06"])
    june, january = row(table, "T1", "2025-06"), row(table, "T1", "2025-01")
    # then June's year is (20 x 4.0 + 10 x 2.0) / 30 and the last 3 months sit below it
    year = (20 * 4.0 + 10 * 2.0) / 30
    assert june["survey_engagement_mean_year"] == pytest.approx(year)
    assert june["survey_engagement_3m_vs_year"] == pytest.approx((5 * 4.0 + 10 * 2.0) / 15 - year)
    assert june["survey_recognition_3m_vs_year"] == pytest.approx((5 * 4.0 + 10 * 2.0) / 15 - year)
    # and January's year holds only 10 responses (June 2024 and January 2025): just enough
    assert january["survey_engagement_mean_year"] == pytest.approx(4.0)
    assert np.isnan(
        row(features(tables, ["2024-06"]), "T1", "2024-06")["survey_engagement_mean_year"]
    )
