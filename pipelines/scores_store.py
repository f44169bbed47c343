"""The scores store: where each month's scored teams land and where HR tools read them.

A real SQL database through SQLAlchemy, its schema managed by Alembic
(``pipelines/migrations``) and upgraded to head before first use. By default a SQLite file
in the data dir (``$ERISK_DATA_DIR/scores.db``, zero set-up); in production PostgreSQL via
``ERISK_DB_URL``.

Why it is safe to re-run and to kill:
- :meth:`ScoresStore.replace_month` deletes a month's rows and inserts the new ones in ONE
  transaction, so readers see either the old month or the new one, never a mix; a process
  killed mid-write leaves the transaction uncommitted and the old rows stay (SQLite in WAL
  mode rolls the journal back, PostgreSQL aborts the dead session's transaction);
- :meth:`ScoresStore.month_lock` lets one job at a time score a month. On PostgreSQL it is a
  session-level advisory lock held on a dedicated connection, on SQLite an ``flock`` on a
  file next to the database. Both die with the process that holds them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models.review import SCORED, BandRules
from pipelines.errors import UserError
from pipelines.interventions import NewIntervention
from pipelines.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_DB_FILE = "scores.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# advisory-lock namespace of this project ("ERIS" as a 32-bit integer); object 0 = migrations
LOCK_CLASS = 0x45524953
MIGRATION_LOCK_OBJECT = 0
INSERT_BATCH_ROWS = 500
LANGS: tuple[str, ...] = ("en", "ja")
# what a result stored before the review list (revision 0002) reads back as
RESULT_DEFAULTS: dict[str, Any] = {"rank": None, "lift": None, "review": False, "status": SCORED}

metadata = sa.MetaData()

batch_runs = sa.Table(
    "batch_runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("month", sa.CHAR(7), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=True),
    sa.Column("model_uri", sa.String(500), nullable=False),
    sa.Column("snapshot_id", sa.String(100), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("mlflow_run_id", sa.String(64), nullable=True),
    sa.Column("team_count", sa.Integer, nullable=False),
    # k of the month's review list, and the model's bands.json (base rate, lift cuts and the
    # backtest figures of the review list and bands): reports show them without MLflow
    sa.Column("review_capacity", sa.Integer, nullable=True),
    sa.Column("model_bands", sa.Text, nullable=True),
    sa.Index("ix_batch_runs_month", "month"),
)

scored_teams = sa.Table(
    "scored_teams",
    metadata,
    sa.Column("month", sa.CHAR(7), primary_key=True),
    sa.Column("team_id", sa.String(100), primary_key=True),
    sa.Column("team_name", sa.String(500), nullable=True),
    sa.Column("department", sa.String(200), nullable=True),
    sa.Column("risk", sa.Float, nullable=False),
    sa.Column("band", sa.String(8), nullable=False),
    sa.Column("flags", sa.String(100), nullable=False),
    sa.Column("result_en", sa.Text, nullable=False),
    sa.Column("result_ja", sa.Text, nullable=False),
    sa.Column("model_version", sa.Integer, nullable=True),
    sa.Column("batch_run_id", sa.String(32), sa.ForeignKey("batch_runs.id"), nullable=False),
    sa.Column("lift", sa.Float, nullable=True),
    sa.Column("rank", sa.Integer, nullable=True),
    sa.Column("review", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(24), nullable=False, server_default=SCORED),
    sa.Index("ix_scored_teams_team_month", "team_id", "month"),
    sa.Index("ix_scored_teams_month_risk", "month", "risk"),
)


# what HR did (issue 20): facts, never updated nor deleted (revision 0003)
interventions = sa.Table(
    "interventions",
    metadata,
    sa.Column("intervention_id", sa.String(100), primary_key=True),
    sa.Column("team_id", sa.String(100), nullable=False),
    sa.Column("department", sa.String(200), nullable=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("intervention", sa.String(24), nullable=False),
    sa.Column("action_id", sa.String(100), nullable=True),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("cancels", sa.String(100), nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_interventions_team", "team_id", "start_date"),
    sa.Index("ix_interventions_department", "department"),
)


class UnknownCancelsError(UserError):
    """A row cancels an intervention_id that is neither recorded nor among the new rows."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        shown = ", ".join(repr(m) for m in self.missing[:5])
        super().__init__(
            f"cancels {shown}: must reference an intervention_id recorded before "
            "(see `erisk interventions list`)"
        )


@dataclass(frozen=True)
class StoredIntervention(NewIntervention):
    """A recorded intervention as read back, with whether a later row withdrew it."""

    cancelled: bool

    def as_json(self) -> dict[str, Any]:
        """The shape of ``erisk interventions list --json`` and ``/v1/interventions``."""
        return {
            **self.as_row(),
            "start_date": self.start_date.isoformat(),
            "recorded_at": self.recorded_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "cancelled": self.cancelled,
        }


def scores_db_url(settings: Settings) -> str:
    """The store's URL: ``ERISK_DB_URL`` (``Settings.db_url``) if set, else the SQLite file
    in the data dir."""
    explicit = (settings.db_url or "").strip()
    if explicit:
        return normalise_url(explicit)
    return f"sqlite:///{(Path(settings.data_dir) / DEFAULT_DB_FILE).resolve()}"


def existing_store(settings: Settings) -> ScoresStore | None:
    """The scores store if there is one to read: a SQLite file that exists, or any other
    URL (a reader such as ``erisk explain`` must not create an empty store as a side
    effect)."""
    url = scores_db_url(settings)
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if not database or not Path(database).exists():
            return None
    return ScoresStore(url)


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2 otherwise)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def month_key(month: str) -> int:
    """A month as the integer ``YYYYMM``: the object id of its advisory lock."""
    return int(month[:4]) * 100 + int(month[5:7])


@dataclass(frozen=True)
class BatchRun:
    """One run of the batch job for one month (kept as history; the newest one counts)."""

    id: str
    month: str
    model_name: str
    model_version: int | None
    model_uri: str
    snapshot_id: str
    started_at: dt.datetime
    finished_at: dt.datetime
    mlflow_run_id: str | None
    team_count: int
    review_capacity: int | None = None
    model_bands: BandRules | None = None

    @property
    def backtest(self) -> dict[str, Any]:
        """The backtest figures of the review list and bands of the model that scored the
        month (empty for runs recorded before they were stored)."""
        return dict(self.model_bands.backtest) if self.model_bands is not None else {}

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "month": self.month,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "model_uri": self.model_uri,
            "snapshot_id": self.snapshot_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "mlflow_run_id": self.mlflow_run_id,
            "team_count": self.team_count,
            "review_capacity": self.review_capacity,
            "model_bands": (
                json.dumps(self.model_bands.as_dict()) if self.model_bands is not None else None
            ),
        }


@dataclass(frozen=True)
class ScoredTeam:
    """One team's result in every language (the ``explain_team_months`` output)."""

    month: str
    team_id: str
    team_name: str | None
    department: str | None
    risk: float
    band: str
    flags: tuple[str, ...]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_version: int | None = None
    lift: float | None = None
    rank: int | None = None
    review: bool = False
    status: str = SCORED

    @classmethod
    def from_results(
        cls, results: dict[str, dict[str, Any]], model_version: int | None
    ) -> ScoredTeam:
        """One team from its result in every language (the first language's fields)."""
        first = results[LANGS[0]]
        return cls(
            month=str(first["month"]),
            team_id=str(first["team_id"]),
            team_name=first["team_name"],
            department=first["department"],
            risk=float(first["risk"]),
            band=str(first["band"]),
            flags=tuple(first["flags"]),
            results=results,
            model_version=model_version,
            lift=first.get("lift"),
            rank=first.get("rank"),
            review=bool(first.get("review", False)),
            status=str(first.get("status", SCORED)),
        )

    def as_row(self, batch_run_id: str) -> dict[str, Any]:
        missing = [lang for lang in LANGS if lang not in self.results]
        if missing:
            raise ValueError(f"team {self.team_id}: no result in {', '.join(missing)}")
        return {
            "month": self.month,
            "team_id": self.team_id,
            "team_name": self.team_name,
            "department": self.department,
            "risk": float(self.risk),
            "band": self.band,
            "flags": ",".join(self.flags),
            "result_en": json.dumps(self.results["en"], ensure_ascii=False),
            "result_ja": json.dumps(self.results["ja"], ensure_ascii=False),
            "model_version": self.model_version,
            "batch_run_id": batch_run_id,
            "lift": self.lift,
            "rank": self.rank,
            "review": bool(self.review),
            "status": self.status,
        }


@dataclass(frozen=True)
class MonthScores:
    """A scored month as read back: the run that wrote it and its results, riskiest first."""

    month: str
    model_version: int | None
    run: BatchRun
    results: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The fixed ``erisk report --json`` shape."""
        return {"month": self.month, "model_version": self.model_version, "results": self.results}


class ScoresStore:
    """The scores database behind one URL (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = _make_engine(self.url)
        self._upgraded = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ScoresStore:
        return cls(scores_db_url(settings))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        """Close the pooled connections (tests, and before a process forks)."""
        self.engine.dispose()

    # ---- schema ------------------------------------------------------------------------
    def upgrade(self) -> None:
        """Bring the schema to Alembic's head; two first runs at once do not race."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._migration_lock(), self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:cls, :obj)"),
                    {"cls": LOCK_CLASS, "obj": MIGRATION_LOCK_OBJECT},
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        self._upgraded = True

    def _ready(self) -> None:
        if not self._upgraded:
            self.upgrade()

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite: a blocking ``flock`` beside the file (PostgreSQL locks in the transaction)."""
        if not self.is_sqlite:
            yield
            return
        database = self._sqlite_file()
        database.parent.mkdir(parents=True, exist_ok=True)
        with open(database.with_name(database.name + ".migrate.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _sqlite_file(self) -> Path:
        database = self.engine.url.database
        if not database or database == ":memory:":
            raise UserError("the scores store needs a SQLite file, not an in-memory database")
        return Path(database)

    # ---- the month lock ----------------------------------------------------------------
    @contextmanager
    def month_lock(self, month: str) -> Iterator[None]:
        """Hold the right to score ``month``; refuse (exit 2) when another job holds it."""
        if self.is_sqlite:
            with self._file_lock(month):
                yield
        else:
            with self._advisory_lock(month):
                yield

    @contextmanager
    def _file_lock(self, month: str) -> Iterator[None]:
        database = self._sqlite_file()
        database.parent.mkdir(parents=True, exist_ok=True)
        path = database.with_name(f"{database.name}.{month}.lock")
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as busy:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise UserError(
                    f"month {month} is already being scored by another job (process {holder}, "
                    f"lock {path}); wait for it to finish, then run again"
                ) from busy
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield

    @contextmanager
    def _advisory_lock(self, month: str) -> Iterator[None]:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            key = {"cls": LOCK_CLASS, "obj": month_key(month)}
            taken = connection.execute(
                sa.text("SELECT pg_try_advisory_lock(CAST(:cls AS int), CAST(:obj AS int))"), key
            ).scalar_one()
            if not taken:
                holder = connection.execute(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND classid = CAST(:cls AS oid) AND objid = CAST(:obj AS oid) LIMIT 1"
                    ),
                    key,
                ).scalar()
                raise UserError(
                    f"month {month} is already being scored by another job (PostgreSQL "
                    f"advisory lock held by backend {holder or 'unknown'}); wait for it to "
                    "finish, then run again"
                )
            try:
                yield
            finally:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(CAST(:cls AS int), CAST(:obj AS int))"),
                    key,
                )
        finally:
            connection.close()

    # ---- writing -----------------------------------------------------------------------
    def replace_month(
        self,
        run: BatchRun,
        teams: Sequence[ScoredTeam],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Replace ``run.month``'s rows with ``teams`` in one transaction.

        ``progress`` is called with the number of rows written after each insert batch
        (inside the transaction: nothing is visible to readers until the commit).
        """
        self._ready()
        rows = [team.as_row(run.id) for team in teams]
        wrong = {row["month"] for row in rows} - {run.month}
        if wrong:
            raise ValueError(f"rows for {sorted(wrong)} in the batch of {run.month}")
        if len({row["team_id"] for row in rows}) != len(rows):
            raise ValueError(f"duplicate team ids in the batch of {run.month}")
        with self.engine.begin() as connection:
            connection.execute(batch_runs.insert(), [run.as_row()])
            connection.execute(scored_teams.delete().where(scored_teams.c.month == run.month))
            written = 0
            for start in range(0, len(rows), INSERT_BATCH_ROWS):
                chunk = rows[start : start + INSERT_BATCH_ROWS]
                connection.execute(scored_teams.insert(), chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written)

    # ---- what HR did -------------------------------------------------------------------
    def add_interventions(
        self,
        rows: Sequence[NewIntervention],
        before_commit: Callable[[], None] | None = None,
    ) -> int:
        """Record the rows whose id is not recorded yet, in one transaction; returns how many.

        Importing the same history twice adds nothing. A ``cancels`` that names neither a
        recorded row nor one of ``rows`` is refused (``UnknownCancelsError``) and nothing is
        written. ``before_commit`` runs inside the transaction after the inserts (ingest
        switches its snapshot there): if it raises, nothing is recorded.

        Two writers of the same new row at once: the second one's insert breaks the primary
        key (PostgreSQL), or finds the database changed since it read (SQLite), before
        ``before_commit`` has run; it is tried once more, and then finds the row recorded."""
        self._ready()
        unique = list({row.intervention_id: row for row in rows}.values())
        try:
            return self._add_interventions(unique, before_commit)
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            logger.info("an intervention was recorded meanwhile by another writer: again")
            return self._add_interventions(unique, before_commit)

    def _add_interventions(
        self, unique: Sequence[NewIntervention], before_commit: Callable[[], None] | None
    ) -> int:
        ids = [row.intervention_id for row in unique]
        with self.engine.begin() as connection:
            recorded = self._recorded(connection, ids)
            targets = sorted({row.cancels for row in unique if row.cancels} - set(ids))
            found = self._recorded(connection, targets)
            missing = [target for target in targets if target not in found]
            if missing:
                raise UnknownCancelsError(missing)
            new = [row.as_row() for row in unique if row.intervention_id not in recorded]
            for start in range(0, len(new), INSERT_BATCH_ROWS):
                connection.execute(interventions.insert(), new[start : start + INSERT_BATCH_ROWS])
            if before_commit is not None:
                before_commit()
        return len(new)

    @staticmethod
    def _recorded(connection: Connection, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), INSERT_BATCH_ROWS):
            chunk = list(ids[start : start + INSERT_BATCH_ROWS])
            found.update(
                connection.execute(
                    sa.select(interventions.c.intervention_id).where(
                        interventions.c.intervention_id.in_(chunk)
                    )
                ).scalars()
            )
        return found

    def intervention_departments(self, ids: Sequence[str]) -> dict[str, str | None]:
        """``intervention_id`` → the department it was recorded in, for the recorded ids
        among ``ids`` (a key may cancel only rows of its departments)."""
        self._ready()
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(interventions.c.intervention_id, interventions.c.department).where(
                    interventions.c.intervention_id.in_(list(ids))
                )
            ).all()
        return {str(row.intervention_id): row.department for row in rows}

    def list_interventions(
        self, departments: Collection[str] | None = None, team_id: str | None = None
    ) -> list[StoredIntervention]:
        """Recorded rows (of ``departments`` and ``team_id`` when given), oldest start first,
        then by team, each with ``cancelled``: whether any row, of any department, withdrew
        it."""
        self._ready()
        query = sa.select(interventions)
        if departments is not None:
            query = query.where(interventions.c.department.in_(list(departments)))
        if team_id is not None:
            query = query.where(interventions.c.team_id == team_id)
        query = query.order_by(
            interventions.c.start_date,
            interventions.c.team_id,
            interventions.c.recorded_at,
            interventions.c.intervention_id,
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
            withdrawn = set(
                connection.execute(
                    sa.select(interventions.c.cancels)
                    .where(interventions.c.cancels.is_not(None))
                    .distinct()
                ).scalars()
            )
        return [
            StoredIntervention(
                intervention_id=row["intervention_id"],
                team_id=row["team_id"],
                department=row["department"],
                start_date=row["start_date"],
                intervention=row["intervention"],
                action_id=row["action_id"],
                note=row["note"],
                cancels=row["cancels"],
                recorded_by=row["recorded_by"],
                recorded_at=_utc(row["recorded_at"]),
                cancelled=row["intervention_id"] in withdrawn,
            )
            for row in rows
        ]

    # ---- reading -----------------------------------------------------------------------
    def months(self) -> list[str]:
        """Scored months, oldest first."""
        self._ready()
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(scored_teams.c.month).distinct().order_by(scored_teams.c.month)
            )
            return [str(month).strip() for month in found.scalars()]

    def read_month(self, month: str, lang: str = "en") -> MonthScores | None:
        """The results of a scored month in ``lang``, riskiest first; None if never scored."""
        if lang not in LANGS:
            raise UserError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
        self._ready()
        column = scored_teams.c[f"result_{lang}"]
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(column, scored_teams.c.batch_run_id, scored_teams.c.model_version)
                .where(scored_teams.c.month == month)
                .order_by(scored_teams.c.risk.desc(), scored_teams.c.team_id)
            ).all()
            if not rows:
                return None
            run_row = (
                connection.execute(
                    sa.select(batch_runs).where(batch_runs.c.id == rows[0].batch_run_id)
                )
                .mappings()
                .one()
            )
        results = [{**RESULT_DEFAULTS, **json.loads(row[0])} for row in rows]
        return MonthScores(month, rows[0].model_version, _batch_run(run_row), results)

    def team_result(self, month: str, team_id: str, lang: str = "en") -> dict[str, Any] | None:
        """One team's stored result of a scored month (with the month's rank and review),
        or None when the month or the team was not scored."""
        if lang not in LANGS:
            raise UserError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
        self._ready()
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(scored_teams.c[f"result_{lang}"]).where(
                    scored_teams.c.month == month, scored_teams.c.team_id == team_id
                )
            ).scalar()
        return None if found is None else {**RESULT_DEFAULTS, **json.loads(found)}

    def month_rows(self, months: Sequence[str]) -> pd.DataFrame:
        """``team_id``, ``month``, ``risk``, ``band``, ``flags`` and ``department`` (the one
        the team was scored in) of the given months (no JSON): the trend that reports draw."""
        self._ready()
        names = ["team_id", "month", "risk", "band", "flags", "department"]
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(*(scored_teams.c[name] for name in names))
                .where(scored_teams.c.month.in_(list(months)))
                .order_by(scored_teams.c.month, scored_teams.c.team_id)
            ).all()
        frame = pd.DataFrame(rows, columns=names)
        frame["month"] = frame["month"].astype(str).str.strip()
        return frame

    def scored_teams_of(
        self, months: Sequence[str], team_ids: Sequence[str]
    ) -> dict[tuple[str, str], tuple[str | None, str | None]]:
        """``(team_id, month)`` → the team's name and department as they were scored, for
        the scored pairs among ``months`` × ``team_ids`` (one query)."""
        self._ready()
        columns = (
            scored_teams.c.team_id,
            scored_teams.c.month,
            scored_teams.c.team_name,
            scored_teams.c.department,
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(*columns).where(
                    scored_teams.c.month.in_(list(months)),
                    scored_teams.c.team_id.in_(list(team_ids)),
                )
            ).all()
        return {
            (str(row.team_id), str(row.month).strip()): (row.team_name, row.department)
            for row in rows
        }

    def team_history(
        self, team_id: str, last_n: int = 12, until: str | None = None
    ) -> list[dict[str, Any]]:
        """The team's last ``last_n`` scored months (up to ``until``), oldest first, each with
        the department the team was scored in."""
        self._ready()
        columns = (
            scored_teams.c.month,
            scored_teams.c.risk,
            scored_teams.c.band,
            scored_teams.c.department,
        )
        query = sa.select(*columns).where(scored_teams.c.team_id == team_id)
        if until is not None:
            query = query.where(scored_teams.c.month <= until)
        query = query.order_by(scored_teams.c.month.desc()).limit(last_n)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            {
                "month": str(row.month).strip(),
                "risk": float(row.risk),
                "band": row.band,
                "department": row.department,
            }
            for row in reversed(rows)
        ]

    def batch_runs(self, month: str) -> list[BatchRun]:
        """Every run recorded for ``month``, oldest first."""
        self._ready()
        with self.engine.connect() as connection:
            rows = (
                connection.execute(
                    sa.select(batch_runs)
                    .where(batch_runs.c.month == month)
                    .order_by(batch_runs.c.started_at)
                )
                .mappings()
                .all()
            )
        return [_batch_run(row) for row in rows]


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _batch_run(row: Any) -> BatchRun:
    return BatchRun(
        id=row["id"],
        month=str(row["month"]).strip(),
        model_name=row["model_name"],
        model_version=row["model_version"],
        model_uri=row["model_uri"],
        snapshot_id=row["snapshot_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        mlflow_run_id=row["mlflow_run_id"],
        team_count=row["team_count"],
        review_capacity=row["review_capacity"],
        model_bands=(
            BandRules.from_dict(json.loads(row["model_bands"])) if row["model_bands"] else None
        ),
    )


def _make_engine(url: str) -> Engine:
    """SQLite in WAL mode (readers see the last commit while a job writes), with a busy
    timeout; PostgreSQL with pre-ping (a long job may outlive an idle connection)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def schema_differences(connection: Connection) -> list[Any]:
    """Differences between the migrated database and :data:`metadata` (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    return list(compare_metadata(MigrationContext.configure(connection), metadata))
