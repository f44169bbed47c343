"""``erisk generate``: write a synthetic world (the contract's tables plus its truth) to a folder.

Files are written into ``DIR/.partial`` and renamed into place; ``DIR/_SUCCESS`` is written
last, so a run killed half-way never looks like a complete world. The same arguments always
give byte-identical files (seeded random streams, a fixed calendar, no wall-clock).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import click
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from features.labels import LabelConfig
from features.tables import ALL_TABLES
from pipelines.errors import UserError
from synthetic.build import RandomStreams, build_world
from synthetic.parameters import WORLD_VERSION
from synthetic.records import (
    SCHEMAS,
    assignments_table,
    daily_records,
    employees_table,
    interventions_table,
    surveys_table,
    teams_table,
    workload_table,
)
from synthetic.scenarios import SCENARIO_NAMES, Scenario, build_scenario
from synthetic.truth import campaigns_frame, intervention_truth, team_month_truth
from synthetic.world import World

logger = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("parquet", "csv")
INTERVENTION_POLICIES: tuple[str, ...] = ("none", "random", "worst-first")
PARTIAL = ".partial"
SUCCESS = "_SUCCESS"
TRUTH_DIR = "truth"
DEFAULT_SEED = 42


@dataclass(frozen=True)
class GenerateSummary:
    """What a run wrote: rows per table, where, and how long it took."""

    out: Path
    scenario: str
    teams: int
    months: int
    first_month: str
    last_month: str
    seed: int
    fmt: str
    rows: dict[str, int]
    truth_rows: int | None
    seconds: float
    truth_seconds: float | None = None
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["out"] = str(self.out)
        return data


class _TableWriter:
    """Streams Arrow record batches into one Parquet or CSV file."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.path = path
        self.rows = 0
        if fmt == "parquet":
            self._writer: pq.ParquetWriter | pa_csv.CSVWriter = pq.ParquetWriter(
                path, schema, compression="snappy"
            )
        else:
            self._writer = pa_csv.CSVWriter(path, schema)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()


def _holds_world(out: Path) -> bool:
    """Whether ``out`` already holds contract tables, a truth folder or a success marker."""
    if not out.exists():
        return False
    names = {p.name for p in out.iterdir()}
    tables = {f"{t}.{ext}" for t in ALL_TABLES for ext in FORMATS}
    return bool(names & (tables | {TRUTH_DIR, SUCCESS}))


def _check_request(
    out: Path, scenario: str, teams: int | None, months: int | None, fmt: str
) -> Scenario:
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a folder")
    if _holds_world(out):
        raise UserError(
            f"--out {out} already holds a world (contract tables, truth/ or _SUCCESS); "
            "choose an empty or new folder"
        )
    if teams is not None and teams < 1:
        raise UserError("--teams must be at least 1")
    if months is not None and months < 6:
        raise UserError("--months must be at least 6 (the label needs a pre and a post window)")
    try:
        return build_scenario(scenario, teams, months)
    except ValueError as bad:
        raise UserError(str(bad)) from bad


def run_generate(
    out: Path,
    scenario: str = "default",
    teams: int | None = None,
    months: int | None = None,
    seed: int = DEFAULT_SEED,
    fmt: str = "parquet",
    truth: bool = False,
    interventions: str = "none",
    intervention_effect: float = 1.0,
) -> GenerateSummary:
    """Simulate the scenario and write its tables (and truth) under ``out``."""
    started = time.perf_counter()
    spec = _check_request(out, scenario, teams, months, fmt)
    if interventions not in INTERVENTION_POLICIES:
        raise UserError(
            f"--interventions must be one of {', '.join(INTERVENTION_POLICIES)}, "
            f"got {interventions!r}"
        )
    if not 0.0 <= intervention_effect <= 5.0:
        raise UserError("--intervention-effect must be between 0 and 5")
    spec = replace(spec, interventions=interventions, intervention_effect=intervention_effect)
    want_truth = truth or spec.truth_by_default
    streams = RandomStreams.from_seed(seed)
    world = build_world(spec, streams, keep_states=want_truth)

    out.mkdir(parents=True, exist_ok=True)
    partial = out / PARTIAL
    if partial.exists():
        shutil.rmtree(partial)  # leftovers of a killed run of ours
    partial.mkdir()
    ext = "parquet" if fmt == "parquet" else "csv"
    rows: dict[str, int] = {}

    def write_whole(name: str, table: pa.Table) -> None:
        writer = _TableWriter(partial / f"{name}.{ext}", SCHEMAS[name], fmt)
        writer.write(table)
        writer.close()
        rows[name] = writer.rows

    write_whole("teams", teams_table(world))
    write_whole("employees", employees_table(world))
    write_whole("assignments", assignments_table(world))
    write_whole("workload", workload_table(world, streams.workload))
    write_whole("surveys", surveys_table(world, streams.surveys))
    if spec.interventions != "none":
        write_whole("interventions", interventions_table(world))
    timesheets = _TableWriter(partial / f"timesheets.{ext}", SCHEMAS["timesheets"], fmt)
    leave = _TableWriter(partial / f"leave.{ext}", SCHEMAS["leave"], fmt)
    for month_timesheets, month_leave in daily_records(world, streams.daily):
        timesheets.write(month_timesheets)
        leave.write(month_leave)
    timesheets.close()
    leave.close()
    rows["timesheets"], rows["leave"] = timesheets.rows, leave.rows

    truth_rows = None
    truth_seconds = None
    if want_truth:
        truth_started = time.perf_counter()
        config = LabelConfig()
        truth_frame = team_month_truth(world, streams.truth, config)
        (partial / TRUTH_DIR).mkdir()
        _write_frame(truth_frame, partial / TRUTH_DIR / "team_month.parquet")
        _write_frame(campaigns_frame(world), partial / TRUTH_DIR / "campaigns.parquet")
        if spec.interventions != "none":
            effects = intervention_truth(world, streams.truth)
            _write_frame(effects, partial / TRUTH_DIR / "interventions.parquet")
        (partial / TRUTH_DIR / "world.json").write_text(
            json.dumps(
                _world_facts(world, spec, seed, config),
                ensure_ascii=False,
                indent=2,
                sort_keys=True,
            )
            + "\n",
            encoding="utf-8",
        )
        truth_rows = len(truth_frame)
        truth_seconds = time.perf_counter() - truth_started

    files = _publish(partial, out)
    (out / SUCCESS).write_text(
        json.dumps(
            {"scenario": spec.name, "seed": seed, "rows": rows, "world_version": WORLD_VERSION},
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    return GenerateSummary(
        out=out,
        scenario=spec.name,
        teams=spec.teams,
        months=spec.months,
        first_month=spec.first_month,
        last_month=spec.last_month,
        seed=seed,
        fmt=fmt,
        rows={name: rows[name] for name in ALL_TABLES if name in rows},
        truth_rows=truth_rows,
        seconds=time.perf_counter() - started,
        truth_seconds=truth_seconds,
        files=files,
    )


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    """A pandas frame as Parquet without pandas metadata (keeps bytes stable across runs)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(None), path, compression="snappy")


def _world_facts(world: World, spec: Scenario, seed: int, config: LabelConfig) -> dict[str, object]:
    """What evaluation needs to know about the world besides the team-month truth."""
    story = None
    if spec.seed_story is not None and world.seed_story_teams is not None:
        story = {
            "month": spec.seed_story_month(),
            "departments": list(spec.seed_story.departments),
            "multiplier": spec.seed_story.multiplier,
            "months": spec.seed_story.months,
            "team_ids": world.teams.team_ids[world.seed_story_teams].tolist(),
        }
    return {
        "world_version": WORLD_VERSION,
        "scenario": spec.name,
        "seed": seed,
        "teams": spec.teams,
        "months": spec.months,
        "first_month": spec.first_month,
        "last_month": spec.last_month,
        "futures_per_team_month": spec.futures,
        "label_config": config.as_dict(),
        "label_config_hash": config.config_hash(),
        "seed_story": story,
        "interventions": spec.interventions,
        "intervention_effect": spec.intervention_effect,
    }


def _publish(partial: Path, out: Path) -> list[str]:
    """Move every finished file from the partial folder into place (renames, same disk)."""
    names: list[str] = []
    for path in sorted(partial.iterdir()):
        if path.is_file():
            os.replace(path, out / path.name)
            names.append(path.name)
    truth = partial / TRUTH_DIR
    if truth.exists():
        os.replace(truth, out / TRUTH_DIR)
        names.extend(f"{TRUTH_DIR}/{p.name}" for p in sorted((out / TRUTH_DIR).iterdir()))
    partial.rmdir()
    return names


def print_summary(summary: GenerateSummary, console: Console | None = None) -> None:
    """The rows written per table, as a small rich table."""
    console = console or Console()
    table = Table(
        title=(
            f"{summary.scenario}: {summary.teams} teams, {summary.first_month}.."
            f"{summary.last_month}, seed {summary.seed} -> {summary.out}"
        )
    )
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        table.add_row(name, f"{count:,}")
    if summary.truth_rows is not None:
        table.add_row("truth/team_month", f"{summary.truth_rows:,}")
    console.print(table)
    console.print(f"written in {summary.seconds:.1f} s")


@click.command("generate")
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="folder to write"
)
@click.option(
    "--scenario",
    type=click.Choice(SCENARIO_NAMES),
    default="default",
    show_default=True,
    help="which world",
)
@click.option("--teams", type=int, default=None, help="override the scenario's team count")
@click.option("--months", type=int, default=None, help="override the scenario's month count")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="random seed")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="parquet", show_default=True)
@click.option(
    "--truth",
    is_flag=True,
    default=False,
    help="also write truth/ (always written for default, seed-story and eval)",
)
@click.option(
    "--interventions",
    type=click.Choice(INTERVENTION_POLICIES),
    default="none",
    show_default=True,
    help="plant HR interventions on teams in trouble: random (half of them) or worst-first "
    "(the worse half: confounded); writes the interventions table and, with the truth, "
    "truth/interventions.parquet with their true effects",
)
@click.option(
    "--intervention-effect",
    type=float,
    default=1.0,
    show_default=True,
    help="how strongly they act (0: planted with no effect at all)",
)
def generate_command(
    out: Path,
    scenario: str,
    teams: int | None,
    months: int | None,
    seed: int,
    fmt: str,
    truth: bool,
    interventions: str,
    intervention_effect: float,
) -> None:
    """Write a synthetic back office (the contract's tables) and its ground truth."""
    summary = run_generate(
        out, scenario, teams, months, seed, fmt, truth, interventions, intervention_effect
    )
    print_summary(summary)
