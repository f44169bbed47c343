"""Scoring and what-if with a real (small) LightGBM model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.catalogue import FEATURES
from models.calibration import PlattCalibration
from models.dataset import encode_features, encode_records, schema_from_table
from models.registry import ModelBundle
from models.review import BandRules
from models.scoring import (
    WhatIfRefused,
    parse_changes,
    score_records,
    score_team_months,
    what_if,
)
from tests.result_shape import RESULT_KEYS

NAMES = [spec.name for spec in FEATURES]
BANDS = BandRules(base_rate=0.2)


def team_months(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: np.full(n, np.nan) for name in NAMES})
    frame["department"] = rng.choice(["accounting", "hr"], n)
    frame["overtime_mean_hours"] = rng.uniform(0, 60, n)
    frame["survey_recognition_mean"] = rng.uniform(1, 5, n)
    frame["headcount"] = 10.0
    frame.insert(0, "team_id", [f"T{i:04d}" for i in range(n)])
    frame.insert(1, "month", "2026-10")
    frame["survey_suppressed"] = False
    return frame


@pytest.fixture(scope="module")
def bundle() -> ModelBundle:
    import lightgbm as lgb

    # given a world where overtime raises and recognition lowers the risk
    frame = team_months(3000, seed=1)
    logit = -3 + 0.08 * frame["overtime_mean_hours"] - 0.8 * (frame["survey_recognition_mean"] - 3)
    rng = np.random.default_rng(2)
    label = (rng.uniform(size=len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)
    schema = schema_from_table(frame)
    params = {
        "objective": "binary",
        "verbose": -1,
        "seed": 1,
        "deterministic": True,
        "num_threads": 1,
        "monotone_constraints": list(schema.monotone),
        "num_leaves": 7,
    }
    data = lgb.Dataset(
        encode_features(frame, schema), label=label, categorical_feature=["department"]
    )
    booster = lgb.train(params, data, num_boost_round=60)
    return ModelBundle(booster, PlattCalibration(1.0, 0.0), schema, "3", None)


def test_scored_teams_have_the_fixed_shape_and_the_calibrated_risk(bundle: ModelBundle) -> None:
    # given three team-months
    rows = team_months(3, seed=5)
    # when scored
    results = score_team_months(bundle, rows, None, BANDS, "en")
    # then each has exactly the interface's keys and the model's calibrated risk
    assert [set(r) for r in results] == [RESULT_KEYS] * 3
    np.testing.assert_allclose([r["risk"] for r in results], bundle.predict_proba(rows), atol=1e-4)
    assert all(r["model_version"] == 3 for r in results)
    assert all(r["band"] == BANDS.band(r["risk"]) for r in results)


def test_plain_records_score_exactly_as_their_frame(bundle: ModelBundle) -> None:
    # given team-months with missing values, an unseen department, a suppressed survey
    # and a small team, as a frame and as the dicts the service builds (None for missing)
    rows = team_months(40, seed=11)
    rows.loc[3, "overtime_mean_hours"] = np.nan
    rows.loc[4, "department"] = "legal"
    rows.loc[5, "department"] = None
    rows.loc[6, "survey_suppressed"] = True
    rows.loc[6, "survey_recognition_mean"] = np.nan
    rows.loc[7, "headcount"] = 3.0
    records = [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
        for r in rows.to_dict("records")
    ]
    # then the matrix and every scored field are identical, in both languages
    np.testing.assert_array_equal(
        encode_records(records, bundle.features),
        encode_features(rows, bundle.features).to_numpy(),
    )
    for lang in ("en", "ja"):
        assert score_records(bundle, records, BANDS, lang) == score_team_months(
            bundle, rows, None, BANDS, lang
        )
    assert score_records(bundle, [], BANDS) == []


def test_less_overtime_never_raises_the_risk(bundle: ModelBundle) -> None:
    # given an overloaded team
    row = team_months(1, seed=7)
    row["overtime_mean_hours"] = 55.0
    # when its overtime is cut to 10 h
    result = what_if(bundle, row, None, {"overtime_mean_hours": 10.0}, BANDS)
    # then the risk does not rise, and the new value is what was scored
    assert result.after["risk"] <= result.before["risk"]
    assert result.changes == {"overtime_mean_hours": 10.0}


def test_more_recognition_never_raises_the_risk(bundle: ModelBundle) -> None:
    row = team_months(1, seed=8)
    row["survey_recognition_mean"] = 1.5
    result = what_if(bundle, row, None, {"survey_recognition_mean": 4.5}, BANDS)
    assert result.after["risk"] <= result.before["risk"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"department": 1.0}, "cannot be changed"),
        ({"headcount": 20.0}, "cannot be changed"),
        ({"overtime_hours": 3.0}, "not a feature"),
        ({"overtime_mean_hours": -1.0}, "not a possible value"),
        ({"overtime_share_over_45h": 1.5}, "between 0 and 1"),
        ({}, "no change given"),
    ],
)
def test_impossible_what_ifs_are_refused(
    bundle: ModelBundle, change: dict[str, float], reason: str
) -> None:
    with pytest.raises(WhatIfRefused, match=reason):
        what_if(bundle, team_months(1, seed=9), None, change, BANDS)


def test_survey_what_ifs_are_refused_when_surveys_are_suppressed(bundle: ModelBundle) -> None:
    row = team_months(1, seed=10)
    row["survey_suppressed"] = True
    with pytest.raises(WhatIfRefused, match="suppressed"):
        what_if(bundle, row, None, {"survey_recognition_mean": 4.0}, BANDS)


def test_changes_are_parsed_from_feature_equals_value() -> None:
    assert parse_changes(["overtime_mean_hours=20", "leave_uptake_pace = 0.8"]) == {
        "overtime_mean_hours": 20.0,
        "leave_uptake_pace": 0.8,
    }
    with pytest.raises(WhatIfRefused, match="FEATURE=VALUE"):
        parse_changes(["overtime_mean_hours"])
    with pytest.raises(WhatIfRefused, match="not a number"):
        parse_changes(["overtime_mean_hours=lots"])


def test_per_member_what_ifs_of_small_teams_are_refused(bundle: ModelBundle) -> None:
    # given a team of 3 (its per-member figures are never shown)
    row = team_months(1, seed=11)
    row["headcount"] = 3.0
    # when a per-member figure is changed, then it is refused, naming the feature: the risk
    # moving with the figure would reveal it
    with pytest.raises(WhatIfRefused, match="under 5 members") as refused:
        what_if(bundle, row, None, {"overtime_mean_hours": 20.0}, BANDS)
    assert refused.value.feature == "overtime_mean_hours"
    # and a change that is not per member is answered
    assert what_if(bundle, row, None, {"backlog_growth_4w": 0.0}, BANDS).after["risk"] is not None
