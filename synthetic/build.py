"""One entry point from (scenario, seed) to a simulated world, with independent random streams.

Each consumer gets its own stream spawned from the seed, so asking for the truth (or not)
never changes a single byte of the tables, and the same arguments always give the same world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.scenarios import Scenario
from synthetic.world import World, simulate

# a new stream goes at the end: SeedSequence.spawn keeps the earlier children as they were,
# so adding one leaves every existing world byte-identical
STREAMS: tuple[str, ...] = ("world", "daily", "workload", "surveys", "truth", "interventions")


@dataclass(frozen=True)
class RandomStreams:
    """Independent generators for the parts of one generated world."""

    world: np.random.Generator
    daily: np.random.Generator
    workload: np.random.Generator
    surveys: np.random.Generator
    truth: np.random.Generator
    interventions: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> RandomStreams:
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        # SFC64: the fastest of numpy's bit generators for the truth's millions of draws
        return cls(*(np.random.Generator(np.random.SFC64(child)) for child in children))


def build_world(scenario: Scenario, streams: RandomStreams, keep_states: bool) -> World:
    """Simulate ``scenario``; keep the monthly latent states only when the truth needs them."""
    return simulate(scenario, streams.world, keep_states, streams.interventions)
