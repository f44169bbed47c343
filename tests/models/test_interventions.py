"""The intervention catalogue: valid data, both languages, and triggers on real features."""

from __future__ import annotations

import pytest

from features.catalogue import FEATURES
from models.interventions import load_catalogue, parse_catalogue


def test_catalogue_triggers_read_public_feature_names() -> None:
    catalogue = load_catalogue()
    assert catalogue.feature_names() <= {spec.name for spec in FEATURES}


def test_catalogue_covers_both_interventions_from_the_seed_article() -> None:
    ids = {a.id: a.intervention for a in load_catalogue().actions}
    for buffer_action in (
        "no_overtime_day",
        "planned_paid_leave",
        "flexible_remote_work",
        "staff_before_campaign",
        "campaign_approval_flow",
        "rationalise_work",
    ):
        assert ids[buffer_action] == "buffer"
    for recognition_action in (
        "peer_bonus",
        "visible_thanks",
        "cross_department_mentor",
        "reskilling_rotation",
        "connect_to_mission",
    ):
        assert ids[recognition_action] == "recognition"


def test_fired_actions_come_most_relevant_first() -> None:
    # given a team behind on leave more than on overtime
    values = {"overtime_mean_hours": 22.0, "leave_share_off_track_5day": 0.4}
    contributions = {"overtime_mean_hours": 0.02, "leave_share_off_track_5day": 0.08}
    # when buffer actions are recommended
    actions = load_catalogue().recommend("buffer", values, contributions, "en")
    # then the leave action leads, and only fired actions are offered
    assert [a["id"] for a in actions] == ["planned_paid_leave", "no_overtime_day"]
    assert actions[0]["signals"] == ["leave_share_off_track_5day"]


def test_missing_values_never_fire_but_a_flag_still_gets_one_action() -> None:
    actions = load_catalogue().recommend(
        "recognition", {"survey_recognition_mean": float("nan")}, {"survey_dedication_mean": 0.1}
    )
    assert len(actions) == 1 and actions[0]["signals"] == []


def test_bad_catalogue_entries_are_refused() -> None:
    entry = {
        "id": "x",
        "intervention": "buffer",
        "title": {"en": "t", "ja": "t"},
        "description": {"en": "d", "ja": "d"},
        "triggers": [{"feature": "overtime_mean_hours", "op": "=~", "value": 1}],
    }
    with pytest.raises(ValueError, match="unknown operator"):
        parse_catalogue({"actions": [entry]})
    with pytest.raises(ValueError, match="unknown intervention"):
        parse_catalogue({"actions": [{**entry, "intervention": "pizza"}]})
    with pytest.raises(ValueError, match="missing ja"):
        parse_catalogue({"actions": [{**entry, "title": {"en": "t"}, "triggers": []}]})
