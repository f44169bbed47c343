"""The default world's marginals sit inside the published ranges (shared/world-parameters.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthetic.organisation import statutory_leave_days
from tests.synthetic.conftest import Generated


def _overtime_per_employee_month(generated: Generated) -> pd.DataFrame:
    sheets = generated.tables.timesheets
    overtime = (sheets["worked_hours"] - sheets["scheduled_hours"]).clip(lower=0)
    frame = pd.DataFrame(
        {
            "employee_id": sheets["employee_id"],
            "month": sheets["work_date"].dt.strftime("%Y-%m"),
            "overtime": overtime,
        }
    )
    per = frame.groupby(["employee_id", "month"]).agg(
        overtime=("overtime", "sum"), days=("overtime", "size")
    )
    return per.reset_index()


def test_full_time_overtime_mean_is_in_range_and_right_skewed(default_world: Generated) -> None:
    # given employee-months worked in full (>= 15 days)
    per = _overtime_per_employee_month(default_world)
    full = per.loc[per["days"] >= 15, "overtime"]
    # when / then: [WP: overtime, full-time staff] mean 10-20 h, long right tail
    assert 10.0 <= full.mean() <= 20.0
    assert full.mean() > full.median()
    assert full.skew() > 1.0


def test_shocks_push_some_teams_over_the_45_hour_line(default_world: Generated) -> None:
    # given overtime per member per team-month, members placed by their current team
    per = _overtime_per_employee_month(default_world)
    teams = default_world.tables.employees[["employee_id", "team_id"]]
    team_means = per.merge(teams, on="employee_id").groupby(["team_id", "month"])["overtime"]
    means = team_means.mean()
    # when / then: some team-months break the line, most stay well under it
    assert (means > 45.0).sum() >= 3
    assert (means > 45.0).mean() < 0.1


def _fiscal_year_uptake(generated: Generated) -> tuple[np.ndarray, np.ndarray]:
    """Granted and taken paid-leave days of everyone present a whole fiscal year."""
    employees = generated.tables.employees
    leave = generated.tables.leave
    dates = generated.tables.timesheets["work_date"]
    granted_all, taken_all = [], []
    for year in range(2020, 2030):
        start, end = pd.Timestamp(f"{year}-04-01"), pd.Timestamp(f"{year + 1}-03-31")
        if start < dates.min() or end > dates.max():
            continue
        present = employees.loc[
            (employees["hire_date"] <= start - pd.Timedelta(days=183))
            & ~(employees["exit_date"] <= end).fillna(False)
        ]
        in_year = leave.loc[
            (leave["leave_date"] >= start)
            & (leave["leave_date"] <= end)
            & (leave["leave_type"] == "annual_paid")
        ]
        taken = in_year.groupby("employee_id")["days"].sum()
        taken = taken.reindex(present["employee_id"]).fillna(0.0).to_numpy()
        tenure = ((start - present["hire_date"]).dt.days / 365.25).to_numpy()
        grant = present["annual_leave_days"].to_numpy()
        granted = np.where(np.isnan(grant), statutory_leave_days(tenure), grant)
        granted_all.append(granted)
        taken_all.append(taken)
    return np.concatenate(granted_all), np.concatenate(taken_all)


def test_paid_leave_uptake_grant_and_floor(default_world: Generated) -> None:
    # given a full fiscal year of the default world
    granted, taken = _fiscal_year_uptake(default_world)
    # when
    uptake = taken.sum() / granted.sum()
    # then: [WP: paid leave uptake rate] 0.55-0.75; [WP: granted] mean ~17 days
    assert 0.55 <= uptake <= 0.75
    assert 15.0 <= granted.mean() <= 19.0
    # and [WP: legal floor on leave] most of those granted >= 10 days take >= 5
    assert (taken[granted >= 10] >= 5).mean() >= 0.85


def test_both_grant_sources_are_exercised(default_world: Generated) -> None:
    # given / when
    grants = default_world.tables.employees["annual_leave_days"]
    # then: some employees carry a company grant, the others rely on the statutory table
    assert 0.2 < grants.notna().mean() < 0.6


@pytest.mark.parametrize(
    ("years", "days"), [(0.2, 0.0), (0.5, 10.0), (1.5, 11.0), (3.5, 14.0), (6.5, 20.0), (30, 20.0)]
)
def test_statutory_table_by_tenure(years: float, days: float) -> None:
    # given / when / then: Labor Standards Act art. 39
    assert statutory_leave_days(np.array([years]))[0] == days


def test_annual_separation_rate(default_world: Generated) -> None:
    # given the average headcount over the window
    employees = default_world.tables.employees
    sheets = default_world.tables.timesheets
    months = sheets["work_date"].dt.strftime("%Y-%m")
    headcount = sheets.groupby(months)["employee_id"].nunique().mean()
    n_months = months.nunique()
    # when
    exits = employees["exit_date"].notna().sum()
    voluntary = (employees["exit_reason"] == "voluntary").sum()
    annual = exits / headcount * 12 / n_months
    # then: [WP: annual separation rate] 8-15% a year, voluntary most of it
    assert 0.08 <= annual <= 0.15
    assert voluntary / exits > 0.6


def test_engagement_means_near_the_japanese_figures(default_world: Generated) -> None:
    # given all pulse responses
    surveys = default_world.tables.surveys
    means = surveys[["vigor", "dedication", "absorption"]].mean()
    # when
    overall = means.mean()
    # then: [WP: work engagement] overall ~3.4, vigor lowest, dedication highest, sd ~1
    assert 3.2 <= overall <= 3.6
    assert means["vigor"] < means["absorption"] < means["dedication"]
    assert 0.8 <= surveys["vigor"].std() <= 1.2
    assert surveys[["vigor", "dedication", "absorption"]].stack().between(0, 6).all()
    assert surveys["recognition"].between(1, 5).all()


def test_responses_are_incomplete_and_some_teams_fall_below_five(default_world: Generated) -> None:
    # given responses per team-month and members per team-month
    surveys = default_world.tables.surveys
    counts = surveys.groupby(["team_id", surveys["survey_date"].dt.strftime("%Y-%m")]).size()
    world = default_world.world
    members = sum(int(record.active.sum()) for record in world.records)
    # when / then: a response rate under 100%, and small teams under the 5-respondent floor
    assert len(surveys) / members < 0.95
    assert 0.01 < (counts < 5).mean() < 0.3


def test_engagement_is_stable_over_two_months(default_world: Generated) -> None:
    # given each respondent's engagement, month by month (persons are known inside the world)
    world = default_world.world
    by_month = []
    for record in world.records:
        series = pd.Series(record.scores.mean(axis=1), index=record.respondent)
        by_month.append(series)
    # when: correlate month m with month m+2 for people who answered both
    pairs = [
        pd.concat([by_month[m], by_month[m + 2]], axis=1, join="inner")
        for m in range(len(by_month) - 2)
    ]
    stacked = pd.concat(pairs)
    correlation = stacked.corr().iloc[0, 1]
    # then: [WP: engagement stability] 2-month retest ~0.66
    assert 0.55 <= correlation <= 0.8
