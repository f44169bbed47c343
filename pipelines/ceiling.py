"""Where the observable ceiling of ``erisk train --truth`` is estimated, and on which rows.

On a world of 150 teams or more the regressor of logit(p_true) is cross-fitted over the
evaluated world's own teams (5 team folds). A smaller world has too few teams to learn
E[p_true | features] from, so the regressor is fitted on a separate 300-team world of the
same scenario and months (generated here from a seed of its own, with its truth, and cached
under ``$ERISK_DATA_DIR/ceiling/``) and applied to the small world's rows. Without the
generator's ``world.json`` (a world another program wrote) the small world falls back to
cross-fitting on itself, and the run says so.

A diagnostic that reads the truth: fitting the model never calls it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.build import FEATURES_VERSION, compute_features, scorable_months
from features.labels import LabelConfig
from models.ceiling import CROSS_FIT_FOLDS, cross_fitted, fit_truth_regressor, predict_truth
from models.dataset import KEY_COLUMNS, FeatureSchema, encode_features
from synthetic.build import RandomStreams, build_world
from synthetic.parameters import WORLD_VERSION
from synthetic.records import as_tables, world_tables
from synthetic.scenarios import build_scenario
from synthetic.truth import team_month_truth

logger = logging.getLogger(__name__)

SMALL_WORLD_TEAMS = 150
REFERENCE_TEAMS = 300
REFERENCE_SEED_OFFSET = 900_000  # the reference world's seed: this plus the evaluated world's
WORLD_FACTS_FILE = "world.json"


@dataclass(frozen=True)
class ObservableCeiling:
    """``team_id``, ``month``, ``p_observable`` of the evaluated rows, and how they were made."""

    predictions: pd.DataFrame
    method: str
    reference: dict[str, Any] | None = None

    def as_params(self) -> dict[str, Any]:
        """Flat MLflow params describing the estimate."""
        params: dict[str, Any] = {"ceiling.observable_method": self.method}
        for key, value in (self.reference or {}).items():
            params[f"ceiling.reference_{key}"] = value
        return params


def read_world_facts(truth_dir: Path) -> dict[str, Any] | None:
    """The generator's ``world.json`` next to the truth (``DIR`` or ``DIR/truth``), if any."""
    for candidate in (truth_dir / WORLD_FACTS_FILE, truth_dir / "truth" / WORLD_FACTS_FILE):
        if candidate.exists():
            return json.loads(candidate.read_text(encoding="utf-8"))
    return None


def observable_ceiling(
    table: pd.DataFrame,
    truth: pd.DataFrame,
    schema: FeatureSchema,
    facts: dict[str, Any] | None,
    cache_dir: Path,
    label: LabelConfig,
    seed: int,
    reference_teams: int = REFERENCE_TEAMS,
) -> ObservableCeiling:
    """Cross-fitted (or reference-fitted) estimates of E[p_true | features] for every row of
    ``table`` that the truth covers."""
    rows = table.astype({"team_id": str, "month": str}).merge(
        truth, on=list(KEY_COLUMNS), how="inner", validate="one_to_one"
    )
    rows = rows[rows["p_true"].notna()].reset_index(drop=True)
    matrix = encode_features(rows, schema)
    teams = rows["team_id"].nunique()
    keys = rows[list(KEY_COLUMNS)].copy()
    if teams < SMALL_WORLD_TEAMS and facts is not None:
        reference, described = reference_world(facts, cache_dir, label, reference_teams)
        booster = fit_truth_regressor(
            encode_features(reference, schema),
            reference["p_true"].to_numpy(),
            reference["team_id"].to_numpy(),
            schema,
            seed,
        )
        keys["p_observable"] = predict_truth(booster, matrix)
        method = f"fitted on a {reference_teams}-team {facts['scenario']} world, applied here"
        return ObservableCeiling(keys, method, described)
    if teams < SMALL_WORLD_TEAMS:
        logger.warning(
            "a %d-team world without the generator's world.json: the observable ceiling is "
            "cross-fitted on its own few teams and will read low",
            teams,
        )
    keys["p_observable"] = cross_fitted(
        matrix, rows["p_true"].to_numpy(), rows["team_id"].to_numpy(), schema, seed
    )
    method = f"cross-fitted over this world's {teams} teams ({CROSS_FIT_FOLDS} team folds)"
    return ObservableCeiling(keys, method)


def reference_world(
    facts: dict[str, Any], cache_dir: Path, label: LabelConfig, teams: int = REFERENCE_TEAMS
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Features and ``p_true`` of every team-month of the reference world (cached)."""
    scenario, months = str(facts["scenario"]), int(facts["months"])
    seed = REFERENCE_SEED_OFFSET + int(facts["seed"])
    described = {
        "scenario": scenario,
        "teams": teams,
        "months": months,
        "seed": seed,
        "world_version": WORLD_VERSION,
    }
    name = (
        f"{scenario}-{teams}t-{months}m-seed{seed}-w{WORLD_VERSION}"
        f"-f{FEATURES_VERSION}-{label.config_hash()}.parquet"
    )
    path = cache_dir / name
    if path.exists():
        return pd.read_parquet(path), described
    logger.info("building the %s reference world for the observable ceiling", name)
    frame = build_reference_rows(scenario, teams, months, seed, label)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    frame.to_parquet(partial, index=False)
    os.replace(partial, path)
    return frame, described


def build_reference_rows(
    scenario: str, teams: int, months: int, seed: int, label: LabelConfig
) -> pd.DataFrame:
    """Generate a world in memory and return its team-month features with ``p_true``."""
    spec = build_scenario(scenario, teams, months)
    streams = RandomStreams.from_seed(seed)
    world = build_world(spec, streams, keep_states=True)
    tables = as_tables(world_tables(world, streams))
    features = compute_features(tables, scorable_months(tables))
    truth = team_month_truth(world, streams.truth, label)[[*KEY_COLUMNS, "p_true"]]
    truth = truth.astype({"team_id": str, "month": str})
    merged = features.merge(truth, on=list(KEY_COLUMNS), how="inner", validate="one_to_one")
    return merged[np.isfinite(merged["p_true"])].reset_index(drop=True)
