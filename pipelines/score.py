"""``erisk score``: the monthly batch job that scores every team and stores the results.

``run_score`` reads as its steps: check that the timesheets reach the month's last business
day -> take the month's lock -> resolve the model alias to a concrete version -> features of
M (and M-1 for "up from ...") -> contributions -> explanations in both languages -> replace
the month in one transaction -> MLflow batch run with drift -> HR report files.
``--all-months`` backfills every scorable month in order, loading model and data once.

Features come from the feature cache of the current snapshot (``erisk features``) when the
month is there, else they are computed from the snapshot (same rows, by construction).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import numpy as np
import pandas as pd

from features.calendar import (
    last_business_day,
    month_range,
    month_start,
    months_of,
    parse_month,
    shift_month,
)
from features.tables import ALL_TABLES, Tables
from models.drift import WARN_ABOVE, feature_drift, seasonal_reference
from models.review import SCORED, BandRules, rank_month, review_capacity
from models.scoring import score_team_months
from pipelines.csv_cells import write_csv
from pipelines.errors import UserError
from pipelines.scores_store import LANGS, BatchRun, ScoredTeam, ScoresStore
from pipelines.settings import Settings, load_settings
from pipelines.snapshots import SnapshotStore

if TYPE_CHECKING:
    from models.registry import ModelBundle

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_EXPERIMENT = "engagement-risk-batch"
DEFAULT_ALIAS = "champion"
ENGINES = ("pandas", "spark")
TRAINING_TABLE_ARTIFACT = "training_table.parquet"
# fallback drift reference: rows dated before M minus this many months (their labels were
# complete when a model was trained, so they stand in for the training window)
REFERENCE_GAP_MONTHS = 3
# drift.reference -> how the console names it; a seasonal reference adds SEASONAL_SUFFIX
REFERENCE_WORDS = {
    "training_table": "the training data",
    "snapshot_before_m-3": "the snapshot's months before M-3",
}
SEASONAL_SUFFIX = "_same_calendar_month"
FEATURE_MONTHS_DIR = "months"
TIMESHEET_LOOKBACK_MONTHS = 12
RISK_HISTOGRAM_BINS = 20


@dataclass(frozen=True)
class ScoreSummary:
    """What one month's run did: the model, the counts, the drift and where it all went."""

    month: str
    model_name: str
    model_version: int | None
    model_uri: str
    snapshot_id: str
    batch_run_id: str
    mlflow_run_id: str
    team_count: int
    skipped_empty_teams: int
    band_counts: dict[str, int]
    flag_counts: dict[str, int]
    drift: pd.DataFrame
    bands_source: str
    reference_source: str
    report_files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    review_count: int = 0
    review_capacity: int = 0
    insufficient_history: int = 0

    @property
    def drift_warnings(self) -> list[str]:
        flagged = self.drift[self.drift["warning"]]
        return [
            f"{row.feature} (PSI {row.psi:.2f})"
            if row.psi > WARN_ABOVE
            else f"{row.feature} (missing {row.missing_reference:.0%} -> {row.missing_current:.0%})"
            for row in flagged.itertuples()
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "model_uri": self.model_uri,
            "snapshot_id": self.snapshot_id,
            "batch_run_id": self.batch_run_id,
            "mlflow_run_id": self.mlflow_run_id,
            "team_count": self.team_count,
            "skipped_empty_teams": self.skipped_empty_teams,
            "band_counts": self.band_counts,
            "flag_counts": self.flag_counts,
            "review_count": self.review_count,
            "review_capacity": self.review_capacity,
            "insufficient_history": self.insufficient_history,
            "drift_warnings": self.drift_warnings,
            "report_files": [str(p) for p in self.report_files],
            "seconds": round(self.seconds, 2),
        }


# ---- the data of the current snapshot ----------------------------------------------------
class SnapshotData:
    """The current snapshot as the job needs it: timesheet span, teams and features.

    The tables are loaded only when a month's features are not in the feature cache, and
    then with timesheets from ``TIMESHEET_LOOKBACK_MONTHS`` before the first month needed
    (the catalogue's longest timesheet window is 6 months; twice that is kept). At the
    enterprise scale this reads ~8M of 36M timesheet rows; a test checks that the features
    are identical to those built from the whole snapshot.
    """

    def __init__(self, settings: Settings) -> None:
        self.store = SnapshotStore(settings.snapshots_dir)
        self.snapshot_id = self.store.require_current()
        self.cache_dir = settings.features_dir / self.snapshot_id / FEATURE_MONTHS_DIR
        self._tables: Tables | None = None
        self._tables_since: str | None = None

    @property
    def tables(self) -> Tables:
        """Every table, whole."""
        return self.tables_for(None)

    def tables_for(self, first_month: str | None) -> Tables:
        """The tables, with timesheets trimmed to what features of ``first_month`` on read
        (None: everything). A wider request reloads; a narrower one reuses."""
        since = (
            None if first_month is None else shift_month(first_month, -TIMESHEET_LOOKBACK_MONTHS)
        )
        loaded = self._tables is not None
        if loaded and (
            self._tables_since is None or (since is not None and since >= self._tables_since)
        ):
            return self._tables  # type: ignore[return-value]
        self._tables = self._load(since)
        self._tables_since = since
        return self._tables

    def _load(self, since: str | None) -> Tables:
        import pyarrow.parquet as pq

        if since is None:
            return self.store.load(self.snapshot_id)
        folder = self.store.root / self.snapshot_id
        frames = {}
        for name in ALL_TABLES:
            path = folder / f"{name}.parquet"
            if not path.exists():
                continue
            filters = (
                [("work_date", ">=", month_start(since).to_pydatetime())]
                if name == "timesheets"
                else None
            )
            frames[name] = pq.read_table(path, filters=filters).to_pandas()
        return Tables(**frames)

    @cached_property
    def timesheet_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last work date of the snapshot (read alone: it decides what is scorable)."""
        path = self.store.root / self.snapshot_id / "timesheets.parquet"
        if path.exists():
            import pyarrow.compute as pc
            import pyarrow.parquet as pq

            column = pq.read_table(path, columns=["work_date"]).column("work_date")
            bounds = pc.min_max(column).as_py()
            first, last = bounds["min"], bounds["max"]
        else:
            dates = self.tables.timesheets["work_date"]
            first, last = dates.min(), dates.max()
        if first is None or pd.isna(first):
            return None
        return pd.Timestamp(first), pd.Timestamp(last)

    @property
    def first_month(self) -> str | None:
        """The first month the export covers (its earliest timesheet's month)."""
        span = self.timesheet_span
        return None if span is None else f"{span[0]:%Y-%m}"

    def scorable_months(self) -> list[str]:
        """Every month from the first timesheet month whose last business day is covered."""
        span = self.timesheet_span
        if span is None:
            return []
        first, last_day = (str(months_of(pd.Series([day])).iloc[0]) for day in span)
        if span[1] < last_business_day(last_day):
            last_day = shift_month(last_day, -1)
        if parse_month(last_day) < parse_month(first):
            return []
        return month_range(first, last_day)

    def require_scorable(self, month: str) -> None:
        """Refuse a month the data do not cover, with what to do about it."""
        try:
            parse_month(month)
        except ValueError as bad:
            raise UserError(str(bad)) from bad
        span = self.timesheet_span
        if span is None:
            raise UserError(f"cannot score {month}: the current snapshot holds no timesheets")
        first, last = span
        needed = last_business_day(month)
        if needed < first or parse_month(month) < parse_month(str(first.strftime("%Y-%m"))):
            raise UserError(
                f"cannot score {month}: no data for it (timesheets start on {first:%Y-%m-%d})"
            )
        if last < needed:
            raise UserError(
                f"cannot score {month}: timesheets end on {last:%Y-%m-%d}, before its last "
                f"business day {needed:%Y-%m-%d}. Ingest an export that covers the whole "
                "month, then run again (scores for earlier months are unchanged)"
            )

    def features(self, months: list[str]) -> pd.DataFrame:
        """Feature rows of ``months`` with ``team_name``; cached months are read, not rebuilt."""
        from features.build import compute_features

        parts = []
        missing = []
        for month in months:
            cached = self.cache_dir / f"{month}.parquet"
            if cached.exists():
                parts.append(pd.read_parquet(cached))
            else:
                missing.append(month)
        if missing:
            logger.info("features of %s not cached: computing them", ", ".join(missing))
            tables = self.tables_for(min(missing))
            # trimmed timesheets start later than the export: pass the export's first month
            parts.append(compute_features(tables, missing, first_month=self.first_month))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return self.with_history(frame.merge(self.team_names, on="team_id", how="left"))

    def with_history(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with ``history_months`` (``features.history``): what decides whether a
        team-month is ``insufficient_history``. Every scorer's rows carry it."""
        from features.history import HISTORY_COLUMN

        counted = self.history_of(list(rows["team_id"]), list(rows["month"])) if len(rows) else []
        return rows.assign(**{HISTORY_COLUMN: np.asarray(counted, dtype=np.float64)})

    def history_of(self, team_ids: list[object], months: list[object]) -> np.ndarray:
        """Months of history of each (team, month) in the data (NaN when the export has no
        timesheet); a team the snapshot never gave a member holds none."""
        from features.history import history_of_teams

        return history_of_teams(team_ids, months, self.first_month, self.team_start_months)

    @cached_property
    def team_start_months(self) -> dict[str, int]:
        """``team_id`` → the month its first member joined (from employees and assignments
        only: the timesheets are not read for it)."""
        from features.history import team_first_days, team_start_months

        folder = self.store.root / self.snapshot_id
        if not (folder / "employees.parquet").exists():
            return team_start_months(
                team_first_days(self.tables.employees, self.tables.assignments)
            )
        employees = pd.read_parquet(
            folder / "employees.parquet", columns=["employee_id", "team_id", "hire_date"]
        )
        path = folder / "assignments.parquet"
        assignments = (
            pd.read_parquet(path, columns=["employee_id", "team_id", "start_date"])
            if path.exists()
            else None
        )
        return team_start_months(team_first_days(employees, assignments))

    @cached_property
    def team_names(self) -> pd.DataFrame:
        path = self.store.root / self.snapshot_id / "teams.parquet"
        if path.exists():
            teams = pd.read_parquet(path, columns=["team_id", "team_name"])
        else:
            teams = self.tables.teams[["team_id", "team_name"]]
        return teams.astype({"team_id": "str", "team_name": "str"})


# ---- the model -----------------------------------------------------------------------
@dataclass(frozen=True)
class ResolvedModel:
    """A concrete registered version and what scoring needs from its run."""

    name: str
    version: int | None
    uri: str
    bundle: ModelBundle
    bands: BandRules
    bands_source: str


def resolve_model(settings: Settings, alias: str | None, version: int | None) -> ResolvedModel:
    """Turn ``--alias`` / ``--model-version`` into one concrete version, loaded."""
    from models.registry import configure_tracking, load_model_bundle, version_by_alias

    configure_tracking(settings.mlflow_tracking_uri)
    name = settings.model_name
    if version is None:
        alias = alias or DEFAULT_ALIAS
        found = version_by_alias(name, alias)
        if found is None:
            raise UserError(
                f"no {alias!r} version of model {name!r}: run `erisk train` and `erisk promote`"
                " (or pass --model-version N)"
            )
        version = int(found.version)
    uri = f"models:/{name}/{version}"
    try:
        bundle = load_model_bundle(uri, name)
    except Exception as missing:
        from mlflow.exceptions import MlflowException

        if isinstance(missing, MlflowException | OSError):
            raise UserError(f"cannot load {uri}: {missing}") from missing
        raise
    bands, source = _model_bands(bundle)
    return ResolvedModel(name, version, uri, bundle, bands, source)


def _model_bands(bundle: ModelBundle) -> tuple[BandRules, str]:
    """The model's base rate and band rules (``bands.json``); a model without them cannot
    band its teams (retrain it)."""
    if bundle.bands is None:
        raise UserError(
            "the model has no bands.json (its base rate): retrain it with `erisk train`"
        )
    return bundle.bands, "model"


def read_run_artifact(
    run_id: str | None, candidates: tuple[str, ...], read: Callable[[Path], T]
) -> T | None:
    """``read`` applied to the first of ``candidates`` that the run holds; None if none.

    Downloads into a temporary folder that is removed afterwards (MLflow's default download
    folder is never cleaned up).
    """
    if run_id is None:
        return None
    import mlflow

    listed = {item.path for item in mlflow.MlflowClient().list_artifacts(run_id)}
    with tempfile.TemporaryDirectory(prefix="erisk-score-") as scratch:
        for candidate in candidates:
            if candidate.split("/")[0] not in listed:
                continue
            try:
                local = mlflow.artifacts.download_artifacts(
                    run_id=run_id, artifact_path=candidate, dst_path=scratch
                )
            except Exception:  # absent in that folder: try the next place
                logger.debug("no %s in run %s", candidate, run_id)
                continue
            return read(Path(local))
    return None


def describe_reference(source: str) -> str:
    """The console's words for a ``drift.reference`` value."""
    base = source.removesuffix(SEASONAL_SUFFIX)
    words = REFERENCE_WORDS.get(base, base)
    return f"the same month of earlier years in {words}" if base != source else words


# ---- the job ---------------------------------------------------------------------------
class ScoringJob:
    """Model, snapshot and store, loaded once; :meth:`score` does one month."""

    engine = "pandas"

    def __init__(
        self, settings: Settings, model: ResolvedModel, data: SnapshotData, store: ScoresStore
    ) -> None:
        self.settings = settings
        self.model = model
        self.data = data
        self.store = store

    @cached_property
    def reference(self) -> tuple[pd.DataFrame, str]:
        """The drift reference: the model's training rows, else older snapshot rows."""
        frame = read_run_artifact(
            self.model.bundle.run_id, (TRAINING_TABLE_ARTIFACT,), pd.read_parquet
        )
        if frame is not None:
            return frame, "training_table"
        return pd.DataFrame(), "snapshot"

    def reference_for(self, month: str) -> tuple[pd.DataFrame, str]:
        """The rows ``month`` is compared with, and their name (``drift.reference``): the
        same calendar month of earlier years when there are enough of them (seasons)."""
        frame, source = self.reference
        if source != "training_table":
            cutoff = shift_month(month, -REFERENCE_GAP_MONTHS)
            earlier = [m for m in self.data.scorable_months() if m < cutoff]
            logger.warning(
                "model run has no %s: drift reference = snapshot rows before %s",
                TRAINING_TABLE_ARTIFACT,
                cutoff,
            )
            frame = self.data.features(earlier) if earlier else pd.DataFrame()
            source = "snapshot_before_m-3"
        seasonal = seasonal_reference(frame, month)
        if seasonal is None:
            return frame, source
        return seasonal, source + SEASONAL_SUFFIX

    def score(self, month: str, progress: Callable[[int], None] | None = None) -> ScoreSummary:
        """Score one month under its lock and write it; the caller checked it is scorable."""
        with self.store.month_lock(month):
            return self.score_locked(month, progress)

    def score_locked(
        self, month: str, progress: Callable[[int], None] | None = None
    ) -> ScoreSummary:
        """Score one month; the caller holds the month's lock."""
        started_clock = time.perf_counter()
        started = dt.datetime.now(dt.UTC)
        rows = self.data.features([shift_month(month, -1), month])
        current = rows[(rows["month"] == month) & (rows["headcount"] > 0)].reset_index(drop=True)
        previous = rows[rows["month"] == shift_month(month, -1)].reset_index(drop=True)
        skipped = int(((rows["month"] == month) & ~(rows["headcount"] > 0)).sum())
        if current.empty:
            raise UserError(f"cannot score {month}: no team has members at its end")
        teams, risk = self._explain(current, previous if len(previous) else None)
        reference, reference_source = self.reference_for(month)
        schema = self.model.bundle.features
        drift = feature_drift(reference, current, schema.names, schema.categorical)
        batch_run_id = uuid.uuid4().hex
        scored = sum(t.status == SCORED for t in teams)
        summary = ScoreSummary(
            month=month,
            model_name=self.model.name,
            model_version=self.model.version,
            model_uri=self.model.uri,
            snapshot_id=self.data.snapshot_id,
            batch_run_id=batch_run_id,
            mlflow_run_id="",
            team_count=len(teams),
            skipped_empty_teams=skipped,
            band_counts={band: sum(t.band == band for t in teams) for band in BANDS},
            flag_counts={flag: sum(flag in t.flags for t in teams) for flag in FLAGS},
            drift=drift,
            bands_source=self.model.bands_source,
            reference_source=reference_source,
            review_count=sum(t.review for t in teams),
            review_capacity=review_capacity(scored, self.settings.review_capacity),
            insufficient_history=len(teams) - scored,
        )
        return self._write_and_log(summary, teams, risk, started, started_clock, progress)

    def _explain(
        self, current: pd.DataFrame, previous: pd.DataFrame | None
    ) -> tuple[list[ScoredTeam], np.ndarray]:
        """The month's teams, explained in every language and ranked: rank and review are
        decided once the whole month is explained (``models.review.rank_month``), the same
        in every language."""
        by_lang = {
            lang: rank_month(results, self.settings.review_capacity)
            for lang, results in self._results(current, previous).items()
        }
        teams = [
            ScoredTeam.from_results({lang: by_lang[lang][i] for lang in LANGS}, self.model.version)
            for i in range(len(by_lang[LANGS[0]]))
        ]
        return teams, np.array([team.risk for team in teams], dtype=np.float64)

    def _results(
        self, current: pd.DataFrame, previous: pd.DataFrame | None
    ) -> dict[str, list[dict[str, Any]]]:
        """Results in every language (row for row) through the path the CLI and the
        service share."""
        return {
            lang: score_team_months(self.model.bundle, current, previous, self.model.bands, lang)  # type: ignore[arg-type]
            for lang in LANGS
        }

    def _write_and_log(
        self,
        summary: ScoreSummary,
        teams: list[ScoredTeam],
        risk: np.ndarray,
        started: dt.datetime,
        started_clock: float,
        progress: Callable[[int], None] | None,
    ) -> ScoreSummary:
        import mlflow

        from models.registry import ensure_experiment
        from pipelines.report import write_month_reports

        experiment_id = ensure_experiment(self.settings.mlflow_tracking_uri, BATCH_EXPERIMENT)
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=f"score {summary.month}"
        ) as run:
            summary = _with(summary, mlflow_run_id=run.info.run_id)
            batch = BatchRun(
                id=summary.batch_run_id,
                month=summary.month,
                model_name=summary.model_name,
                model_version=summary.model_version,
                model_uri=summary.model_uri,
                snapshot_id=summary.snapshot_id,
                started_at=started,
                finished_at=dt.datetime.now(dt.UTC),
                mlflow_run_id=run.info.run_id,
                team_count=summary.team_count,
                review_capacity=summary.review_capacity,
                model_bands=self.model.bands,
            )
            self.store.replace_month(batch, teams, progress)
            files = write_month_reports(self.store, summary.month, self.settings.data_dir)
            summary = _with(summary, report_files=files)
            _log_batch_run(summary, self.model.bands, risk, self.engine)
            for path in files:
                mlflow.log_artifact(str(path), artifact_path="report")
            summary = _with(summary, seconds=time.perf_counter() - started_clock)
            mlflow.log_metric("seconds", summary.seconds)
        if summary.drift_warnings:
            logger.warning(
                "drift in %s: %d feature(s) with PSI above %.1f against %s: %s",
                summary.month,
                len(summary.drift_warnings),
                WARN_ABOVE,
                describe_reference(summary.reference_source),
                ", ".join(summary.drift_warnings),
            )
        return summary


BANDS = ("low", "medium", "high")
FLAGS = ("buffer", "recognition")


def _with(summary: ScoreSummary, **changes: Any) -> ScoreSummary:
    from dataclasses import replace

    return replace(summary, **changes)


def _log_batch_run(
    summary: ScoreSummary, bands: BandRules, risk: np.ndarray, engine: str = "pandas"
) -> None:
    """Params, metrics, tags and small artifacts of the batch run."""
    import mlflow

    mlflow.log_params(
        {
            "month": summary.month,
            "model_name": summary.model_name,
            "model_version": summary.model_version,
            "model_uri": summary.model_uri,
            "snapshot_id": summary.snapshot_id,
            "batch_run_id": summary.batch_run_id,
            "engine": engine,
            "bands.base_rate": bands.base_rate,
            "bands.medium_lift": bands.medium_lift,
            "bands.high_lift": bands.high_lift,
            "bands.source": summary.bands_source,
            "drift.reference": summary.reference_source,
            "drift.warn_above": WARN_ABOVE,
        }
    )
    quantiles = np.quantile(risk, [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    metrics: dict[str, float] = {
        "team_count": summary.team_count,
        "skipped_empty_teams": summary.skipped_empty_teams,
        "flagged_teams": sum(summary.flag_counts.values()),
        "review_list": summary.review_count,
        "review_capacity": summary.review_capacity,
        "insufficient_history": summary.insufficient_history,
        "risk.mean": float(np.mean(risk)),
        "risk.max": float(np.max(risk)),
        **{
            f"risk.p{q}": float(v) for q, v in zip((10, 25, 50, 75, 90, 99), quantiles, strict=True)
        },
        **{f"band.{band}": count for band, count in summary.band_counts.items()},
        **{f"flags.{flag}": count for flag, count in summary.flag_counts.items()},
        "drift.warnings": len(summary.drift_warnings),
    }
    finite = summary.drift[np.isfinite(summary.drift["psi"])]
    metrics.update({f"psi.{row.feature}": float(row.psi) for row in finite.itertuples()})
    if len(finite):
        metrics["drift.max_psi"] = float(finite["psi"].max())
    mlflow.log_metrics(metrics)
    mlflow.set_tags(
        {
            "model_version": str(summary.model_version),
            "snapshot_id": summary.snapshot_id,
            "drift.warning": "; ".join(summary.drift_warnings) or "none",
        }
    )
    counts, edges = np.histogram(risk, bins=RISK_HISTOGRAM_BINS, range=(0.0, 1.0))
    with tempfile.TemporaryDirectory(prefix="erisk-score-") as scratch:
        folder = Path(scratch)
        write_csv(summary.drift, folder / "drift_psi.csv", index=False)
        (folder / "score_distribution.json").write_text(
            json.dumps({"bin_edges": edges.round(4).tolist(), "counts": counts.tolist()})
        )
        mlflow.log_artifacts(str(folder))


# ---- entry points ----------------------------------------------------------------------
def run_score(
    settings: Settings,
    month: str,
    alias: str | None = DEFAULT_ALIAS,
    version: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score one month end to end (see the module docstring for the steps)."""
    data = SnapshotData(settings)
    data.require_scorable(month)
    store = ScoresStore.from_settings(settings)
    try:
        with store.month_lock(month):
            job = ScoringJob(settings, resolve_model(settings, alias, version), data, store)
            return job.score_locked(month, progress)
    finally:
        store.dispose()


def run_backfill(
    settings: Settings, alias: str | None = DEFAULT_ALIAS, version: int | None = None
) -> list[ScoreSummary]:
    """Score every scorable month of the current snapshot, oldest first, each under its own
    lock and in its own transaction: a month held by another job stops the backfill there
    (exit 2), with the months before it scored."""
    data = SnapshotData(settings)
    months = data.scorable_months()
    if not months:
        raise UserError("nothing to score: no month of the current snapshot is complete")
    store = ScoresStore.from_settings(settings)
    job = ScoringJob(settings, resolve_model(settings, alias, version), data, store)
    try:
        return [job.score(month) for month in months]
    finally:
        store.dispose()


@click.command("score")
@click.option("--month", default=None, metavar="YYYY-MM", help="The month to score.")
@click.option("--all-months", is_flag=True, help="Backfill every scorable month, oldest first.")
@click.option(
    "--engine", type=click.Choice(ENGINES), default="pandas", show_default=True, help="Engine."
)
@click.option(
    "--master", default=None, metavar="URL", help="Spark master (--engine spark; default local[2])."
)
@click.option("--alias", default=None, help="Registered model alias (default: champion).")
@click.option("--model-version", type=int, default=None, help="A registered version instead.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def score_command(
    month: str | None,
    all_months: bool,
    engine: str,
    master: str | None,
    alias: str | None,
    model_version: int | None,
    lang: str,
    as_json: bool,
) -> int:
    """Score every team for a month with the champion model and store the results."""
    if master is not None and engine != "spark":
        raise UserError("--master applies to --engine spark only")
    if (month is None) == (not all_months):
        raise UserError("choose --month YYYY-MM or --all-months")
    if alias is not None and model_version is not None:
        raise UserError("choose --alias or --model-version, not both")
    settings = load_settings()
    if engine == "spark":
        from pipelines.spark_engine import run_backfill_spark, run_score_spark

        if all_months:
            summaries = run_backfill_spark(settings, alias, model_version, master)
        else:
            assert month is not None
            summaries = [run_score_spark(settings, month, alias, model_version, master)]
    elif all_months:
        summaries = run_backfill(settings, alias, model_version)
    else:
        assert month is not None
        summaries = [run_score(settings, month, alias, model_version)]
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in summaries], ensure_ascii=False, indent=2))
    else:
        print_summaries(summaries, lang)
    return 0


def print_summaries(summaries: list[ScoreSummary], lang: str) -> None:
    """One console line per month, then the drift warnings."""
    from rich.console import Console
    from rich.table import Table

    ja = lang == "ja"
    console = Console()
    table = Table(title="erisk score" + (" (バッチ採点)" if ja else ""))
    headers = (
        (
            "月",
            "モデル",
            "チーム数",
            "要確認",
            "高",
            "中",
            "業務負荷フラグ",
            "承認フラグ",
            "履歴不足",
            "ドリフト",
            "秒",
        )
        if ja
        else (
            "month",
            "model",
            "teams",
            "review list",
            "high",
            "medium",
            "buffer",
            "recognition",
            "short history",
            "drift",
            "s",
        )
    )
    for header in headers:
        table.add_column(header, justify="right" if header not in ("month", "月") else "left")
    for s in summaries:
        table.add_row(
            s.month,
            f"v{s.model_version}",
            f"{s.team_count:,}",
            f"{s.review_count} / {s.review_capacity}",
            f"{s.band_counts['high']:,}",
            f"{s.band_counts['medium']:,}",
            f"{s.flag_counts['buffer']:,}",
            f"{s.flag_counts['recognition']:,}",
            f"{s.insufficient_history:,}",
            f"{len(s.drift_warnings)}",
            f"{s.seconds:.1f}",
        )
    console.print(table)
    console.print(
        "要確認: リスク「高」のチームを上位から最大 k チーム（要確認 / k）"
        if ja
        else "review list: the high teams to act on first, at most k (listed / k)"
    )
    drifting = [s for s in summaries if s.drift_warnings]
    if drifting:
        label = "ドリフト警告（PSI > 0.2）の月" if ja else "months with drift warnings (PSI > 0.2)"
        console.print(f"[yellow]{label}: {', '.join(s.month for s in drifting)}[/yellow]")
    if summaries:
        last = summaries[-1]
        console.print(("レポート: " if ja else "report: ") + ", ".join(map(str, last.report_files)))
