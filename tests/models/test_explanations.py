"""Drivers, flags, bands and actions from contributions: the shared explanation function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.catalogue import FEATURES
from models.explanations import (
    FlagRule,
    explain_team_months,
    probability_contributions,
)
from models.review import BandRules

NAMES = [spec.name for spec in FEATURES]
BANDS = BandRules(base_rate=0.2)  # medium from 0.3, high from 0.4


def team_row(**values: object) -> pd.DataFrame:
    row: dict[str, object] = dict.fromkeys(NAMES, np.nan)
    row.update(
        team_id="T0042",
        team_name="経理二課",
        department="accounting",
        month="2026-10",
        survey_suppressed=False,
        headcount=12.0,
    )
    row.update(values)
    return pd.DataFrame([row])


def points(**contributions: float) -> pd.DataFrame:
    frame = pd.DataFrame([dict.fromkeys(NAMES, 0.0)])
    for name, value in contributions.items():
        frame[name] = value
    return frame


def test_probability_contributions_add_up_to_the_move_from_the_base_risk() -> None:
    # given raw log-odds contributions and a Platt calibration
    rng = np.random.default_rng(3)
    raw = pd.DataFrame(rng.normal(0, 0.8, (50, 4)), columns=["a", "b", "c", "d"])
    raw["bias"] = -2.0
    slope, intercept = 0.8, -0.3
    # when converted
    parts, risk = probability_contributions(raw, slope, intercept)
    # then risk is the calibrated probability and the parts sum to risk - base risk
    raw_logit = raw.sum(axis=1).to_numpy()
    np.testing.assert_allclose(risk, 1 / (1 + np.exp(-(slope * raw_logit + intercept))))
    base = 1 / (1 + np.exp(-(slope * -2.0 + intercept)))
    np.testing.assert_allclose(parts.sum(axis=1).to_numpy(), risk - base, atol=1e-12)
    # and each part has the sign of its log-odds contribution
    assert (np.sign(parts.to_numpy()) == np.sign(raw.drop(columns="bias").to_numpy())).all()


def test_an_overloaded_team_is_flagged_buffer_with_overtime_reasons_and_actions() -> None:
    # given a team whose risk comes from overtime and missed leave
    row = team_row(overtime_mean_hours=38.0, leave_share_off_track_5day=0.5)
    previous = team_row(overtime_mean_hours=12.0, leave_share_off_track_5day=0.1, month="2026-09")
    contributions = points(overtime_mean_hours=0.11, leave_share_off_track_5day=0.05)
    # when explained
    (result,) = explain_team_months(
        row, previous, np.array([0.41]), contributions, FEATURES, BANDS, 7
    )
    # then: high band, buffer only, a readable driver and the matching actions
    assert result["band"] == "high" and result["flags"] == ["buffer"]
    first = result["drivers"][0]
    assert first == {
        "feature": "overtime_mean_hours",
        "value": 38.0,
        "previous": 12.0,
        "contribution": 0.11,
        "text": "Overtime per member 38 h in October, up from 12 h",
    }
    action_ids = [a["id"] for a in result["actions"]]
    assert action_ids == ["no_overtime_day", "flexible_remote_work", "planned_paid_leave"]
    assert {a["intervention"] for a in result["actions"]} == {"buffer"}
    assert result["model_version"] == 7 and result["team_name"] == "経理二課"


def test_an_unrecognised_team_is_flagged_recognition_only() -> None:
    row = team_row(survey_recognition_mean=2.4, survey_dedication_mean=3.1)
    contributions = points(survey_recognition_mean=0.09, survey_dedication_mean=0.04)
    (result,) = explain_team_months(
        row, None, np.array([0.3]), contributions, FEATURES, BANDS, 1, lang="ja"
    )
    assert result["band"] == "medium" and result["flags"] == ["recognition"]
    assert result["actions"][0]["id"] == "peer_bonus"
    assert result["actions"][0]["title"] == "ピアボーナスを始める"
    assert result["drivers"][0]["text"] == "10月の貢献が認められている実感（パルスサーベイ）は2.4点"


def test_both_flags_when_both_families_carry_the_risk() -> None:
    contributions = points(overtime_mean_hours=0.06, survey_recognition_mean=0.06)
    row = team_row(overtime_mean_hours=40.0, survey_recognition_mean=2.4)
    (result,) = explain_team_months(row, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    assert result["flags"] == ["buffer", "recognition"]


def test_low_risk_teams_are_never_flagged() -> None:
    contributions = points(overtime_mean_hours=0.05)
    (result,) = explain_team_months(
        team_row(overtime_mean_hours=30.0), None, np.array([0.1]), contributions, FEATURES, BANDS, 1
    )
    assert result["band"] == "low" and result["flags"] == [] and result["actions"] == []


def test_flag_thresholds_are_configurable() -> None:
    # given recognition carries a quarter of the added risk
    contributions = points(overtime_mean_hours=0.09, survey_recognition_mean=0.03)
    row = team_row(overtime_mean_hours=40.0, survey_recognition_mean=2.4)
    # when the share rule is 0.3 it is not flagged; at 0.2 it is
    strict = explain_team_months(row, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    loose = explain_team_months(
        row, None, np.array([0.5]), contributions, FEATURES, BANDS, 1, rule=FlagRule(share=0.2)
    )
    assert strict[0]["flags"] == ["buffer"]
    assert loose[0]["flags"] == ["buffer", "recognition"]


def test_suppressed_surveys_give_no_survey_reasons_or_recognition_flag() -> None:
    # given a team under the survey privacy threshold whose missing survey still moved the score
    row = team_row(survey_suppressed=True, overtime_mean_hours=20.0)
    contributions = points(survey_recognition_mean=0.2, overtime_mean_hours=0.02)
    (result,) = explain_team_months(row, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    # then no survey-derived driver or flag appears
    survey = {s.name for s in FEATURES if s.survey_derived}
    assert not survey & {d["feature"] for d in result["drivers"]}
    assert result["flags"] == ["buffer"]


def test_small_teams_get_no_per_member_figures() -> None:
    # given a team of 4
    row = team_row(headcount=4.0, overtime_mean_hours=50.0)
    previous = team_row(headcount=4.0, overtime_mean_hours=20.0, month="2026-09")
    contributions = points(overtime_mean_hours=0.2)
    (result,) = explain_team_months(
        row, previous, np.array([0.5]), contributions, FEATURES, BANDS, 1
    )
    # then the driver is text only
    driver = result["drivers"][0]
    assert driver["value"] is None and driver["previous"] is None
    assert driver["text"] == "Overtime per member raised the risk in October"
    assert not any(ch.isdigit() for ch in driver["text"])


def test_department_is_never_a_reason() -> None:
    contributions = points(department=0.3, overtime_mean_hours=0.01)
    (result,) = explain_team_months(
        team_row(), None, np.array([0.5]), contributions, FEATURES, BANDS, 1
    )
    assert "department" not in {d["feature"] for d in result["drivers"]}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_feature_has_a_readable_label(lang: str) -> None:
    from models.driver_texts import LABELS

    assert set(NAMES) <= set(LABELS)
    for name in NAMES:
        label = LABELS[name]
        assert (label.en if lang == "en" else label.ja).strip()


def test_small_teams_get_no_total_a_per_member_figure_follows_from() -> None:
    # given a team of 2 whose weekly volume (a total) is a main reason
    row = team_row(headcount=2.0, volume_weekly_mean_4w=900.0, volume_per_member=450.0)
    previous = team_row(headcount=2.0, volume_weekly_mean_4w=600.0, month="2026-09")
    contributions = points(volume_weekly_mean_4w=0.2, headcount=0.1)
    (result,) = explain_team_months(
        row, previous, np.array([0.5]), contributions, FEATURES, BANDS, 1
    )
    # then the total is given without figures: total / headcount would be the per-member one
    driver = next(d for d in result["drivers"] if d["feature"] == "volume_weekly_mean_4w")
    assert driver["value"] is None and driver["previous"] is None
    assert "900" not in driver["text"] and "600" not in driver["text"]


def test_results_carry_lift_status_and_no_rank_until_the_month_is_ranked() -> None:
    # given a team with 4 months of history and one with 12
    contributions = points(overtime_mean_hours=0.2)
    young = team_row(history_months=4)
    old = team_row(history_months=12)
    # when
    (first,) = explain_team_months(young, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    (second,) = explain_team_months(old, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    # then the young team is insufficient_history: low, no flag, whatever its risk
    assert first["status"] == "insufficient_history"
    assert first["band"] == "low" and first["flags"] == [] and first["actions"] == []
    assert second["status"] == "scored" and second["band"] == "high"
    assert second["lift"] == 2.5 and second["rank"] is None and second["review"] is False


def test_a_missing_figure_is_no_reason_and_an_engagement_trend_tips_no_flag() -> None:
    # given a team whose recognition item is missing (under 5 answers to it) yet moved the
    # score, and whose falling engagement trend carries most of the risk with its overtime
    row = team_row(overtime_mean_hours=52.0, survey_engagement_change_3m=-0.6)
    contributions = points(
        survey_recognition_mean=0.05, survey_engagement_change_3m=0.08, overtime_mean_hours=0.04
    )
    # when explained
    (result,) = explain_team_months(row, None, np.array([0.5]), contributions, FEATURES, BANDS, 1)
    # then the missing figure is not a driver, and the trend (which says nothing of the
    # kind of help) leaves the flag to the overtime: buffer, not recognition
    assert "survey_recognition_mean" not in [d["feature"] for d in result["drivers"]]
    assert result["flags"] == ["buffer"]


def test_a_month_before_when_the_team_was_small_hides_its_per_member_figure() -> None:
    # given a team of 6 now, of 3 the month before
    row = team_row(overtime_mean_hours=40.0, headcount=6.0)
    previous = team_row(overtime_mean_hours=34.0, headcount=3.0, month="2026-09")
    contributions = points(overtime_mean_hours=0.08)
    # when explained
    (result,) = explain_team_months(
        row, previous, np.array([0.5]), contributions, FEATURES, BANDS, 1
    )
    # then this month's figure shows, the small month's does not ("up from 34 h" would be
    # a 3-person figure)
    driver = result["drivers"][0]
    assert driver["value"] == 40.0 and driver["previous"] is None
    assert "34" not in driver["text"]
