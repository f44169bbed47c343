"""Turn the simulated world into the contract's tables (as Arrow tables, no I/O).

Daily records (timesheets, leave) come month by month from :func:`daily_records` so that the
enterprise scenario (tens of millions of rows) never has to sit in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.calendar import is_business_day
from features.tables import Tables
from synthetic.build import RandomStreams
from synthetic.parameters import DEPARTMENTS
from synthetic.world import NO_EXIT, World

LEAVE_TYPES: tuple[str, ...] = ("annual_paid", "annual_paid", "sick", "special", "unpaid", "other")
EXIT_REASONS = np.array([None, "voluntary", "involuntary", "retirement"], dtype=object)
WORKED = len(LEAVE_TYPES)

SCHEMAS: dict[str, pa.Schema] = {
    "teams": pa.schema(
        [
            ("team_id", pa.string()),
            ("team_name", pa.string()),
            ("department", pa.string()),
            ("parent_team_id", pa.string()),
        ]
    ),
    "employees": pa.schema(
        [
            ("employee_id", pa.string()),
            ("team_id", pa.string()),
            ("hire_date", pa.date32()),
            ("exit_date", pa.date32()),
            ("exit_reason", pa.string()),
            ("annual_leave_days", pa.float64()),
        ]
    ),
    "timesheets": pa.schema(
        [
            ("employee_id", pa.string()),
            ("work_date", pa.date32()),
            ("scheduled_hours", pa.float64()),
            ("worked_hours", pa.float64()),
        ]
    ),
    "leave": pa.schema(
        [
            ("employee_id", pa.string()),
            ("leave_date", pa.date32()),
            ("leave_type", pa.string()),
            ("days", pa.float64()),
        ]
    ),
    "workload": pa.schema(
        [
            ("team_id", pa.string()),
            ("week_start", pa.date32()),
            ("volume", pa.float64()),
            ("backlog", pa.float64()),
        ]
    ),
    "surveys": pa.schema(
        [
            ("response_id", pa.string()),
            ("team_id", pa.string()),
            ("survey_date", pa.date32()),
            ("vigor", pa.float64()),
            ("dedication", pa.float64()),
            ("absorption", pa.float64()),
            ("recognition", pa.float64()),
        ]
    ),
    "assignments": pa.schema(
        [
            ("employee_id", pa.string()),
            ("team_id", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
        ]
    ),
    "interventions": pa.schema(
        [
            ("team_id", pa.string()),
            ("start_date", pa.date32()),
            ("intervention", pa.string()),
            ("action_id", pa.string()),
            ("note", pa.string()),
        ]
    ),
}


def padded_ids(prefix: str, count: int, width: int) -> pa.Array:
    """``prefix`` + zero-padded 1..count, built by Arrow kernels (millions of survey ids)."""
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(numbers, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def employee_ids(world: World) -> pa.Array:
    """Zero-padded employee ids (E000123), one per simulated person."""
    n = len(world.hire_day)
    width = max(6, len(str(n)))
    return padded_ids("E", n, width)


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=missing)


def teams_table(world: World) -> pa.Table:
    """The teams table; parent_team_id is present but empty (a flat back office)."""
    t = world.teams
    return pa.Table.from_arrays(
        [
            pa.array(t.team_ids.tolist(), type=pa.string()),
            pa.array(t.names.tolist(), type=pa.string()),
            pa.array([DEPARTMENTS[d] for d in t.department], type=pa.string()),
            pa.nulls(t.count, type=pa.string()),
        ],
        schema=SCHEMAS["teams"],
    )


def _final_team(world: World) -> np.ndarray:
    team = world.initial_team.copy()
    for who, _day, new_team in world.transfers:
        team[who] = new_team
    return team


def employees_table(world: World) -> pa.Table:
    """Everyone ever employed in the window, with the current team and any exit."""
    exited = world.exit_day < NO_EXIT
    grant = world.people.company_grant[: len(world.hire_day)]
    return pa.Table.from_arrays(
        [
            employee_ids(world),
            pa.array(world.teams.team_ids[_final_team(world)].tolist(), type=pa.string()),
            _dates(world.hire_day),
            _dates(np.where(exited, world.exit_day, 0), ~exited),
            pa.array(EXIT_REASONS[world.exit_reason].tolist(), type=pa.string()),
            pa.array(grant, type=pa.float64(), mask=np.isnan(grant)),
        ],
        schema=SCHEMAS["employees"],
    )


def assignments_table(world: World) -> pa.Table:
    """Membership history: one period from hire, a new one at each transfer."""
    n = len(world.hire_day)
    persons = [np.arange(n)]
    starts = [world.hire_day]
    team = [world.initial_team]
    for who, day, new_team in world.transfers:
        persons.append(who)
        starts.append(np.full(len(who), day, dtype=np.int64))
        team.append(new_team)
    person = np.concatenate(persons)
    start = np.concatenate(starts)
    team_idx = np.concatenate(team)
    order = np.lexsort((start, person))
    person, start, team_idx = person[order], start[order], team_idx[order]
    same_next = np.append(person[1:] == person[:-1], False)
    next_start = np.append(start[1:], 0)
    end = np.where(same_next, next_start - 1, world.exit_day[person])
    open_end = ~same_next & (world.exit_day[person] >= NO_EXIT)
    ids = employee_ids(world).take(pa.array(person))
    return pa.Table.from_arrays(
        [
            ids,
            pa.array(world.teams.team_ids[team_idx].tolist(), type=pa.string()),
            _dates(start),
            _dates(np.where(open_end, 0, end), open_end),
        ],
        schema=SCHEMAS["assignments"],
    )


def workload_table(world: World, rng: np.random.Generator) -> pa.Table:
    """Weekly volume and backlog per team; a week belongs to the month of its Sunday.

    Each business day carries its month's volume spread evenly over the month's business
    days, so a week that straddles two months sums the right share of each; accounting's
    closing week (the month's last business day) runs 20% heavier.
    """
    cal = world.calendar
    first_sunday = cal.first_day[0] + (6 - (cal.first_day[0] + 3) % 7) % 7  # 1970-01-01: Thu
    sundays = np.arange(first_sunday, cal.last_day[-1] + 1, 7)
    mondays = sundays - 6
    n_weeks, n_teams = len(sundays), world.teams.count
    days = (mondays[:, None] + np.arange(7)[None, :]).ravel()
    as_dates = (days.astype("datetime64[D]")).astype(object)
    is_bday = np.array([is_business_day(d) for d in as_dates]).reshape(n_weeks, 7)
    day_month = np.clip(np.searchsorted(cal.last_day, days, side="left"), 0, len(cal.months) - 1)
    per_month = np.array([len(b) for b in cal.business_days])
    daily_rate = world.volume[day_month] / per_month[day_month][:, None]  # (7W, T)
    daily_rate = daily_rate.reshape(n_weeks, 7, n_teams) * is_bday[:, :, None]
    volume = daily_rate.sum(axis=1)
    month_of = np.searchsorted(cal.last_day, sundays, side="left")
    last_bday = np.array([b[-1] for b in cal.business_days])
    closes = (mondays <= last_bday[month_of]) & (last_bday[month_of] <= sundays)
    accounting = world.teams.department == DEPARTMENTS.index("accounting")
    volume = volume * np.where(closes[:, None] & accounting[None, :], 1.2, 1.0)
    volume = volume * rng.lognormal(0.0, 0.08, (n_weeks, n_teams))
    previous = np.vstack([world.backlog[:1], world.backlog[:-1]])[month_of]
    weeks_into = (sundays - cal.first_day[month_of] + 1) / (cal.last_day - cal.first_day + 1)[
        month_of
    ]
    backlog = (previous + (world.backlog[month_of] - previous) * weeks_into[:, None]) / 4.3
    backlog = np.maximum(backlog * rng.lognormal(0.0, 0.1, (n_weeks, n_teams)), 0.0)
    return pa.Table.from_arrays(
        [
            pa.array(np.repeat(world.teams.team_ids, n_weeks).tolist(), type=pa.string()),
            _dates(np.tile(mondays, n_teams)),
            pa.array(np.round(volume.T.ravel(), 1)),
            pa.array(np.round(backlog.T.ravel(), 1)),
        ],
        schema=SCHEMAS["workload"],
    )


def surveys_table(world: World, rng: np.random.Generator) -> pa.Table:
    """Pulse responses, pseudonymous: team and date only, never the employee."""
    teams, dates, scores, recog = [], [], [], []
    open_day = world.scenario.params.survey_open_day
    for m, record in enumerate(world.records):
        bdays = world.calendar.business_days[m]
        first = int(np.searchsorted(bdays, world.calendar.first_day[m] + open_day - 1))
        offset = rng.integers(0, 6, len(record.respondent))
        dates.append(bdays[np.minimum(first + offset, len(bdays) - 1)])
        teams.append(record.team[record.respondent])
        scores.append(record.scores)
        recog.append(record.recognition_item)
    team = np.concatenate(teams)
    n = len(team)
    width = max(7, len(str(n)))
    score = np.concatenate(scores) if n else np.zeros((0, 3))
    return pa.Table.from_arrays(
        [
            padded_ids("R", n, width),
            pa.array(world.teams.team_ids[team].tolist(), type=pa.string()),
            _dates(np.concatenate(dates)),
            pa.array(score[:, 0]),
            pa.array(score[:, 1]),
            pa.array(score[:, 2]),
            pa.array(np.concatenate(recog)),
        ],
        schema=SCHEMAS["surveys"],
    )


def daily_records(world: World, rng: np.random.Generator) -> Iterator[tuple[pa.Table, pa.Table]]:
    """(timesheets, leave) of each month in turn: one row per person per day worked / off."""
    ids = employee_ids(world)
    scheduled_by_team = world.teams.scheduled_hours
    for m, record in enumerate(world.records):
        bdays = world.calendar.business_days[m]
        persons = np.flatnonzero(record.active)
        nb = len(bdays)
        hire = world.hire_day[persons]
        leave_on = world.exit_day[persons]
        employed = (bdays[None, :] >= hire[:, None]) & (bdays[None, :] < leave_on[:, None])
        counts = np.stack(
            [
                record.annual_full[persons],
                record.annual_half[persons],
                record.sick[persons],
                record.special[persons],
                record.unpaid[persons],
                record.other[persons],
            ],
            axis=1,
        ).astype(np.int64)
        bounds = np.cumsum(counts, axis=1)
        keys = np.where(employed, rng.random(employed.shape), 2.0)
        order = np.argsort(keys, axis=1, kind="stable")
        position = np.arange(nb)
        code_by_rank = (position[None, None, :] >= bounds[:, :, None]).sum(axis=1)
        code = np.empty_like(code_by_rank)
        np.put_along_axis(code, order, code_by_rank, axis=1)
        code = np.where(employed, code, -1)

        worked_full = code == WORKED
        half = code == 1
        weights = np.where(worked_full, rng.gamma(2.0, 1.0, code.shape), 0.0)
        total = weights.sum(axis=1, keepdims=True)
        hours = record.overtime[persons][:, None]
        cum = np.cumsum(weights, axis=1) / np.where(total > 0, total, 1.0) * hours
        cum = np.round(cum * 4.0) / 4.0
        daily_ot = np.diff(np.concatenate([np.zeros((len(persons), 1)), cum], axis=1), axis=1)
        scheduled_full = scheduled_by_team[np.maximum(record.team[persons], 0)][:, None]
        scheduled = np.where(half, scheduled_full / 2.0, scheduled_full)
        worked = scheduled + np.where(worked_full, daily_ot, 0.0)
        worked = np.minimum(worked, 24.0)

        rows, cols = np.nonzero(worked_full | half)
        timesheets = pa.Table.from_arrays(
            [
                ids.take(pa.array(persons[rows])),
                _dates(bdays[cols]),
                pa.array(np.broadcast_to(scheduled, code.shape)[rows, cols]),
                pa.array(worked[rows, cols]),
            ],
            schema=SCHEMAS["timesheets"],
        )
        on_leave = (code >= 0) & (code < WORKED)
        rows, cols = np.nonzero(on_leave)
        leave_code = code[rows, cols]
        leave = pa.Table.from_arrays(
            [
                ids.take(pa.array(persons[rows])),
                _dates(bdays[cols]),
                pa.array(np.asarray(LEAVE_TYPES, dtype=object)[leave_code].tolist(), pa.string()),
                pa.array(np.where(leave_code == 1, 0.5, 1.0)),
            ],
            schema=SCHEMAS["leave"],
        )
        yield timesheets, leave


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow table -> pandas with the dtypes a snapshot has (``str``, datetime64[ms], float64)."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_date32(column.type):
            columns[name] = pd.Series(
                column.cast(pa.timestamp("ms")).to_numpy(zero_copy_only=False),
                dtype="datetime64[ms]",
            )
        elif pa.types.is_string(column.type):
            columns[name] = pd.Series(column.to_pandas(), dtype="str")
        else:
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype="float64")
    return pd.DataFrame(columns)


def interventions_table(world: World) -> pa.Table:
    """What HR recorded of its planted interventions (the contract's optional table): the
    start is the first business day of the start month; ids are made from the content on
    ingest (the contract allows leaving them out)."""
    planted = world.interventions
    days = np.array([world.calendar.business_days[p.month][0] for p in planted], dtype=np.int64)
    return pa.Table.from_arrays(
        [
            pa.array([str(world.teams.team_ids[p.team]) for p in planted], type=pa.string()),
            _dates(days),
            pa.array([p.intervention for p in planted], type=pa.string()),
            pa.array([p.action_id for p in planted], type=pa.string()),
            pa.array(["planted by the generator"] * len(planted), type=pa.string()),
        ],
        schema=SCHEMAS["interventions"],
    )


def world_tables(world: World, streams: RandomStreams) -> dict[str, pa.Table]:
    """All seven contract tables in memory, drawn from the same streams as ``erisk generate``
    (so they equal the files it writes for the same seed); for small and mid-size worlds."""
    daily = list(daily_records(world, streams.daily))
    return {
        "teams": teams_table(world),
        "employees": employees_table(world),
        "timesheets": pa.concat_tables([d[0] for d in daily]),
        "leave": pa.concat_tables([d[1] for d in daily]),
        "workload": workload_table(world, streams.workload),
        "surveys": surveys_table(world, streams.surveys),
        "assignments": assignments_table(world),
    }


def as_tables(tables: dict[str, pa.Table]) -> Tables:
    """The contract tables as the pandas ``Tables`` that features and labels take."""
    frames = {name: to_pandas(table) for name, table in tables.items()}
    return Tables(**frames)
