"""Simulate the world month by month: the latent story and the monthly facts it leaves behind.

The simulation is a loop over months (30-36 iterations) with every person and team handled
as a numpy array. Daily records are made afterwards by :mod:`synthetic.records`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from features.calendar import is_business_day, month_end, month_range, month_start
from synthetic.dynamics import (
    PersonState,
    TeamMonth,
    TeamState,
    advance_teams,
    draw_exits,
    draw_transfers,
    initial_team_state,
    next_person_state,
    observe_responses,
    responders,
    team_sum,
    work_month,
)
from synthetic.organisation import People, Teams, build_teams, draw_people, statutory_leave_days
from synthetic.parameters import DEPARTMENTS, WorldParameters
from synthetic.scenarios import Scenario

logger = logging.getLogger(__name__)

EPOCH = np.datetime64("1970-01-01", "D")
NO_EXIT = np.iinfo(np.int64).max // 4
VOLUNTARY, INVOLUNTARY, RETIREMENT = 1, 2, 3


@dataclass(frozen=True)
class Calendar:
    """The world's months and their business days (days as integers since 1970-01-01)."""

    months: list[str]
    first_day: np.ndarray  # (M,) int
    last_day: np.ndarray  # (M,) int
    business_days: list[np.ndarray]  # per month, int days
    calendar_month: np.ndarray  # (M,) 1..12

    @classmethod
    def build(cls, first: str, last: str) -> Calendar:
        months = month_range(first, last)
        firsts, lasts, bdays, cal = [], [], [], []
        for month in months:
            start, end = month_start(month), month_end(month)
            days = pd.date_range(start, end, freq="D")
            mask = np.array([is_business_day(d.date()) for d in days])
            as_int = (days.to_numpy().astype("datetime64[D]") - EPOCH).astype(np.int64)
            firsts.append(as_int[0])
            lasts.append(as_int[-1])
            bdays.append(as_int[mask])
            cal.append(start.month)
        return cls(months, np.array(firsts), np.array(lasts), bdays, np.array(cal))


@dataclass
class MonthRecord:
    """Monthly facts for one month (person arrays are over the whole pool, length P)."""

    active: np.ndarray  # employed at some point of the month
    team: np.ndarray  # team during the month (-1 when not employed)
    overtime: np.ndarray
    annual_full: np.ndarray
    annual_half: np.ndarray
    sick: np.ndarray
    special: np.ndarray
    unpaid: np.ndarray
    other: np.ndarray
    respondent: np.ndarray  # person indices that answered the pulse
    scores: np.ndarray  # (R, 3) observed vigor, dedication, absorption
    recognition_item: np.ndarray  # (R,) observed recognition item (1-5)


@dataclass
class World:
    """The simulated world: organisation, calendar, per-person events and monthly records."""

    scenario: Scenario
    teams: Teams
    people: People
    calendar: Calendar
    hire_day: np.ndarray
    exit_day: np.ndarray  # NO_EXIT if still employed
    exit_reason: np.ndarray  # 0 none, 1 voluntary, 2 involuntary, 3 retirement
    initial_team: np.ndarray
    transfers: list[tuple[np.ndarray, int, np.ndarray]]  # (persons, day, new team)
    volume: np.ndarray  # (M, T)
    load: np.ndarray
    backlog: np.ndarray
    campaign_on: np.ndarray
    deficit_on: np.ndarray
    recognition: np.ndarray
    records: list[MonthRecord]
    # end-of-month latent states (for the truth); empty unless kept
    person_states: list[PersonState] = field(default_factory=list)
    team_states: list[TeamState] = field(default_factory=list)
    seed_story_teams: np.ndarray | None = None
    # HR's planted interventions: (team index, start month index, type, action id)
    interventions: list[Planted] = field(default_factory=list)

    @property
    def n_people(self) -> int:
        return int((self.hire_day < NO_EXIT).sum())


BUFFER_ACTIONS = ("no_overtime_day", "planned_paid_leave", "staff_before_campaign")
RECOGNITION_ACTIONS = ("peer_bonus", "visible_thanks", "connect_to_mission")
# worst-first: the troubles HR treats first, about the median trouble when HR sees it
# (eval, development seed 90): overtime this many hours a month over the team's usual;
# the pulse's recognition this many points under it
WORST_OVERTIME_RISE, WORST_RECOGNITION_DROP = 23.0, 0.75
BASELINE_WEIGHT = 1.0 / 12.0  # HR's sense of a team's usual: about the last year
MIN_PULSE = 5  # fewer answers give HR no pulse figure (the privacy rule)


@dataclass(frozen=True)
class Planted:
    """One intervention HR started: team index, start month index, type and action."""

    team: int
    month: int
    intervention: str
    action_id: str
    # what HR's reports showed in the month it decided: overtime per member over the team's
    # usual (hours) and the pulse's recognition under its usual (points; NaN: no figure)
    overtime_rise: float = float("nan")
    recognition_drop: float = float("nan")


@dataclass(frozen=True)
class Seen:
    """What HR's monthly reports show of each team: overtime per member (hours) and the
    pulse's mean recognition item (NaN when fewer than 5 answered: HR gets no figure)."""

    overtime: np.ndarray
    recognition: np.ndarray


class InterventionPlanter:
    """HR acting on teams in trouble, as its monthly reports show them (issue 20).

    HR sees what the export holds, not the world's hidden state: a workload trouble is a
    team's overtime per member ``hr_overtime_rise_hours`` over its usual (a running mean of
    about a year of its own reports), a recognition trouble its pulse's recognition item
    ``hr_recognition_drop_points`` under its usual. HR acts once a trouble has shown for two
    months running, the month after (a team with both gets a buffer), unless the team had
    an intervention within the cool-down. ``random``: half of the troubles, drawn at random.
    ``worst-first``: the worse half of them (``WORST_*``), as a busy HR would: the
    confounded case, where treated teams differ from untreated ones in how bad it got.

    (Earlier HR saw the hidden trouble itself, the planted campaign, load or recognition
    deficit. Then no comparison built from the data could tell the treated teams' real
    troubles from look-alikes that were noise, and even random assignment left every
    estimate biased: a test world must let what decided be observable.)
    """

    def __init__(
        self, policy: str, teams: Teams, params: WorldParameters, rng: np.random.Generator | None
    ) -> None:
        if policy not in ("random", "worst-first"):
            raise ValueError(f"unknown intervention policy {policy!r}")
        if rng is None:
            raise ValueError("planting interventions needs its own random stream")
        self.policy, self.teams, self.params, self.rng = policy, teams, params, rng
        self.previous = np.zeros(teams.count, dtype=bool)
        self.before = np.zeros(teams.count, dtype=bool)
        self.last_start = np.full(teams.count, -10_000)
        self.usual_overtime: np.ndarray | None = None
        self.usual_recognition = np.full(teams.count, np.nan)
        self.planted: list[Planted] = []

    def plant(self, m: int, seen: Seen, team_state: TeamState) -> TeamState:
        """Decide at month m's end on month m's reports; the chosen interventions run from
        month m+1."""
        params = self.params
        if self.usual_overtime is None:
            self.usual_overtime = seen.overtime.astype(float).copy()
        rise = seen.overtime - self.usual_overtime
        drop = self.usual_recognition - seen.recognition
        workload = rise >= params.hr_overtime_rise_hours
        recognition = np.nan_to_num(drop, nan=-np.inf) >= params.hr_recognition_drop_points
        troubled = workload | recognition
        # HR sees a trouble once it has shown for two months running (one month is noise
        # as often as not), and acts the month after
        new = troubled & self.previous & ~self.before
        self.before, self.previous = self.previous, troubled
        free = (m + 1 - self.last_start) > params.intervention_cooldown_months
        draws = self.rng.random(self.teams.count)  # drawn every month: same stream either way
        if self.policy == "random":
            chosen = new & free & (draws < params.intervention_share)
        else:
            worse = (rise >= WORST_OVERTIME_RISE) | (
                np.nan_to_num(drop, nan=-np.inf) >= WORST_RECOGNITION_DROP
            )
            chosen = new & free & worse
        buffer = chosen & workload
        boost = chosen & ~workload
        picks = self.rng.integers(0, 3, self.teams.count)
        for team in np.flatnonzero(chosen):
            kind = "buffer" if buffer[team] else "recognition"
            actions = BUFFER_ACTIONS if kind == "buffer" else RECOGNITION_ACTIONS
            self.planted.append(
                Planted(
                    int(team),
                    m + 1,
                    kind,
                    actions[picks[team]],
                    float(rise[team]),
                    float(drop[team]),
                )
            )
        self.last_start[chosen] = m + 1
        # the usual moves on with this month's reports (a team without a pulse figure keeps
        # its usual recognition)
        w = BASELINE_WEIGHT
        self.usual_overtime = (1 - w) * self.usual_overtime + w * seen.overtime
        known = ~np.isnan(seen.recognition)
        first = known & np.isnan(self.usual_recognition)
        self.usual_recognition = np.where(
            first,
            seen.recognition,
            np.where(
                known,
                (1 - w) * self.usual_recognition + w * seen.recognition,
                self.usual_recognition,
            ),
        )
        return team_state.with_interventions(
            buffer[None, :], boost[None, :], params.intervention_months
        )


def _seen(
    overtime: np.ndarray, answered_team: np.ndarray, recognition_item: np.ndarray, n_teams: int
) -> Seen:
    """The month's reports as HR reads them: overtime per member and the pulse's mean
    recognition item of every team (none where fewer than 5 answered)."""
    counts = np.bincount(answered_team, minlength=n_teams)
    sums = np.bincount(answered_team, weights=recognition_item, minlength=n_teams)
    pulse = np.where(counts >= MIN_PULSE, sums / np.maximum(counts, 1), np.nan)
    return Seen(np.asarray(overtime, dtype=float), pulse)


def _stationary_transient(n: int, params: WorldParameters, rng: np.random.Generator) -> np.ndarray:
    """Transient deviations drawn from their stationary distribution (no burn-in needed)."""
    scale = params.transient_innovation_sd / np.sqrt(1.0 - params.transient_ar**2)
    shocks = rng.standard_normal((4, 1, n))
    share = params.transient_common_share
    mixed = np.sqrt(share) * shocks[:1] + np.sqrt(1.0 - share) * shocks[1:]
    return (mixed * scale).astype(np.float32)


def simulate(
    scenario: Scenario,
    rng: np.random.Generator,
    keep_states: bool = False,
    intervention_rng: np.random.Generator | None = None,
) -> World:
    """Run the monthly simulation of ``scenario`` with the given random generator
    (``intervention_rng`` draws HR's interventions, when the scenario plants them)."""
    params = scenario.params
    cal = Calendar.build(scenario.first_month, scenario.last_month)
    n_months = len(cal.months)
    teams = build_teams(scenario.teams, params, rng)
    n_teams = teams.count

    # the pool: everyone employed at the start, then room for hires
    initial_size = int(teams.target_size.sum())
    pool = initial_size + int(np.ceil(initial_size * 0.03 * n_months)) + 64
    person_team = np.full(pool, -1, dtype=np.int64)
    person_team[:initial_size] = np.repeat(np.arange(n_teams), teams.target_size)
    people = draw_people(pool, np.ones(pool), params, rng)
    # department overtime factor follows the team a person is hired into
    hire_day = np.full(pool, NO_EXIT, dtype=np.int64)
    tenure_years = np.minimum(
        rng.exponential(params.initial_tenure_mean_years, initial_size),
        params.initial_tenure_max_years,
    )
    hire_day[:initial_size] = cal.first_day[0] - np.ceil(tenure_years * 365.25).astype(np.int64)
    exit_day = np.full(pool, NO_EXIT, dtype=np.int64)
    exit_reason = np.zeros(pool, dtype=np.int8)
    people.overtime_base[:initial_size] *= teams.overtime_factor[person_team[:initial_size]]
    n_used = initial_size

    transient = _stationary_transient(pool, params, rng)
    state = PersonState(
        active=(np.arange(pool) < initial_size)[None, :],
        team=np.maximum(person_team, 0)[None, :],
        tenure=np.where(
            np.arange(pool) < initial_size, (cal.first_day[0] - hire_day) * 12 // 365, 0
        )[None, :],
        transient=transient,
        strain=np.zeros((1, pool), dtype=np.float32),
        overtime_last=people.overtime_base[None, :].astype(np.float32),
        overtime_before=people.overtime_base[None, :].astype(np.float32),
        engagement=(people.mu.T + transient[:, 0]).mean(axis=0)[None, :].astype(np.float32),
    )
    team_state = initial_team_state(teams)
    person_index = np.arange(pool)
    planter = (
        InterventionPlanter(scenario.interventions, teams, params, intervention_rng)
        if scenario.interventions != "none"
        else None
    )

    seed_story_teams = None
    story = scenario.seed_story
    if story is not None:
        in_depts = np.isin(teams.department, [DEPARTMENTS.index(d) for d in story.departments])
        seed_story_teams = in_depts & (rng.random(n_teams) < story.hit_share)

    # leave bookkeeping (outputs only: nothing downstream in the latent story reads it)
    granted = np.zeros(pool)
    taken = np.zeros(pool)
    deferred = np.zeros(pool)
    sustained = np.zeros(pool)
    initial_tenure = (cal.first_day[0] - hire_day[:initial_size]) / 365.25
    granted[:initial_size] = _grant(people.company_grant[:initial_size], initial_tenure)
    # the leave year is the fiscal year (uniform grant on 1 April): part already taken
    months_into_fy = (cal.calendar_month[0] - 4) % 12
    taken[:initial_size] = np.floor(
        granted[:initial_size] * people.uptake[:initial_size] * months_into_fy / 12.0
    )

    volume = np.zeros((n_months, n_teams))
    load = np.zeros((n_months, n_teams))
    backlog = np.zeros((n_months, n_teams))
    campaign_on = np.zeros((n_months, n_teams), dtype=bool)
    deficit_on = np.zeros((n_months, n_teams), dtype=bool)
    recognition = np.zeros((n_months, n_teams))
    records: list[MonthRecord] = []
    transfers: list[tuple[np.ndarray, int, np.ndarray]] = []
    person_states: list[PersonState] = []
    team_states: list[TeamState] = []
    open_items = 0.15 * teams.base_volume

    for m in range(n_months):
        cm = int(cal.calendar_month[m])
        bdays = cal.business_days[m]
        # 1. hires fill vacancies on the month's first business day
        staff = team_sum(state.active.astype(float), state.team, n_teams)[0]
        vacancies = np.maximum(teams.target_size - staff, 0).astype(np.int64)
        hires = rng.binomial(vacancies, params.hire_fill_prob)
        n_new = int(hires.sum())
        if n_used + n_new > pool:
            raise RuntimeError("person pool exhausted; raise the pool margin")
        new = np.arange(n_used, n_used + n_new)
        new_team = np.repeat(np.arange(n_teams), hires)
        person_team[new] = new_team
        hire_day[new] = bdays[0]
        people.overtime_base[new] *= teams.overtime_factor[new_team]
        n_used += n_new
        active = state.active.copy()
        active[0, new] = True
        team = state.team.copy()
        team[0, new] = new_team
        tenure = state.tenure.copy()
        tenure[0, new] = 0
        engagement = state.engagement.copy()
        engagement[0, new] = (people.mu[new].T + state.transient[:, 0, new]).mean(axis=0)
        ot_last, ot_before = state.overtime_last.copy(), state.overtime_before.copy()
        ot_last[0, new] = people.overtime_base[new]
        ot_before[0, new] = people.overtime_base[new]
        strain = state.strain.copy()
        strain[0, new] = 0.0  # a newcomer arrives rested
        state = replace(
            state,
            active=active,
            team=team,
            tenure=tenure,
            strain=strain,
            engagement=engagement,
            overtime_last=ot_last,
            overtime_before=ot_before,
        )
        granted[new] = np.where(np.isnan(people.company_grant[new]), 0.0, people.company_grant[new])
        taken[new] = 0.0

        # 2. 定期異動 in April and October, dated the 1st
        if cm in params.transfer_months:
            new_teams, moved = draw_transfers(state, teams, params, rng)
            if moved.any():
                who = np.flatnonzero(moved[0])
                transfers.append((who, int(cal.first_day[m]), new_teams[0, who]))
                state = replace(state, team=new_teams)

        # 3-4. staffing sets the load; the team layer brings campaigns, deficits, volume
        staff = team_sum(state.active.astype(float), state.team, n_teams)
        story_now = None
        if story is not None and m == story.month_index:
            story_now = seed_story_teams[None, :]
        team_state, tm = advance_teams(
            team_state,
            teams,
            params,
            cm,
            staff,
            rng,
            story_now,
            story.multiplier if story else 2.0,
            story.months if story else 3,
            scenario.intervention_effect,
        )

        # 5. exits (lagged hazard), 6. work and engagement, 7. the pulse survey
        voluntary, other = draw_exits(state, params, rng)
        leaving = voluntary | other
        overtime, strain, latent, transient = work_month(
            state, people, person_index[None, :], tm, teams, params, rng
        )
        answered = responders(state, leaving, teams, params, rng)
        who_answered, scores = observe_responses(latent, answered, params, rng)
        rec_latent = (
            tm.recognition[0, state.team[0, who_answered]]
            + people.recognition_offset[who_answered]
            + params.recognition_noise_sd * rng.standard_normal(len(who_answered))
        )
        rec_item = np.clip(np.round(rec_latent), 1.0, 5.0)

        # exit days: most at the calendar month end (末日退職), the rest on a business day
        leavers = np.flatnonzero(leaving[0])
        at_month_end = rng.random(len(leavers)) < 0.6
        on_bday = bdays[rng.integers(1, len(bdays), len(leavers))]
        exit_day[leavers] = np.where(at_month_end, cal.last_day[m], on_bday)
        exit_reason[leavers] = np.where(
            voluntary[0, leavers],
            VOLUNTARY,
            np.where(rng.random(len(leavers)) < 0.4, INVOLUNTARY, RETIREMENT),
        )

        # 8. leave and sick days (outputs)
        record = _leave_month(
            m,
            cal,
            state,
            tm,
            overtime[0],
            hire_day,
            exit_day,
            people,
            teams,
            params,
            rng,
            granted,
            taken,
            deferred,
            sustained,
        )
        record.respondent = who_answered
        record.scores = scores
        record.recognition_item = rec_item
        records.append(record)

        staff_now = staff[0]
        capacity = np.maximum(staff_now, 1) * teams.capacity
        team_ot = team_sum(np.where(state.active, overtime, 0.0), state.team, n_teams)[0]
        mean_ot = team_ot / np.maximum(staff_now, 1)
        processed = capacity * (1.0 + mean_ot / 160.0) * 0.97
        open_items = np.maximum(open_items + tm.volume[0] - processed, 0.1 * tm.volume[0])
        # a campaign's orders are booked when it is announced: the order backlog (受注残)
        # holds the extra volume of the campaign months still to come
        booked = (
            team_state.campaign_left[0]
            * teams.base_volume
            * np.maximum(team_state.campaign_multiplier[0] - 1.0, 0.0)
        )
        volume[m], load[m], backlog[m] = tm.volume[0], tm.load[0], open_items + booked
        campaign_on[m], deficit_on[m] = tm.campaign_on[0], tm.deficit_on[0]
        recognition[m] = tm.recognition[0]

        plants = planter is not None and m + 1 < n_months
        # what HR's reports show, read off this month's teams (before transfers move people)
        seen = _seen(mean_ot, state.team[0, who_answered], rec_item, n_teams) if plants else None
        state = next_person_state(state, leaving, overtime, strain, latent, transient)
        if planter is not None and seen is not None:
            team_state = planter.plant(m, seen, team_state)
        if keep_states:
            person_states.append(state)
            team_states.append(team_state)

    logger.info("simulated %d months, %d people, %d teams", n_months, n_used, n_teams)
    return World(
        scenario=scenario,
        teams=teams,
        people=people,
        calendar=cal,
        hire_day=hire_day[:n_used],
        exit_day=exit_day[:n_used],
        exit_reason=exit_reason[:n_used],
        initial_team=person_team[:n_used],
        transfers=transfers,
        volume=volume,
        load=load,
        backlog=backlog,
        campaign_on=campaign_on,
        deficit_on=deficit_on,
        recognition=recognition,
        records=[_trim(r, n_used) for r in records],
        person_states=person_states,
        team_states=team_states,
        seed_story_teams=seed_story_teams,
        interventions=planter.planted if planter is not None else [],
    )


def _trim(record: MonthRecord, n: int) -> MonthRecord:
    for name in (
        "active",
        "team",
        "overtime",
        "annual_full",
        "annual_half",
        "sick",
        "special",
        "unpaid",
        "other",
    ):
        setattr(record, name, getattr(record, name)[:n])
    return record


def _grant(company_grant: np.ndarray, tenure_years: np.ndarray) -> np.ndarray:
    """Days granted: the company's flat grant when set, else the statutory table."""
    return np.where(np.isnan(company_grant), statutory_leave_days(tenure_years), company_grant)


def _leave_month(
    m: int,
    cal: Calendar,
    state: PersonState,
    tm: TeamMonth,
    overtime: np.ndarray,
    hire_day: np.ndarray,
    exit_day: np.ndarray,
    people: People,
    teams: Teams,
    params: WorldParameters,
    rng: np.random.Generator,
    granted: np.ndarray,
    taken: np.ndarray,
    deferred: np.ndarray,
    sustained: np.ndarray,
) -> MonthRecord:
    """Paid leave (falls under load, caught up after, the 5-day floor), sick and other days."""
    cm = int(cal.calendar_month[m])
    bdays = cal.business_days[m]
    active = state.active[0]
    team = np.where(active, state.team[0], -1)
    # business days each person is employed this month
    first_ok = np.searchsorted(bdays, hire_day, side="left")
    last_ok = np.searchsorted(bdays, exit_day, side="left")
    workable = np.where(active, np.clip(last_ok - first_ok, 0, len(bdays)), 0)
    share = workable / max(len(bdays), 1)

    # grants: 1 April for everyone; the statutory first grant at six months of service
    tenure_years = (cal.first_day[m] - hire_day) / 365.25
    if cm == 4:
        granted[active] = _grant(people.company_grant[active], tenure_years[active])
        taken[active] = 0.0
    statutory = np.isnan(people.company_grant)
    first_grant = active & statutory & (state.tenure[0] == 6) & (cm != 4)
    granted[first_grant] = 10.0
    taken[first_grant] = 0.0

    load = np.where(active, tm.load[0, np.maximum(team, 0)], 1.0)
    base = granted * people.uptake / 12.0 * params.leave_seasonality[cm - 1]
    suppression = np.exp(-params.leave_load_suppression * np.maximum(load - 1.0, 0.0))
    expected = base * suppression
    deferred += base - expected
    calm = load <= 1.0
    catch_up = np.where(calm, params.leave_catch_up_rate * deferred, 0.0)
    deferred -= catch_up
    expected = (expected + catch_up) * share
    events = rng.poisson(np.where(active, expected, 0.0))
    remaining = np.maximum(granted - taken, 0.0)
    events = np.minimum(events, np.floor(remaining)).astype(np.int64)
    halves = rng.binomial(events, params.half_day_share)
    value = events - 0.5 * halves
    if cm == 3:  # last month of the leave year: the employer designates the missing days
        short = active & (granted >= 10) & (taken + value < 5)
        comply = short & (rng.random(len(active)) < params.leave_floor_compliance)
        extra = np.where(comply, np.ceil(5 - taken - value), 0).astype(np.int64)
        events += extra
        value = value + extra
    full = events - halves

    # sick days rise after sustained overload (EMA of overtime beyond 45 h)
    over = np.maximum(overtime - 45.0, 0.0) / 45.0
    sustained *= params.sick_overload_memory
    sustained += (1.0 - params.sick_overload_memory) * np.where(active, over, 0.0)
    sick_rate = params.sick_days_base * (1.0 + params.sick_overload_factor * sustained) * share
    sick = rng.poisson(np.where(active, sick_rate, 0.0))
    special = rng.poisson(np.where(active, params.special_leave_rate * share, 0.0))
    unpaid = rng.poisson(np.where(active, params.unpaid_leave_rate * share, 0.0))
    other = rng.poisson(np.where(active, params.other_leave_rate * share, 0.0))

    # never more leave than workable days (keep at least one worked day)
    room = np.maximum(workable - 1, 0)
    full = np.minimum(full, room)
    halves = np.minimum(halves, room - full)
    sick = np.minimum(sick, room - full - halves)
    special = np.minimum(special, room - full - halves - sick)
    unpaid = np.minimum(unpaid, room - full - halves - sick - special)
    other = np.minimum(other, room - full - halves - sick - special - unpaid)
    taken += full + 0.5 * halves

    return MonthRecord(
        active=active & (workable > 0),
        team=team,
        overtime=np.where(active, overtime * share, 0.0),
        annual_full=full.astype(np.int16),
        annual_half=halves.astype(np.int16),
        sick=sick.astype(np.int16),
        special=special.astype(np.int16),
        unpaid=unpaid.astype(np.int16),
        other=other.astype(np.int16),
        respondent=np.zeros(0, dtype=np.int64),
        scores=np.zeros((0, 3)),
        recognition_item=np.zeros(0),
    )
