"""Generated worlds shared by the synthetic tests (simulated once per session, in memory)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from features.tables import Tables
from synthetic.build import RandomStreams, build_world
from synthetic.records import as_tables, world_tables
from synthetic.scenarios import build_scenario
from synthetic.truth import team_month_truth
from synthetic.world import World


@dataclass(frozen=True)
class Generated:
    """A simulated world, its contract tables (pandas) and, when asked for, its truth."""

    world: World
    tables: Tables
    truth: pd.DataFrame | None


def generate(
    scenario: str,
    seed: int,
    teams: int | None = None,
    months: int | None = None,
    truth: bool = False,
) -> Generated:
    spec = build_scenario(scenario, teams, months)
    streams = RandomStreams.from_seed(seed)
    world = build_world(spec, streams, keep_states=truth)
    tables = as_tables(world_tables(world, streams))
    return Generated(world, tables, team_month_truth(world, streams.truth) if truth else None)


@pytest.fixture(scope="session")
def default_world() -> Generated:
    """The full default scenario (60 teams, 30 months), without truth."""
    return generate("default", seed=42)


@pytest.fixture(scope="session")
def small_world_with_truth() -> Generated:
    """A small default-like world with its truth: 24 teams over 18 months."""
    return generate("default", seed=7, teams=24, months=18, truth=True)
