"""Where the observable ceiling is estimated: a small world borrows a larger reference world."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.build import compute_features, scorable_months
from features.labels import LabelConfig
from models.dataset import schema_from_table
from pipelines import ceiling
from synthetic.build import RandomStreams, build_world
from synthetic.records import as_tables, world_tables
from synthetic.scenarios import build_scenario
from synthetic.truth import team_month_truth

FACTS = {"scenario": "default", "teams": 8, "months": 10, "seed": 5}


@pytest.fixture(scope="module")
def small_world() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and truth of an 8-team, 10-month default world."""
    spec = build_scenario("default", FACTS["teams"], FACTS["months"])
    streams = RandomStreams.from_seed(FACTS["seed"])
    world = build_world(spec, streams, keep_states=True)
    tables = as_tables(world_tables(world, streams))
    features = compute_features(tables, scorable_months(tables))
    truth = team_month_truth(world, streams.truth, samples=50)[["team_id", "month", "p_true"]]
    return features, truth.astype({"team_id": str, "month": str})


def test_a_small_world_is_scored_by_a_regressor_of_a_cached_reference_world(
    small_world: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a small world with the generator's facts, and a cheap reference world
    features, truth = small_world
    schema = schema_from_table(features)
    quick_truth = lambda world, rng, label: team_month_truth(world, rng, label, samples=50)  # noqa: E731
    monkeypatch.setattr(ceiling, "team_month_truth", quick_truth)
    # when the ceiling is estimated twice
    first = ceiling.observable_ceiling(
        features, truth, schema, FACTS, tmp_path, LabelConfig(), seed=1, reference_teams=40
    )
    cached = list(tmp_path.glob("default-40t-10m-seed900005-*.parquet"))

    def refuse(*_: object) -> pd.DataFrame:
        raise AssertionError("the reference world was built again")

    monkeypatch.setattr(ceiling, "build_reference_rows", refuse)
    second = ceiling.observable_ceiling(
        features, truth, schema, FACTS, tmp_path, LabelConfig(), seed=1, reference_teams=40
    )
    # then every row of the small world is scored, from a 40-team world built once
    assert len(first.predictions) == len(truth)
    assert np.isfinite(first.predictions["p_observable"]).all()
    assert "40-team default world" in first.method
    assert first.reference is not None and first.reference["seed"] == 900_005
    assert len(cached) == 1
    pd.testing.assert_frame_equal(first.predictions, second.predictions)


def test_a_small_world_without_the_generators_facts_is_cross_fitted_on_itself(
    small_world: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    # given the same world, but no world.json (another program wrote it)
    features, truth = small_world
    # when
    found = ceiling.observable_ceiling(
        features, truth, schema_from_table(features), None, tmp_path, LabelConfig(), seed=1
    )
    # then it says how the estimate was made, and nothing was generated
    assert "cross-fitted over this world's 8 teams" in found.method
    assert np.isfinite(found.predictions["p_observable"]).all()
    assert not list(tmp_path.iterdir())
