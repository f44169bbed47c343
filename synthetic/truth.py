"""Ground truth: the planted driver and ``p_true`` of every team-month.

``p_true`` is the probability that label v2 (:mod:`features.labels`) fires for team t at
month M *given the world's full latent state at M's end*. What is known at M is taken as
observed: the team's 12-month survey baseline (M-11..M), its headcount at M's last day and
the organisation's trailing voluntary-exit rate. The post window and the exits of M+1..M+H
are re-simulated, hundreds of times, with the very functions that produced the world
(:mod:`synthetic.dynamics`), and each future is judged by the label module's own rules
(:func:`~features.labels.survey_decline_fires`, :func:`~features.labels.exit_cluster_fires`).
Campaigns and recognition deficits that have not started by M are unknown at M, so the
futures draw them at the scenario's rates, exactly as the world did; an ongoing campaign or
deficit keeps running. No model can beat ``p_true`` on average: its AUC is the oracle
ceiling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from features.labels import (
    LabelConfig,
    exit_cluster_fires,
    exit_expected,
    survey_decline_fires,
    survey_windows,
    trailing_exit_rate,
    window_stats,
)
from synthetic.dynamics import (
    PersonState,
    TeamState,
    advance_teams,
    count_by_team,
    draw_exits,
    draw_transfers,
    next_person_state,
    observe_responses,
    responders,
    team_sum,
    work_month,
)
from synthetic.world import VOLUNTARY, World

DRIVERS: tuple[str, ...] = ("none", "workload", "recognition", "both")
# futures x people simulated at once; bounds memory at a few hundred MB
_BATCH_CELLS = 1_500_000


def monthly_survey_sums(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed responses per (month, team): count, sum and sum of squares of engagement."""
    n_months, n_teams = len(world.records), world.teams.count
    count = np.zeros((n_months, n_teams))
    total = np.zeros((n_months, n_teams))
    total_sq = np.zeros((n_months, n_teams))
    for m, record in enumerate(world.records):
        team = record.team[record.respondent]
        engagement = record.scores.mean(axis=1)
        count[m] = np.bincount(team, minlength=n_teams)
        total[m] = np.bincount(team, weights=engagement, minlength=n_teams)
        total_sq[m] = np.bincount(team, weights=engagement**2, minlength=n_teams)
    return count, total, total_sq


def planted_driver(world: World) -> np.ndarray:
    """(M, T) driver codes: workload while a campaign runs or load is far over capacity,
    recognition while a deficit is on (or its climate gap is still large), both, or none."""
    params = world.scenario.params
    workload = world.campaign_on | (world.load >= params.driver_load_threshold)
    gap = world.teams.recognition_base[None, :] - world.recognition
    recognition = world.deficit_on | (gap >= 0.5)
    return workload.astype(np.int64) + 2 * recognition.astype(np.int64)


@dataclass(frozen=True)
class KnownAtMonth:
    """What label v2 reads from data dated on or before M's last day, per month and team.

    ``baseline`` is (n, mean, var) of the responses of M-11..M, ``headcount`` the members at
    M's last day, ``exit_rate`` the organisation's trailing voluntary-exit rate r; all are
    (months, teams) arrays except ``exit_rate`` (months,). The label computes the same
    figures from the exported tables (a test checks they agree).
    """

    baseline: tuple[np.ndarray, np.ndarray, np.ndarray]
    headcount: np.ndarray
    exit_rate: np.ndarray


def known_at_month(world: World, config: LabelConfig) -> KnownAtMonth:
    """The observed parts of the label at every month of the world (see :class:`KnownAtMonth`)."""
    count, total, total_sq = monthly_survey_sums(world)
    n_months = count.shape[0]
    columns = np.arange(n_months)
    (base_n, base_mean, base_var), _post = survey_windows(
        count.T, total.T, total_sq.T, columns, config
    )
    last_day = world.calendar.last_day
    first_day = world.calendar.first_day
    employed = (world.hire_day[None, :] <= last_day[:, None]) & (
        world.exit_day[None, :] > last_day[:, None]
    )
    voluntary = world.exit_reason == VOLUNTARY
    exits = np.array(
        [
            int((voluntary & (world.exit_day >= lo) & (world.exit_day <= hi)).sum())
            for lo, hi in zip(first_day, last_day, strict=True)
        ]
    )
    headcount = np.stack(
        [
            np.bincount(s.team[0, s.active[0]], minlength=world.teams.count)
            for s in world.person_states
        ]
    )
    return KnownAtMonth(
        baseline=(base_n.T, base_mean.T, base_var.T),
        headcount=headcount,
        exit_rate=trailing_exit_rate(exits, employed.sum(axis=1), config),
    )


@dataclass(frozen=True)
class FutureMonth:
    """One re-simulated month of ``size`` futures: who was where, and what happened."""

    state: PersonState  # the people during the month (before leavers leave)
    voluntary: np.ndarray  # (S, P) voluntary exits this month
    overtime: np.ndarray  # (S, P) overtime hours
    latent: np.ndarray  # (3, S, P) latent vigor, dedication, absorption
    answered: np.ndarray  # flat indices into (S, P) of this month's responses
    scores: np.ndarray  # (R, 3) their observed scores


def _futures(
    world: World,
    m: int,
    size: int,
    months: int,
    team_state0: TeamState,
    rng: np.random.Generator,
    only_team: int | None = None,
) -> Iterator[FutureMonth]:
    """``size`` futures of months m+1..m+``months`` from the world's state at m's end, run
    by the very functions that produced the world (HR starts no new intervention in them).
    ``only_team``: simulate that team's people alone (its outcomes do not depend on the
    others' people; other teams then only fill their vacancies)."""
    params = world.scenario.params
    teams = world.teams
    n_teams = teams.count
    start: PersonState = world.person_states[m]
    members = start.active[0] & ((start.team[0] == only_team) if only_team is not None else True)
    alive = np.flatnonzero(members)
    state = PersonState(
        active=np.repeat(start.active[:, alive], size, axis=0),
        team=np.repeat(start.team[:, alive], size, axis=0),
        tenure=np.repeat(start.tenure[:, alive], size, axis=0),
        transient=np.repeat(start.transient[:, :, alive], size, axis=1),
        strain=np.repeat(start.strain[:, alive], size, axis=0),
        overtime_last=np.repeat(start.overtime_last[:, alive], size, axis=0),
        overtime_before=np.repeat(start.overtime_before[:, alive], size, axis=0),
        engagement=np.repeat(start.engagement[:, alive], size, axis=0),
    )
    team_state = team_state0.tile(size)
    newcomers = np.zeros((size, n_teams))
    index = alive[None, :]
    first_cm = int(world.calendar.calendar_month[m])
    for k in range(1, months + 1):
        cm = (first_cm - 1 + k) % 12 + 1
        staff = team_sum(state.active.astype(float), state.team, n_teams)
        vacancies = np.maximum(teams.target_size - staff - newcomers, 0).astype(np.int64)
        newcomers = newcomers + rng.binomial(vacancies, params.hire_fill_prob)
        if cm in params.transfer_months:
            new_team, _moved = draw_transfers(state, teams, params, rng)
            state = replace(state, team=new_team)
        staff = team_sum(state.active.astype(float), state.team, n_teams) + newcomers
        team_state, tm = advance_teams(
            team_state,
            teams,
            params,
            cm,
            staff,
            rng,
            intervention_effect=world.scenario.intervention_effect,
        )
        voluntary, other = draw_exits(state, params, rng)
        leaving = voluntary | other
        overtime, strain, latent, transient = work_month(
            state, world.people, index, tm, teams, params, rng
        )
        answered = responders(state, leaving, teams, params, rng)
        where, scores = observe_responses(latent, answered, params, rng)
        yield FutureMonth(state, voluntary, overtime, latent, where, scores)
        state = next_person_state(state, leaving, overtime, strain, latent, transient)


def _future_fires(
    world: World,
    m: int,
    samples: int,
    config: LabelConfig,
    known: KnownAtMonth,
    rng: np.random.Generator,
) -> np.ndarray:
    """Share of ``samples`` futures from month m's end in which the label fires, per team."""
    n_teams = world.teams.count
    alive = int(world.person_states[m].active[0].sum())
    base_n, base_mean, base_var = (part[m] for part in known.baseline)
    expected = exit_expected(known.headcount[m], known.exit_rate[m], config)

    fired = np.zeros(n_teams)
    batch = max(1, min(samples, _BATCH_CELLS // max(alive, 1)))
    done = 0
    while done < samples:
        size = min(batch, samples - done)
        done += size
        exits = np.zeros((size, n_teams))
        post_n = np.zeros((size, n_teams))
        post_sum = np.zeros((size, n_teams))
        post_sq = np.zeros((size, n_teams))
        for month in _futures(world, m, size, config.horizon, world.team_states[m], rng):
            team = month.state.team
            exits += team_sum(month.voluntary, team, n_teams)
            engagement = month.scores.mean(axis=1)
            post_n += count_by_team(month.answered, team, n_teams, size)
            post_sum += count_by_team(month.answered, team, n_teams, size, engagement)
            post_sq += count_by_team(month.answered, team, n_teams, size, engagement**2)
        n, mean, var = window_stats(post_n, post_sum, post_sq)
        survey = survey_decline_fires(base_mean, base_var, base_n, mean, var, n, config)
        fires = survey | exit_cluster_fires(exits, expected, config)
        fired += fires.sum(axis=0)
    return fired / samples


EFFECT_MONTHS = 6  # months 1-6 after the start month (month 0), as in erisk effects
INTERVENTION_FUTURES = 200


def intervention_truth(
    world: World, rng: np.random.Generator, samples: int = INTERVENTION_FUTURES
) -> pd.DataFrame:
    """The true effect of every planted intervention on its team's engagement and overtime.

    From the state at the end of the month before the start, the team's months 0..6 are
    re-simulated ``samples`` times with the intervention and ``samples`` times without it,
    on the same random draws (common random numbers, so the difference is the effect and not
    noise). The effect is the mean difference over months 1-6 of the team's mean latent
    engagement (the mean of vigor, dedication and absorption: what its pulse measures on
    average) and of its overtime per member (hours a month).
    """
    if not world.person_states:
        raise ValueError("the world was simulated without keep_states; cannot compute truth")
    rows = []
    for planted in world.interventions:
        m, team = planted.month - 1, planted.team
        with_it = world.team_states[m]
        without = replace(
            with_it,
            buffer_left=np.where(np.arange(world.teams.count) == team, 0, with_it.buffer_left),
            boost_left=np.where(np.arange(world.teams.count) == team, 0, with_it.boost_left),
        )
        seed = int(rng.integers(0, 2**63))
        outcomes = {}
        for arm, team_state in (("with", with_it), ("without", without)):
            arm_rng = np.random.Generator(np.random.SFC64(seed))
            engagement, overtime = [], []
            futures = _futures(
                world, m, samples, EFFECT_MONTHS + 1, team_state, arm_rng, only_team=team
            )
            for k, month in enumerate(futures):
                if k == 0:
                    continue  # the start month itself is month 0
                members = month.state.active & (month.state.team == team)
                count = np.maximum(members.sum(axis=1), 1)
                latent = month.latent.mean(axis=0)
                engagement.append(float(((latent * members).sum(axis=1) / count).mean()))
                overtime.append(float(((month.overtime * members).sum(axis=1) / count).mean()))
            outcomes[arm] = (np.mean(engagement), np.mean(overtime))
        day = int(world.calendar.business_days[planted.month][0])
        rows.append(
            {
                "team_id": str(world.teams.team_ids[team]),
                "start_date": pd.Timestamp(np.datetime64(day, "D")),
                "start_month": world.calendar.months[planted.month],
                "intervention": planted.intervention,
                "action_id": planted.action_id,
                "effect_engagement": outcomes["with"][0] - outcomes["without"][0],
                "effect_overtime": outcomes["with"][1] - outcomes["without"][1],
            }
        )
    columns = [
        "team_id",
        "start_date",
        "start_month",
        "intervention",
        "action_id",
        "effect_engagement",
        "effect_overtime",
    ]
    return pd.DataFrame(rows, columns=columns)


def team_month_truth(
    world: World,
    rng: np.random.Generator,
    config: LabelConfig | None = None,
    samples: int | None = None,
) -> pd.DataFrame:
    """``team_id, month, driver, p_true, label_config_hash`` for every team and month."""
    config = config or LabelConfig()
    if not world.person_states:
        raise ValueError("the world was simulated without keep_states; cannot compute truth")
    samples = samples or world.scenario.futures
    known = known_at_month(world, config)
    n_months, n_teams = len(world.calendar.months), world.teams.count
    p_true = np.zeros((n_months, n_teams))
    for m in range(n_months):
        p_true[m] = _future_fires(world, m, samples, config, known, rng)
    # a team with no member at M has no label: nothing can happen to it
    p_true[known.headcount == 0] = 0.0
    drivers = np.asarray(DRIVERS, dtype=object)[planted_driver(world)]
    return pd.DataFrame(
        {
            "team_id": pd.array(np.tile(world.teams.team_ids, n_months), dtype="string"),
            "month": pd.array(np.repeat(world.calendar.months, n_teams), dtype="string"),
            "driver": pd.array(drivers.ravel(), dtype="string"),
            "p_true": p_true.ravel(),
            "label_config_hash": pd.array([config.config_hash()] * (n_months * n_teams), "string"),
        }
    )


def campaigns_frame(world: World) -> pd.DataFrame:
    """Every campaign run: team, first month, length, and whether it is the seed story's."""
    on = world.campaign_on
    starts = on & ~np.vstack([np.zeros((1, on.shape[1]), bool), on[:-1]])
    month_idx, team_idx = np.nonzero(starts)
    lengths = []
    for m, t in zip(month_idx.tolist(), team_idx.tolist(), strict=True):
        run = on[m:, t]
        lengths.append(int(np.argmin(run)) if not run.all() else len(run))
    story_month = world.scenario.seed_story.month_index if world.scenario.seed_story else -1
    story_teams = (
        world.seed_story_teams
        if world.seed_story_teams is not None
        else np.zeros(world.teams.count, bool)
    )
    months = np.asarray(world.calendar.months, dtype=object)
    frame = pd.DataFrame(
        {
            "team_id": pd.array(world.teams.team_ids[team_idx].tolist(), dtype="string"),
            "department": pd.array(
                [
                    ("accounting", "hr", "general_affairs", "it", "logistics_admin")[d]
                    for d in world.teams.department[team_idx]
                ],
                dtype="string",
            ),
            "start_month": pd.array(months[month_idx].tolist(), dtype="string"),
            "months": np.asarray(lengths, dtype=np.int64),
            "seed_story": (month_idx == story_month) & story_teams[team_idx],
        }
    )
    return frame.sort_values(["start_month", "team_id"], kind="stable").reset_index(drop=True)
