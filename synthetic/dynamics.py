"""One month of the causal world, shared by the simulation and the truth's re-simulated futures.

Arrays carry a leading *sample* axis: the world itself is one sample (S = 1); the truth runs
hundreds of futures side by side from the same state. Team arrays are (S, T), person arrays
(S, P). Using the same functions for both is what makes ``p_true`` the probability of the
label *in this world*, not in an approximation of it.

The job demands-resources story: volume against staffing sets the load, load drives
overtime, overtime and load make strain, strain wears vigor (and some dedication and
absorption) down; the team's recognition climate holds dedication up; low engagement and
long overtime raise the exit hazard a month later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from synthetic.organisation import People, Teams
from synthetic.parameters import WorldParameters


@dataclass(frozen=True)
class TeamState:
    """Team-level latent state, (S, T) arrays."""

    campaign_left: np.ndarray  # months of campaign still to run, lead month included (0 = none)
    campaign_age: np.ndarray  # months since the campaign was announced (0 = lead month)
    campaign_multiplier: np.ndarray
    deficit_left: np.ndarray  # months of recognition deficit still to run
    deficit_depth: np.ndarray
    recognition: np.ndarray  # current recognition climate (1-5)
    buffer_left: np.ndarray  # months of an HR workload buffer still to run (0 = none)
    boost_left: np.ndarray  # months of an HR recognition boost still to run (0 = none)

    def tile(self, samples: int) -> TeamState:
        """The same state repeated for ``samples`` futures (from a one-sample state)."""
        return TeamState(*(np.repeat(a[:1], samples, axis=0) for a in self.arrays()))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self.campaign_left,
            self.campaign_age,
            self.campaign_multiplier,
            self.deficit_left,
            self.deficit_depth,
            self.recognition,
            self.buffer_left,
            self.boost_left,
        )

    def with_interventions(self, buffer: np.ndarray, boost: np.ndarray, months: int) -> TeamState:
        """The state with buffers and boosts starting where the (S, T) masks say."""
        return replace(
            self,
            buffer_left=np.where(buffer, months, self.buffer_left),
            boost_left=np.where(boost, months, self.boost_left),
        )


@dataclass(frozen=True)
class PersonState:
    """Person-level latent state at the start of a month, (S, P) arrays."""

    active: np.ndarray  # employed
    team: np.ndarray  # int team index
    tenure: np.ndarray  # whole months since hire
    transient: np.ndarray  # (3, S, P) AR(1) deviations of vigor, dedication, absorption
    strain: np.ndarray  # smoothed job-demand strain
    overtime_last: np.ndarray  # overtime of the previous month
    overtime_before: np.ndarray  # overtime two months back
    engagement: np.ndarray  # latent engagement (mean of the three) of the previous month


@dataclass(frozen=True)
class TeamMonth:
    """What the team layer produced for one month."""

    volume: np.ndarray
    load: np.ndarray
    campaign_on: np.ndarray
    deficit_on: np.ndarray
    recognition: np.ndarray


def gather(team_values: np.ndarray, team: np.ndarray) -> np.ndarray:
    """Per-person view of an (S, T) team array."""
    return np.take_along_axis(team_values, team, axis=1)


def team_sum(values: np.ndarray, team: np.ndarray, n_teams: int) -> np.ndarray:
    """Sum of (S, P) person values per (S, T) team; a boolean mask counts its members."""
    samples = team.shape[0]
    if values.dtype == bool:
        flat = np.flatnonzero(values)
        return count_by_team(flat, team, n_teams, samples)
    index = (np.arange(samples)[:, None] * n_teams + team).ravel()
    sums = np.bincount(index, weights=values.ravel().astype(float), minlength=samples * n_teams)
    return sums.reshape(samples, n_teams)


def count_by_team(
    flat: np.ndarray,
    team: np.ndarray,
    n_teams: int,
    samples: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per (S, T) team: count (or weighted sum) of the entries at ``flat`` indices of (S, P)."""
    people = team.shape[1]
    index = (flat // people) * n_teams + team.ravel()[flat]
    sums = np.bincount(index, weights=weights, minlength=samples * n_teams)
    return sums.reshape(samples, n_teams).astype(float)


def initial_team_state(teams: Teams) -> TeamState:
    """Calm start: no campaign, no deficit, every climate at its baseline."""
    shape = (1, teams.count)
    return TeamState(
        campaign_left=np.zeros(shape, dtype=np.int64),
        campaign_age=np.zeros(shape, dtype=np.int64),
        campaign_multiplier=np.ones(shape),
        deficit_left=np.zeros(shape, dtype=np.int64),
        deficit_depth=np.zeros(shape),
        recognition=teams.recognition_base[None, :].astype(float).copy(),
        buffer_left=np.zeros(shape, dtype=np.int64),
        boost_left=np.zeros(shape, dtype=np.int64),
    )


def advance_teams(
    state: TeamState,
    teams: Teams,
    params: WorldParameters,
    calendar_month: int,
    staff: np.ndarray,
    rng: np.random.Generator,
    forced_campaign: np.ndarray | None = None,
    forced_multiplier: float = 2.0,
    forced_months: int = 3,
    intervention_effect: float = 1.0,
) -> tuple[TeamState, TeamMonth]:
    """Campaigns start and run, deficits drift, volume arrives: this month's team layer.

    A random campaign is announced a month ahead: in its lead month the front office's
    pre-orders already lift volume by ``campaign_lead_share`` of the full rise. A forced
    campaign (the seed story) hits at full strength at once. HR's interventions (a buffer,
    a recognition boost) act while their months run, scaled by ``intervention_effect``
    (0: planted with no effect at all). They draw no random number, so a world with and
    without them shares every draw.
    """
    shape = state.campaign_left.shape
    idle = state.campaign_left == 0
    start = idle & (rng.random(shape) < teams.campaign_prob)
    lo, hi = params.campaign_multiplier_range
    multiplier = np.where(start, rng.uniform(lo, hi, shape), state.campaign_multiplier)
    months_lo, months_hi = params.campaign_months_range
    weights = np.cumsum(params.campaign_months_weights)
    pick = np.searchsorted(weights / weights[-1], rng.random(shape), side="right")
    duration = months_lo + np.minimum(pick, months_hi - months_lo) + 1  # + the lead month
    left = np.where(start, duration, state.campaign_left)
    age = np.where(start, 0, state.campaign_age)
    if forced_campaign is not None:
        multiplier = np.where(forced_campaign, forced_multiplier, multiplier)
        left = np.where(forced_campaign, forced_months, left)
        age = np.where(forced_campaign, 1, age)
    campaign_on = left > 0
    lead = campaign_on & (age == 0)
    multiplier_now = np.where(
        lead, 1.0 + params.campaign_lead_share * (multiplier - 1.0), multiplier
    )

    no_deficit = state.deficit_left == 0
    deficit_start = no_deficit & (rng.random(shape) < params.deficit_start_prob)
    d_lo, d_hi = params.deficit_depth_range
    depth = np.where(deficit_start, rng.uniform(d_lo, d_hi, shape), state.deficit_depth)
    m_lo, m_hi = params.deficit_months_range
    deficit_left = np.where(deficit_start, rng.integers(m_lo, m_hi + 1, shape), state.deficit_left)
    deficit_on = deficit_left > 0
    # an HR recognition boost (peer bonus, visible thanks) lifts the climate's target
    boost = np.where(state.boost_left > 0, params.recognition_boost * intervention_effect, 0.0)
    target = teams.recognition_base - np.where(deficit_on, depth, 0.0) + boost
    recognition = state.recognition + params.recognition_adjust_rate * (target - state.recognition)

    noise = np.exp(rng.normal(0.0, params.volume_noise_sd, shape))
    season = teams.seasonality[:, calendar_month - 1]
    volume = teams.base_volume * season * np.where(campaign_on, multiplier_now, 1.0) * noise
    # an HR workload buffer (temporary staff, deferred work) takes part of the load off
    relief = np.where(
        state.buffer_left > 0, 1.0 - params.buffer_load_relief * intervention_effect, 1.0
    )
    load = volume * relief / (np.maximum(staff, 1) * teams.capacity)

    next_state = TeamState(
        campaign_left=np.maximum(left - 1, 0),
        campaign_age=age + 1,
        campaign_multiplier=multiplier,
        deficit_left=np.maximum(deficit_left - 1, 0),
        deficit_depth=depth,
        recognition=recognition,
        buffer_left=np.maximum(state.buffer_left - 1, 0),
        boost_left=np.maximum(state.boost_left - 1, 0),
    )
    return next_state, TeamMonth(volume, load, campaign_on, deficit_on, recognition)


def draw_exits(
    state: PersonState, params: WorldParameters, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """This month's exits, from last month's engagement and overtime (the lag).

    Returns (voluntary, other) masks; ``other`` are involuntary exits and retirements.
    """
    eligible = state.active & (state.tenure >= params.exit_min_tenure_months)
    population_mean = (params.vigor_mean + params.dedication_mean + params.absorption_mean) / 3
    recent_overtime = 0.5 * (state.overtime_last + state.overtime_before)
    log_hazard = (
        params.exit_engagement_effect * (population_mean - state.engagement)
        + params.exit_overtime_effect * np.maximum(recent_overtime - 45.0, 0.0) / 45.0
    )
    p_voluntary = 1.0 - np.exp(-params.voluntary_hazard_base * np.exp(log_hazard))
    p_other = params.involuntary_hazard + params.retirement_hazard
    u = rng.random(state.active.shape, dtype=np.float32)
    voluntary = eligible & (u < p_voluntary)
    other = eligible & ~voluntary & (u < p_voluntary + p_other)
    return voluntary, other


def work_month(
    state: PersonState,
    people: People,
    person_index: np.ndarray,
    team_month: TeamMonth,
    teams: Teams,
    params: WorldParameters,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Overtime, strain and latent engagement of every person this month.

    ``person_index`` maps the state's P columns to rows of ``people``. Returns
    (overtime (S, P), strain (S, P), latent (3, S, P), transient (3, S, P)); the latent
    sub-scales are vigor, dedication, absorption. Person arrays are float32: the truth runs
    hundreds of futures of everyone, and halving the memory traffic halves its cost.
    """
    shape = state.active.shape
    f32 = np.float32
    load = gather(team_month.load, state.team).astype(f32)
    log_overtime = f32(params.overtime_load_sensitivity) * (load - f32(params.normal_load))
    log_overtime += f32(params.overtime_month_log_sd) * rng.standard_normal(shape, dtype=f32)
    overtime = people.overtime_base[person_index].astype(f32) * np.exp(log_overtime)
    np.minimum(overtime, f32(params.overtime_cap_hours), out=overtime)
    strain_now = np.maximum(load - f32(1.0), f32(0.0))
    strain_now += np.maximum(overtime - f32(45.0), f32(0.0)) / f32(45.0)
    strain = f32(1.0 - params.strain_memory) * strain_now + f32(params.strain_memory) * state.strain

    # innovations share a common part (a good or bad month touches all three sub-scales)
    shocks = rng.standard_normal((4, *shape), dtype=f32)
    common = f32(np.sqrt(params.transient_common_share))
    specific = f32(np.sqrt(1.0 - params.transient_common_share))
    innovation = common * shocks[:1] + specific * shocks[1:]
    transient = f32(params.transient_ar) * state.transient
    transient += f32(params.transient_innovation_sd) * innovation
    demand = np.array(
        [params.vigor_per_strain, params.dedication_per_strain, params.absorption_per_strain],
        dtype=f32,
    )
    resource = np.array(
        [
            params.vigor_per_recognition,
            params.dedication_per_recognition,
            params.absorption_per_recognition,
        ],
        dtype=f32,
    )
    gap = np.maximum(teams.recognition_base[None, :] - team_month.recognition, 0.0)
    latent = transient + people.mu.T[:, person_index].astype(f32)
    latent -= demand[:, None, None] * strain[None]
    if gap.any():
        latent -= resource[:, None, None] * gather(gap, state.team).astype(f32)[None]
    return overtime, strain, latent, transient


def observe_responses(
    latent: np.ndarray, respond: np.ndarray, params: WorldParameters, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Observed sub-scale scores of the responders: mean of three 0-6 items (multiples of 1/3).

    ``latent`` is (3, S, P). Returns (flat indices of the responders in the (S, P) grid,
    scores (R, 3)), rounded to two
    decimals as a survey tool exports them.
    """
    where = np.flatnonzero(respond)
    values = latent.reshape(3, -1)[:, where]
    values = values + np.float32(params.item_noise_sd) * rng.standard_normal(
        values.shape, dtype=np.float32
    )
    scores = np.clip(np.round(values * np.float32(3.0)) / np.float32(3.0), 0.0, 6.0)
    return where, np.round(scores.T.astype(np.float64), 2)


def responders(
    state: PersonState,
    leaving: np.ndarray,
    teams: Teams,
    params: WorldParameters,
    rng: np.random.Generator,
) -> np.ndarray:
    """Who answers this month's pulse: panel members (past onboarding) who are not leaving."""
    panel = state.active & ~leaving & (state.tenure >= params.survey_min_tenure_months)
    rate = teams.response_rate[state.team]
    return panel & (rng.random(state.active.shape, dtype=np.float32) < rate)


def draw_transfers(
    state: PersonState, teams: Teams, params: WorldParameters, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """定期異動: a share of long-serving staff move to another team of the same department.

    Returns (new team (S, P), moved mask).
    """
    order = np.argsort(teams.department, kind="stable")
    dept_sorted = teams.department[order]
    n_depts = int(teams.department.max()) + 1 if teams.count else 0
    starts = np.searchsorted(dept_sorted, np.arange(n_depts), side="left")
    sizes = np.bincount(teams.department, minlength=n_depts)
    position = np.empty(teams.count, dtype=np.int64)
    position[order] = np.arange(teams.count)

    dept = teams.department[state.team]
    movable = (
        state.active & (state.tenure >= params.transfer_min_tenure_months) & (sizes[dept] >= 2)
    )
    moved = movable & (rng.random(state.active.shape) < params.transfer_share)
    pick = np.floor(rng.random(state.active.shape) * np.maximum(sizes[dept] - 1, 1)).astype(
        np.int64
    )
    slot = starts[dept] + pick
    slot = np.where(slot >= position[state.team], slot + 1, slot)
    slot = np.minimum(slot, teams.count - 1)
    new_team = np.where(moved, order[slot], state.team)
    return new_team, moved


def next_person_state(
    state: PersonState,
    leaving: np.ndarray,
    overtime: np.ndarray,
    strain: np.ndarray,
    latent: np.ndarray,
    transient: np.ndarray,
) -> PersonState:
    """The state at the start of next month."""
    engagement = (latent[0] + latent[1] + latent[2]) / np.float32(3.0)
    return replace(
        state,
        active=state.active & ~leaving,
        tenure=state.tenure + 1,
        transient=transient,
        strain=strain,
        overtime_last=overtime,
        overtime_before=state.overtime_last,
        engagement=engagement,
    )
