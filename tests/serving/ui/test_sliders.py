"""What-if sliders: actionable features only, current values on the grid, privacy kept."""

from __future__ import annotations

from typing import Any

from features.catalogue import FEATURES
from serving.ui.sliders import sliders_for

ACTIONABLE = {spec.name for spec in FEATURES if spec.actionable}
PER_MEMBER = {spec.name for spec in FEATURES if spec.actionable and spec.per_member}
SURVEY = {spec.name for spec in FEATURES if spec.actionable and spec.survey_derived}


def row(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: 0.5 for name in ACTIONABLE}
    values.update(overtime_mean_hours=37.0, survey_recognition_mean=3.3, headcount=12)
    values["survey_suppressed"] = False
    return {**values, **changes}


def test_every_actionable_feature_becomes_a_slider_starting_at_its_value() -> None:
    # given a 12-member team with every actionable figure
    # when the sliders are made
    made = sliders_for(row(), "en")
    # then there is one per actionable feature, each starting inside its range
    assert {s.feature for s in made.sliders} == ACTIONABLE
    for slider in made.sliders:
        assert slider.minimum <= slider.value <= slider.maximum
    overtime = next(s for s in made.sliders if s.feature == "overtime_mean_hours")
    assert overtime.value == 37.0 and overtime.maximum >= 80 and overtime.label


def test_a_range_widens_to_hold_an_unusually_high_value() -> None:
    made = sliders_for(row(overtime_mean_hours=120.0), "en")
    overtime = next(s for s in made.sliders if s.feature == "overtime_mean_hours")
    assert overtime.value == 120.0 and overtime.maximum >= 240


def test_small_teams_get_no_per_member_slider() -> None:
    # given a team of 4
    made = sliders_for(row(headcount=4), "ja")
    # then no per-member figure is turned into a slider (its position would show it)
    assert not PER_MEMBER & {s.feature for s in made.sliders}
    assert set(made.hidden_small_team) == PER_MEMBER


def test_suppressed_survey_months_get_no_survey_slider() -> None:
    made = sliders_for(row(survey_suppressed=True, survey_recognition_mean=None), "en")
    assert not SURVEY & {s.feature for s in made.sliders}
    assert set(made.hidden_suppressed) == SURVEY


def test_values_snap_to_the_slider_grid() -> None:
    made = sliders_for(row(leave_uptake_pace=0.6234), "en")
    pace = next(s for s in made.sliders if s.feature == "leave_uptake_pace")
    assert pace.value == 0.6 and pace.percent


def test_a_scale_never_widens_past_its_natural_top() -> None:
    made = sliders_for(row(survey_recognition_mean=4.6, overtime_share_over_45h=0.9), "en")
    by_name = {s.feature: s for s in made.sliders}
    assert by_name["survey_recognition_mean"].maximum == 5.0
    assert by_name["overtime_share_over_45h"].maximum == 1.0
