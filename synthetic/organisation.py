"""The static organisation: teams, their departments and sizes, and each person's traits.

Nothing here changes over time; :mod:`synthetic.dynamics` moves the state month by month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.parameters import (
    DEPARTMENTS,
    STATUTORY_LEAVE_DAYS,
    STATUTORY_LEAVE_YEARS,
    TEAM_NAME_STEMS,
    WorldParameters,
)

# share of teams per department (order-handling and accounting teams are the largest groups)
DEPARTMENT_WEIGHTS: tuple[float, ...] = (0.25, 0.15, 0.15, 0.15, 0.30)
KANJI_NUMBERS: tuple[str, ...] = ("一", "二", "三", "四", "五", "六", "七", "八", "九")


@dataclass(frozen=True)
class Teams:
    """Per-team constants, arrays of length T."""

    team_ids: np.ndarray  # str
    names: np.ndarray  # str
    department: np.ndarray  # int index into DEPARTMENTS
    target_size: np.ndarray  # int
    capacity: np.ndarray  # items per person-month
    base_volume: np.ndarray  # items per month at normal load
    scheduled_hours: np.ndarray  # hours in a full day
    response_rate: np.ndarray  # pulse-survey response probability
    recognition_base: np.ndarray  # baseline recognition climate (1-5)
    seasonality: np.ndarray  # (T, 12) volume multiplier by calendar month
    overtime_factor: np.ndarray  # department overtime factor
    campaign_prob: np.ndarray  # monthly campaign start probability

    @property
    def count(self) -> int:
        return len(self.team_ids)


@dataclass
class People:
    """Per-person constants, arrays of length P (the pool includes future hires)."""

    mu: np.ndarray  # (P, 3) engagement set points: vigor, dedication, absorption
    overtime_base: np.ndarray  # personal overtime at normal load, h/month
    uptake: np.ndarray  # paid-leave uptake propensity
    company_grant: np.ndarray  # annual_leave_days, NaN = statutory table
    recognition_offset: np.ndarray  # personal offset on the recognition item

    @property
    def count(self) -> int:
        return len(self.overtime_base)


def _team_names(department: np.ndarray) -> np.ndarray:
    """Japanese team names, numbered within each department (経理一課, 経理二課, ...)."""
    names = np.empty(len(department), dtype=object)
    counters = dict.fromkeys(range(len(DEPARTMENTS)), 0)
    for i, dept in enumerate(department.tolist()):
        stems = TEAM_NAME_STEMS[DEPARTMENTS[dept]]
        k = counters[dept]
        counters[dept] += 1
        stem = stems[k % len(stems)]
        number = k // len(stems)
        if number < len(KANJI_NUMBERS):
            names[i] = f"{stem}{KANJI_NUMBERS[number]}課"
        else:
            names[i] = f"{stem}第{number + 1}課"
    return names


def build_teams(n_teams: int, params: WorldParameters, rng: np.random.Generator) -> Teams:
    """Draw the teams: department mix, size, capacity, and the constants of each."""
    width = max(4, len(str(n_teams)))
    team_ids = np.array([f"T{i + 1:0{width}d}" for i in range(n_teams)], dtype=object)
    # departments in fixed proportions, shuffled so neighbouring ids are mixed
    counts = np.floor(np.asarray(DEPARTMENT_WEIGHTS) * n_teams).astype(int)
    counts[np.argsort(-np.asarray(DEPARTMENT_WEIGHTS))[: n_teams - counts.sum()]] += 1
    department = rng.permutation(np.repeat(np.arange(len(DEPARTMENTS)), counts))
    size = 4 + rng.poisson(max(params.team_size_mean - 4.0, 0.0), n_teams)
    dept_names = [DEPARTMENTS[d] for d in department]
    capacity = np.array([params.capacity_per_person[d] for d in dept_names])
    capacity = capacity * rng.lognormal(0.0, 0.1, n_teams)
    base_volume = params.normal_load * capacity * size
    scheduled = rng.choice(
        np.asarray(params.scheduled_hours_choices),
        size=n_teams,
        p=np.asarray(params.scheduled_hours_weights),
    )
    a = params.response_rate_mean * params.response_rate_concentration
    b = (1.0 - params.response_rate_mean) * params.response_rate_concentration
    response_rate = rng.beta(a, b, n_teams)
    recognition_base = np.clip(
        rng.normal(params.recognition_mean, params.recognition_team_sd, n_teams), 2.5, 4.5
    )
    seasonality = np.array([params.seasonality[d] for d in dept_names])
    overtime_factor = np.array([params.overtime_department_factor[d] for d in dept_names])
    campaign_prob = np.array([params.campaign_start_prob[d] for d in dept_names])
    return Teams(
        team_ids=team_ids,
        names=_team_names(department),
        department=department,
        target_size=size,
        capacity=capacity,
        base_volume=base_volume,
        scheduled_hours=scheduled,
        response_rate=response_rate,
        recognition_base=recognition_base,
        seasonality=seasonality,
        overtime_factor=overtime_factor,
        campaign_prob=campaign_prob,
    )


def draw_people(
    n_people: int, overtime_factor: np.ndarray, params: WorldParameters, rng: np.random.Generator
) -> People:
    """Draw personal traits; ``overtime_factor`` is each person's department factor."""
    means = np.array([params.vigor_mean, params.dedication_mean, params.absorption_mean])
    common = rng.standard_normal((n_people, 1))
    specific = rng.standard_normal((n_people, 3))
    share = params.trait_common_share
    mu = means + params.trait_sd * (np.sqrt(share) * common + np.sqrt(1.0 - share) * specific)
    overtime_base = (
        params.overtime_median_hours
        * overtime_factor
        * rng.lognormal(0.0, params.overtime_person_log_sd, n_people)
    )
    a = params.leave_uptake_mean * params.leave_uptake_concentration
    b = (1.0 - params.leave_uptake_mean) * params.leave_uptake_concentration
    uptake = rng.beta(a, b, n_people)
    grants = np.asarray(params.company_grant_days)
    has_grant = rng.random(n_people) < params.company_grant_share
    company_grant = np.where(has_grant, grants[rng.integers(0, len(grants), n_people)], np.nan)
    recognition_offset = rng.normal(0.0, params.recognition_person_sd, n_people)
    return People(mu, overtime_base, uptake, company_grant, recognition_offset)


def statutory_leave_days(tenure_years: np.ndarray) -> np.ndarray:
    """Labor Standards Act art. 39 grant for a given length of service (0 before 6 months)."""
    steps = np.searchsorted(np.asarray(STATUTORY_LEAVE_YEARS), tenure_years, side="right")
    table = np.concatenate([[0.0], np.asarray(STATUTORY_LEAVE_DAYS)])
    return table[steps]
