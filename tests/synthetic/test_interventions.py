"""HR's planted interventions: who gets one, and the true effect the world knows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from synthetic.build import RandomStreams, build_world
from synthetic.scenarios import build_scenario
from synthetic.truth import intervention_truth
from synthetic.world import WORST_OVERTIME_RISE, WORST_RECOGNITION_DROP, World


def _world(policy: str, effect: float = 1.0, truth: bool = False) -> tuple[World, RandomStreams]:
    spec = replace(
        build_scenario("default", 40, 24), interventions=policy, intervention_effect=effect
    )
    streams = RandomStreams.from_seed(3)
    return build_world(spec, streams, keep_states=truth), streams


def test_a_world_without_interventions_is_unchanged_and_planting_draws_from_its_own_stream() -> (
    None
):
    # given the same world without interventions, and with ineffective ones
    plain, _ = _world("none")
    placebo, _ = _world("random", effect=0.0)
    # when / then: nothing planted in the first, and the second is the same world
    assert plain.interventions == []
    assert len(placebo.interventions) > 5
    np.testing.assert_array_equal(plain.volume, placebo.volume)
    np.testing.assert_array_equal(plain.exit_day, placebo.exit_day)
    np.testing.assert_array_equal(plain.load, placebo.load)


def test_interventions_go_to_teams_whose_reports_show_trouble_with_the_matching_type() -> None:
    # given a world with random planting
    world, _ = _world("random")
    params = world.scenario.params
    # when each intervention is checked against what HR's reports showed when it decided
    for planted in world.interventions:
        workload = planted.overtime_rise >= params.hr_overtime_rise_hours
        recognition = planted.recognition_drop >= params.hr_recognition_drop_points
        # then the team was in trouble, and the type follows it (both -> buffer)
        assert workload or recognition
        assert planted.intervention == ("buffer" if workload else "recognition")
    # and both kinds were planted
    assert {p.intervention for p in world.interventions} == {"buffer", "recognition"}


def test_what_hr_sees_follows_the_hidden_trouble() -> None:
    # given a world with random planting
    world, _ = _world("random")
    params = world.scenario.params
    # when the hidden state of the month HR decided in is read for each buffer
    buffers = [p for p in world.interventions if p.intervention == "buffer"]
    busy = [
        bool(world.campaign_on[p.month - 1, p.team])
        or world.load[p.month - 1, p.team] >= params.driver_load_threshold
        for p in buffers
    ]
    # then most teams whose overtime rose were really busier (HR sees the trouble through
    # its reports; some rises are noise, as in a real office)
    assert sum(busy) >= 0.6 * len(busy)


def test_worst_first_treats_only_the_worse_troubles_and_random_does_not() -> None:
    # given both policies on one world
    random_world, _ = _world("random")
    worst_world, _ = _world("worst-first")

    def severe(world: World) -> list[bool]:
        return [
            bool(
                p.overtime_rise >= WORST_OVERTIME_RISE
                or p.recognition_drop >= WORST_RECOGNITION_DROP
            )
            for p in world.interventions
        ]

    # when / then: worst-first picks only troubles over the bar when HR decided; random does
    # not look at how bad they are
    assert all(severe(worst_world)) and len(worst_world.interventions) > 5
    assert not all(severe(random_world))


@pytest.mark.parametrize(("effect", "expect_effect"), [(1.0, True), (0.0, False)])
def test_the_truth_knows_what_each_intervention_did(effect: float, expect_effect: bool) -> None:
    # given a world with planted interventions, and its states
    world, streams = _world("random", effect=effect, truth=True)
    # when the true effects are re-simulated
    truth = intervention_truth(world, streams.truth, samples=40)
    buffers = truth[truth["intervention"] == "buffer"]
    boosts = truth[truth["intervention"] == "recognition"]
    # then with effects, a buffer cuts overtime and lifts engagement, a boost lifts
    # engagement; with no effect, nothing moves (the arms share every random draw)
    assert len(truth) == len(world.interventions)
    if expect_effect:
        assert buffers["effect_overtime"].mean() < -2.0
        assert buffers["effect_engagement"].mean() > 0.05
        assert boosts["effect_engagement"].mean() > 0.05
    else:
        assert truth["effect_overtime"].abs().max() == 0.0
        assert truth["effect_engagement"].abs().max() == 0.0
