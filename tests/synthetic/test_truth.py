"""The ground truth: shape, a real spread of risk, and planted drivers visible in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.labels import LabelConfig, label_team_months
from synthetic.build import RandomStreams, build_world
from synthetic.scenarios import build_scenario
from synthetic.truth import DRIVERS, campaigns_frame, known_at_month, team_month_truth
from tests.synthetic.conftest import Generated


def test_truth_has_one_row_per_team_month(small_world_with_truth: Generated) -> None:
    # given
    truth = small_world_with_truth.truth
    world = small_world_with_truth.world
    # when / then
    assert list(truth.columns) == ["team_id", "month", "driver", "p_true", "label_config_hash"]
    assert len(truth) == world.teams.count * len(world.calendar.months)
    assert not truth.duplicated(["team_id", "month"]).any()
    assert truth["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert set(truth["driver"]) <= set(DRIVERS)
    assert truth["p_true"].between(0.0, 1.0).all()
    assert (truth["label_config_hash"] == LabelConfig().config_hash()).all()


def test_the_truth_reads_what_the_label_reads_from_the_tables(
    small_world_with_truth: Generated,
) -> None:
    # given the label computed from the exported tables and the truth's view of the world
    world = small_world_with_truth.world
    labels = label_team_months(small_world_with_truth.tables)
    known = known_at_month(world, LabelConfig())
    n_months, n_teams = known.headcount.shape
    index = pd.MultiIndex.from_arrays(
        [np.repeat(world.calendar.months, n_teams), np.tile(world.teams.team_ids, n_months)]
    )
    table = labels.set_index(["month", "team_id"]).reindex(index)
    # when / then: the same baseline, headcount and exit rate at every team-month
    np.testing.assert_array_equal(table["baseline_n"], known.baseline[0].ravel())
    np.testing.assert_allclose(table["baseline_mean"], known.baseline[1].ravel(), rtol=1e-9)
    np.testing.assert_array_equal(table["headcount"], known.headcount.ravel())
    np.testing.assert_allclose(table["exit_rate"], np.repeat(known.exit_rate, n_teams), rtol=1e-12)


def test_p_true_has_a_spread_and_tracks_the_label(small_world_with_truth: Generated) -> None:
    # given the labels computed from the world's own tables
    truth = small_world_with_truth.truth
    labels = label_team_months(small_world_with_truth.tables)
    merged = labels.merge(truth, on=["team_id", "month"])
    known = merged.loc[merged["label"].notna()]
    # when
    positive = known.loc[known["label"] == 1, "p_true"]
    negative = known.loc[known["label"] == 0, "p_true"]
    # then: not all near zero, and higher where the decline did happen
    assert truth["p_true"].quantile(0.99) > 0.3
    assert truth["p_true"].std() > 0.03
    assert positive.mean() > 2 * negative.mean()


def test_p_true_is_calibrated_against_the_label(small_world_with_truth: Generated) -> None:
    # given the labels of the world
    truth = small_world_with_truth.truth
    labels = label_team_months(small_world_with_truth.tables)
    known = labels.merge(truth, on=["team_id", "month"]).dropna(subset=["label"])
    # when: expected positives under p_true against the observed ones
    expected = known["p_true"].sum()
    observed = float(known["label"].astype(float).sum())
    spread = np.sqrt((known["p_true"] * (1 - known["p_true"])).sum())
    # then: within four standard deviations of the binomial-sum noise
    assert abs(observed - expected) < 4 * spread + 1


def test_truth_does_not_change_the_tables() -> None:
    # given the same scenario and seed, simulated with and without the truth's states
    spec = build_scenario("default", teams=6, months=8)
    with_states = build_world(spec, RandomStreams.from_seed(3), keep_states=True)
    without = build_world(spec, RandomStreams.from_seed(3), keep_states=False)
    # when / then: the monthly facts are identical
    np.testing.assert_array_equal(with_states.volume, without.volume)
    np.testing.assert_array_equal(with_states.exit_day, without.exit_day)
    assert not without.person_states


def test_truth_is_deterministic() -> None:
    # given two runs of the truth from the same seed
    spec = build_scenario("default", teams=5, months=7)
    first_streams, second_streams = RandomStreams.from_seed(11), RandomStreams.from_seed(11)
    first = team_month_truth(build_world(spec, first_streams, True), first_streams.truth)
    second = team_month_truth(build_world(spec, second_streams, True), second_streams.truth)
    # when / then
    pd.testing.assert_frame_equal(first, second)


def _team_month_facts(generated: Generated) -> pd.DataFrame:
    """Observable overtime and recognition per team-month, with the planted driver."""
    tables = generated.tables
    sheets = tables.timesheets
    overtime = (sheets["worked_hours"] - sheets["scheduled_hours"]).clip(lower=0)
    per_person = (
        pd.DataFrame(
            {
                "employee_id": sheets["employee_id"],
                "month": sheets["work_date"].dt.strftime("%Y-%m"),
                "overtime": overtime,
            }
        )
        .groupby(["employee_id", "month"], as_index=False)["overtime"]
        .sum()
    )
    members = tables.employees[["employee_id", "team_id"]]
    overtime_team = (
        per_person.merge(members, on="employee_id")
        .groupby(["team_id", "month"], as_index=False)["overtime"]
        .mean()
    )
    surveys = tables.surveys.assign(month=tables.surveys["survey_date"].dt.strftime("%Y-%m"))
    recognition = surveys.groupby(["team_id", "month"], as_index=False)[
        ["recognition", "dedication"]
    ].mean()
    facts = overtime_team.merge(recognition, on=["team_id", "month"], how="left")
    return facts.merge(generated.truth, on=["team_id", "month"])


def test_planted_drivers_show_in_the_observable_tables(small_world_with_truth: Generated) -> None:
    # given observable team-month facts next to the planted driver
    facts = _team_month_facts(small_world_with_truth)
    by_driver = facts.groupby("driver")[["overtime", "recognition", "dedication"]].mean()
    # when / then: workload teams work longer hours; recognition teams feel less recognised
    # and less dedicated while their hours stay normal
    assert {"none", "workload", "recognition"} <= set(by_driver.index)
    assert by_driver.loc["workload", "overtime"] > 1.5 * by_driver.loc["none", "overtime"]
    assert by_driver.loc["recognition", "recognition"] < by_driver.loc["none", "recognition"] - 0.3
    assert by_driver.loc["recognition", "dedication"] < by_driver.loc["none", "dedication"] - 0.3
    assert by_driver.loc["recognition", "overtime"] < 1.3 * by_driver.loc["none", "overtime"]


def test_a_campaigns_booked_orders_show_in_the_backlog_from_its_announcement(
    default_world: Generated,
) -> None:
    # given every campaign that ends inside the window (lead month included in `months`)
    world = default_world.world
    campaigns = campaigns_frame(world)
    start = np.array([world.calendar.months.index(m) for m in campaigns["start_month"]])
    team = np.array([world.teams.team_ids.tolist().index(t) for t in campaigns["team_id"]])
    months = campaigns["months"].to_numpy()
    inside = (start >= 1) & (start + months < len(world.calendar.months)) & (months <= 5)
    start, team, months = start[inside], team[inside], months[inside]
    base = world.teams.base_volume[team]
    # when the backlog is read in months of the team's normal volume
    before = world.backlog[start - 1, team] / base
    announced = world.backlog[start, team] / base
    # then the announcement books the campaign's orders: the backlog jumps, and by more
    # for a longer campaign (what a planner knows, the data now show)
    assert len(start) >= 20
    assert (announced > before).mean() > 0.95
    by_length = pd.Series(announced).groupby(months).mean()
    assert by_length.is_monotonic_increasing
    assert pd.Series(announced).corr(pd.Series(months), method="spearman") > 0.7
