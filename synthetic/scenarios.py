"""The named scenarios: how big the organisation is, how long, and what happens to it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from features.calendar import shift_month
from synthetic.parameters import WorldParameters

# The world's calendar is fixed (never "today"), so the same arguments give the same files.
WORLD_LAST_MONTH = "2026-09"


@dataclass(frozen=True)
class SeedStory:
    """The seed article's campaign: chosen departments' teams see their volume double."""

    month_index: int  # months after the first month
    departments: tuple[str, ...] = ("logistics_admin", "accounting")
    multiplier: float = 2.0
    months: int = 3
    hit_share: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """Everything that sizes and shapes one generated world."""

    name: str
    teams: int
    months: int
    truth_by_default: bool
    params: WorldParameters
    seed_story: SeedStory | None = None
    futures: int = 500
    # HR's interventions planted in the world (issue 20): none, random or worst-first, and
    # how strongly they act (1: the parameters' effects; 0: planted with no effect at all)
    interventions: str = "none"
    intervention_effect: float = 1.0

    @property
    def last_month(self) -> str:
        return WORLD_LAST_MONTH

    @property
    def first_month(self) -> str:
        return shift_month(WORLD_LAST_MONTH, -(self.months - 1))

    def seed_story_month(self) -> str | None:
        """The month the seed-story campaign starts, if this scenario has one."""
        if self.seed_story is None:
            return None
        return shift_month(self.first_month, self.seed_story.month_index)


SCENARIO_NAMES: tuple[str, ...] = ("default", "seed-story", "enterprise", "eval")


def build_scenario(name: str, teams: int | None = None, months: int | None = None) -> Scenario:
    """The named scenario, optionally resized; raises ValueError for an unknown name."""
    base = WorldParameters()
    if name == "default":
        scenario = Scenario("default", 60, 30, True, base)
    elif name == "eval":
        scenario = Scenario("eval", 300, 36, True, base)
    elif name == "seed-story":
        # calm world (no random campaigns or deficits) except the one known campaign
        calm = replace(
            base,
            campaign_start_prob=dict.fromkeys(base.campaign_start_prob, 0.0),
            deficit_start_prob=0.0,
        )
        scenario = Scenario("seed-story", 60, 30, True, calm, SeedStory(month_index=18))
    elif name == "enterprise":
        scenario = Scenario("enterprise", 4000, 36, False, replace(base, team_size_mean=13.0))
    else:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIO_NAMES)}")
    if teams is not None:
        scenario = replace(scenario, teams=teams)
    if months is not None:
        scenario = replace(scenario, months=months)
        if scenario.seed_story is not None:
            index = min(scenario.seed_story.month_index, max(months - 5, 3))
            scenario = replace(scenario, seed_story=replace(scenario.seed_story, month_index=index))
    if scenario.teams < 1 or scenario.months < 6:
        raise ValueError("a world needs at least 1 team and 6 months")
    return scenario
