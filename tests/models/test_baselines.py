from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.baselines import RuleOfThumb, rule_of_thumb_fires


def test_rule_fires_on_long_overtime_or_low_engagement_and_not_on_missing() -> None:
    # given
    frame = pd.DataFrame(
        {
            "overtime_mean_hours": [50.0, 10.0, 10.0, np.nan, 45.0],
            "survey_engagement_mean": [4.0, 2.5, 3.5, np.nan, 3.0],
        }
    )
    # when / then: above 45 h (strictly) or below 3.0 (strictly)
    assert rule_of_thumb_fires(frame).tolist() == [True, True, False, False, False]


def test_rule_probability_is_the_training_event_rate_on_each_side() -> None:
    # given 4 training rows: the rule fires on 2 (one event), not on 2 (no event)
    frame = pd.DataFrame(
        {"overtime_mean_hours": [60.0, 60.0, 5.0, 5.0], "survey_engagement_mean": [4.0] * 4}
    )
    label = np.array([1, 0, 0, 0])
    # when
    rule = RuleOfThumb.fit(frame, label)
    # then
    assert rule.predict_proba(frame).tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])
