"""The seed story: a campaign doubles the work of logistics-admin and accounting teams."""

from __future__ import annotations

import pandas as pd
import pytest

from synthetic.parameters import DEPARTMENTS
from synthetic.truth import campaigns_frame
from tests.synthetic.conftest import Generated, generate


@pytest.fixture(scope="module")
def seed_story() -> Generated:
    return generate("seed-story", seed=5, teams=20, months=18, truth=True)


def test_the_campaign_hits_the_named_departments_in_the_known_month(seed_story: Generated) -> None:
    # given
    world = seed_story.world
    story_month = world.scenario.seed_story_month()
    campaigns = campaigns_frame(world)
    # when
    hit = set(campaigns.loc[campaigns["seed_story"], "team_id"])
    departments = {DEPARTMENTS[d] for d in world.teams.department[world.seed_story_teams]}
    # then: every campaign is the story's, in its month, on exactly those departments' teams
    assert campaigns["seed_story"].all()
    assert (campaigns["start_month"] == story_month).all()
    assert departments == {"logistics_admin", "accounting"}
    expected = set(world.teams.team_ids[world.seed_story_teams])
    assert hit == expected
    in_departments = set(
        world.teams.team_ids[
            pd.Series([DEPARTMENTS[d] for d in world.teams.department]).isin(
                ["logistics_admin", "accounting"]
            )
        ]
    )
    assert hit == in_departments


def test_hit_teams_carry_the_workload_driver_and_the_risk(seed_story: Generated) -> None:
    # given
    truth = seed_story.truth
    world = seed_story.world
    story_month = world.scenario.seed_story_month()
    hit = set(world.teams.team_ids[world.seed_story_teams])
    at_start = truth.loc[truth["month"] == story_month]
    # when
    hit_rows = at_start.loc[at_start["team_id"].isin(hit)]
    calm_rows = truth.loc[~truth["team_id"].isin(hit)]
    # then: the hit teams are planted `workload` and far riskier than the untouched ones
    assert (hit_rows["driver"] == "workload").all()
    assert hit_rows["p_true"].mean() > 5 * calm_rows["p_true"].mean()
    assert (calm_rows["driver"] == "none").mean() > 0.95


def test_hit_teams_overtime_jumps_untouched_teams_stay_calm(seed_story: Generated) -> None:
    # given overtime per member, per team and month
    tables = seed_story.tables
    sheets = tables.timesheets
    frame = pd.DataFrame(
        {
            "employee_id": sheets["employee_id"],
            "month": sheets["work_date"].dt.strftime("%Y-%m"),
            "overtime": (sheets["worked_hours"] - sheets["scheduled_hours"]).clip(lower=0),
        }
    ).merge(tables.employees[["employee_id", "team_id"]], on="employee_id")
    per_member = frame.groupby(["team_id", "month", "employee_id"])["overtime"].sum()
    team_month = per_member.groupby(["team_id", "month"]).mean().unstack()
    world = seed_story.world
    hit = world.teams.team_ids[world.seed_story_teams]
    story_month = world.scenario.seed_story_month()
    before = team_month.columns[team_month.columns < story_month][-1]
    # when
    jump = team_month.loc[hit, story_month] / team_month.loc[hit, before]
    calm = team_month.drop(index=hit)
    # then: the story's teams at least double their overtime; the others never pass 45 h
    assert (jump > 2.0).mean() >= 0.8
    assert (calm.max(axis=1) < 45.0).all()
