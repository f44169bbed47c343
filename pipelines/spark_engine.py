"""The Spark engine: the same feature functions and scoring path as pandas, run per team group.

Why it looks like this (``docs/spark.md`` has the long form):

- Partitioning. Every snapshot table is read by Spark straight from the snapshot's Parquet
  files and unioned (by column name) into one frame with a ``table`` column and a ``_group``
  key. Team-level tables (teams, workload, surveys) go to their team's group; individual
  rows (employees, timesheets, leave, assignments) are *replicated* to the group of every
  team the employee ever belonged to (``employees.team_id`` and every ``assignments``
  team), because transfers move people between teams and the membership rule must see
  an employee's whole history. ``groupBy("_group").applyInPandas`` then rebuilds the
  ``Tables`` of the group and calls :func:`features.build.compute_features` unchanged,
  with the whole export's ``first_month``: the pure functions give identical rows on any
  subset of teams. A group is a hash bucket of whole teams, not one team, so that the
  per-call overhead is paid a few times per executor core, not once per team.
- Scoring. The month's feature rows are small (one per team); the driver keeps them for
  drift, sends them back, and each group calls :func:`models.scoring.score_team_months`
  (risk, band, drivers, flags and actions, in both languages) on the executors with the
  model bundle loaded once per Python worker from the model folder shipped by
  ``SparkContext.addFile``. The risk is also computed by ``mlflow.pyfunc.spark_udf`` on
  the registered pyfunc, and the two must agree (a check that the executors run the
  same model the registry serves).
- Writing. Results are collected to the driver and written by the pandas engine's own
  :class:`pipelines.score.ScoringJob` (one ``ScoresStore.replace_month`` transaction under
  the month's lock, MLflow batch run, drift, HR report files).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from features.build import FEATURE_COLUMNS
from features.calendar import month_start, shift_month
from features.catalogue import FEATURES
from features.tables import ALL_TABLES, Tables
from pipelines.errors import UserError
from pipelines.score import (
    DEFAULT_ALIAS,
    TIMESHEET_LOOKBACK_MONTHS,
    ResolvedModel,
    ScoreSummary,
    ScoringJob,
    SnapshotData,
    resolve_model,
)
from pipelines.scores_store import LANGS, ScoresStore
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from models.registry import ModelBundle
    from models.review import BandRules

logger = logging.getLogger(__name__)

DEFAULT_MASTER = "local[2]"
INSTALL_HINT = (
    "the Spark engine needs pyspark and Java 17: `make test` installs both (or run "
    "`.venv/bin/pip install '.[spark]'` and `apt-get install openjdk-17-jre-headless`)"
)
GROUP = "_group"
TABLE = "table"
TEAM_TABLES = ("teams", "workload", "surveys")
PERSON_TABLES = ("employees", "timesheets", "leave", "assignments")
# groups per executor core: a few, so that one slow group does not leave a core idle
GROUPS_PER_CORE = 2
TEAMS_PER_GROUP_AT_MOST = 1000
# score_team_months rounds the risk to 4 decimals; the pyfunc's risk must round to it
RISK_CHECK_TOLERANCE = 1e-4
PANDAS_3_WARNING = "pandas >= 3.0.0 not fully supported"


# ---- the session -------------------------------------------------------------------------
def is_local(master: str) -> bool:
    return master.startswith("local")


def spark_session(master: str | None = None, app_name: str = "erisk") -> SparkSession:
    """A session on ``master`` (default ``local[2]``); a local one binds to loopback only.

    Fails with how to install Spark when pyspark or java is missing.
    """
    master = master or DEFAULT_MASTER
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise UserError(f"java not found: {INSTALL_HINT}")
    try:
        from pyspark.sql import SparkSession
    except ImportError as missing:
        raise UserError(f"pyspark is not installed: {INSTALL_HINT}") from missing
    # the workers must run this interpreter, which has the project and its dependencies
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if is_local(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def group_count(spark: SparkSession, teams: int) -> int:
    """How many team groups: a few per core, and never more than one group per team."""
    by_cores = GROUPS_PER_CORE * max(1, spark.sparkContext.defaultParallelism)
    by_size = -(-teams // TEAMS_PER_GROUP_AT_MOST)
    return max(1, min(teams, max(by_cores, by_size)))


# ---- features ----------------------------------------------------------------------------
def _pandas_dtypes(folder: Path) -> dict[str, dict[str, Any]]:
    """Each table's pandas dtypes as the pandas engine reads them (restored on executors)."""
    import pyarrow.parquet as pq

    dtypes = {}
    for name in ALL_TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            empty = pq.read_schema(path).empty_table().to_pandas()
            dtypes[name] = dict(empty.dtypes.items())
    return dtypes


def _group_of(column: str, groups: int) -> Any:
    from pyspark.sql import functions as sf

    return sf.pmod(sf.xxhash64(sf.col(column)), sf.lit(groups)).cast("int")


def partitioned_tables(
    spark: SparkSession, folder: Path, groups: int, timesheets_since: str | None
) -> DataFrame:
    """Every table of the snapshot in one frame, each row tagged with its ``table`` and
    the ``_group`` of each team it concerns (person rows once per group they touch)."""
    from pyspark.sql import functions as sf

    frames = {
        name: spark.read.parquet(str(folder / f"{name}.parquet"))
        for name in ALL_TABLES
        if (folder / f"{name}.parquet").exists()
    }
    if timesheets_since is not None:
        since = month_start(timesheets_since).to_pydatetime()
        frames["timesheets"] = frames["timesheets"].where(sf.col("work_date") >= sf.lit(since))
    teams_of_person = frames["employees"].select("employee_id", "team_id")
    if "assignments" in frames:
        teams_of_person = teams_of_person.unionByName(
            frames["assignments"].select("employee_id", "team_id")
        )
    person_groups = teams_of_person.select(
        "employee_id", _group_of("team_id", groups).alias(GROUP)
    ).distinct()
    parts = []
    for name, frame in frames.items():
        if name in TEAM_TABLES:
            tagged = frame.withColumn(GROUP, _group_of("team_id", groups))
        else:
            tagged = frame.join(sf.broadcast(person_groups), on="employee_id", how="inner")
        parts.append(tagged.withColumn(TABLE, sf.lit(name)))
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part, allowMissingColumns=True)
    return union


def tables_of_group(rows: pd.DataFrame, dtypes: dict[str, dict[str, Any]]) -> Tables:
    """Split one group's union back into ``Tables`` with the pandas engine's dtypes."""
    frames = {}
    for name, columns in dtypes.items():
        part = rows.loc[rows[TABLE] == name, list(columns)].reset_index(drop=True)
        frames[name] = part.astype(columns)
    return Tables(**frames)


def _features_of_group(
    rows: pd.DataFrame,
    months: list[str],
    first_month: str | None,
    dtypes: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """Executor side: the group's tables through the unchanged pure feature functions."""
    from features.build import compute_features

    frame = compute_features(tables_of_group(rows, dtypes), months, first_month=first_month)
    return frame.astype({"survey_suppressed": bool})


def feature_schema() -> str:
    """The Spark schema (DDL) of ``compute_features``'s columns."""
    kinds = {spec.name: spec.kind for spec in FEATURES}
    types = []
    for name in FEATURE_COLUMNS:
        if name == "survey_suppressed":
            kind = "boolean"
        elif kinds.get(name) == "numeric":
            kind = "double"
        else:
            kind = "string"
        types.append(f"`{name}` {kind}")
    return ", ".join(types)


def restore_feature_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The pandas engine's dtypes and row order on rows collected from Spark."""
    kinds = {spec.name: spec.kind for spec in FEATURES}
    dtypes: dict[str, Any] = {}
    for name in FEATURE_COLUMNS:
        if name == "survey_suppressed":
            dtypes[name] = bool
        elif kinds.get(name) == "numeric":
            dtypes[name] = np.float64
        else:
            dtypes[name] = "str"
    frame = frame[list(FEATURE_COLUMNS)].astype(dtypes)
    return frame.sort_values(["month", "team_id"], kind="stable").reset_index(drop=True)


def compute_features_spark(
    spark: SparkSession,
    snapshot_folder: Path,
    months: Sequence[str],
    first_month: str | None,
    trim_timesheets: bool = False,
) -> pd.DataFrame:
    """``compute_features`` over the snapshot, per team group on the executors; the rows are
    those of the pandas engine (same columns, dtypes and order)."""
    import pyarrow.parquet as pq

    months = sorted(set(months))
    if not months:
        from features.build import _empty_features

        return _empty_features()
    dtypes = _pandas_dtypes(snapshot_folder)
    teams = pq.read_metadata(snapshot_folder / "teams.parquet").num_rows
    groups = group_count(spark, teams)
    since = shift_month(months[0], -TIMESHEET_LOOKBACK_MONTHS) if trim_timesheets else None
    union = partitioned_tables(spark, snapshot_folder, groups, since)

    def compute(rows: pd.DataFrame) -> pd.DataFrame:
        return _features_of_group(rows, months, first_month, dtypes)

    built = union.groupBy(GROUP).applyInPandas(compute, schema=feature_schema())
    logger.info("features of %d month(s) over %d team group(s)", len(months), groups)
    return restore_feature_dtypes(built.toArrow().to_pandas())


# ---- scoring -----------------------------------------------------------------------------
_BUNDLES: dict[str, ModelBundle] = {}


def _bundle_on_executor(folder_name: str, version: int | None) -> ModelBundle:
    """The model bundle, loaded once per Python worker from the folder shipped by addFile."""
    key = f"{folder_name}@{version}"
    if key not in _BUNDLES:
        from pyspark import SparkFiles

        from models.registry import load_model_bundle

        bundle = load_model_bundle(SparkFiles.get(folder_name))
        _BUNDLES[key] = replace(bundle, version=None if version is None else str(version))
    return _BUNDLES[key]


RESULT_SCHEMA = "team_id string, month string, risk double, pyfunc_risk double, " + ", ".join(
    f"result_{lang} string" for lang in LANGS
)


def _score_group(
    rows: pd.DataFrame,
    month: str,
    folder_name: str,
    version: int | None,
    bands: BandRules,
    dtypes: dict[str, Any],
) -> pd.DataFrame:
    """Executor side: the shared scoring path on one group's rows of M and M-1."""
    from models.scoring import score_team_months

    pyfunc_risk = rows.pop("pyfunc_risk")
    rows = rows.astype(dtypes)
    is_current = (rows["month"] == month) & (rows["headcount"] > 0)
    current = rows[is_current].reset_index(drop=True)
    current_pyfunc = pyfunc_risk[is_current.to_numpy()].to_numpy(dtype=np.float64)
    previous = rows[rows["month"] == shift_month(month, -1)].reset_index(drop=True)
    bundle = _bundle_on_executor(folder_name, version)
    by_lang = {
        lang: score_team_months(bundle, current, previous if len(previous) else None, bands, lang)  # type: ignore[arg-type]
        for lang in LANGS
    }
    out = pd.DataFrame(
        {
            "team_id": current["team_id"].astype(str),
            "month": current["month"].astype(str),
            "risk": [float(r["risk"]) for r in by_lang[LANGS[0]]],  # type: ignore[arg-type]
            "pyfunc_risk": current_pyfunc,
        }
    )
    for lang in LANGS:
        out[f"result_{lang}"] = [json.dumps(r, ensure_ascii=False) for r in by_lang[lang]]
    return out


@dataclass
class ShippedModel:
    """The registered model downloaded once on the driver and shipped to the executors:
    its folder by ``addFile`` (for the bundle) and as ``mlflow.pyfunc.spark_udf``."""

    folder: Path
    udf: Any
    scratch: Path

    @classmethod
    def ship(cls, spark: SparkSession, uri: str) -> ShippedModel:
        import mlflow

        scratch = Path(tempfile.mkdtemp(prefix="erisk-spark-model-"))
        folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=scratch))
        spark.sparkContext.addFile(str(folder), recursive=True)
        udf = mlflow.pyfunc.spark_udf(spark, str(folder), result_type="double", env_manager="local")
        return cls(folder, udf, scratch)

    def remove(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def score_rows_spark(
    spark: SparkSession,
    model: ResolvedModel,
    shipped: ShippedModel,
    rows: pd.DataFrame,
    month: str,
) -> pd.DataFrame:
    """Risk through ``mlflow.pyfunc.spark_udf`` and the scored-team results through
    ``score_team_months``, both on the executors; one row per scored team, by team_id."""
    import pyarrow as pa
    from pyspark.sql import functions as sf

    names = list(model.bundle.features.names)
    groups = group_count(spark, int(rows["team_id"].nunique()))
    frame = spark.createDataFrame(pa.Table.from_pandas(rows, preserve_index=False))
    frame = frame.withColumn("pyfunc_risk", shipped.udf(sf.struct(*[sf.col(n) for n in names])))
    frame = frame.withColumn(GROUP, _group_of("team_id", groups))
    dtypes = dict(rows.dtypes.items())
    folder_name, version, bands = shipped.folder.name, model.version, model.bands

    def score(group: pd.DataFrame) -> pd.DataFrame:
        group = group.drop(columns=[GROUP])
        return _score_group(group, month, folder_name, version, bands, dtypes)

    scored = (
        frame.select(*rows.columns, "pyfunc_risk", GROUP)
        .groupBy(GROUP)
        .applyInPandas(score, schema=RESULT_SCHEMA)
        .toArrow()
        .to_pandas()
    )
    scored = scored.sort_values("team_id", kind="stable").reset_index(drop=True)
    gap = float(np.max(np.abs((scored["risk"] - scored["pyfunc_risk"]).to_numpy()), initial=0.0))
    if gap > RISK_CHECK_TOLERANCE:
        raise RuntimeError(
            f"executors' risk differs from the registered pyfunc's by {gap:.2g}: "
            "the model folder shipped to the executors is not the registered model"
        )
    return scored


class SparkSnapshotData(SnapshotData):
    """The current snapshot, with features computed by Spark per team group."""

    def __init__(self, settings: Settings, spark: SparkSession) -> None:
        super().__init__(settings)
        self.spark = spark

    def features(self, months: list[str]) -> pd.DataFrame:
        folder = self.store.root / self.snapshot_id
        frame = compute_features_spark(
            self.spark, folder, months, self.first_month, trim_timesheets=True
        )
        return self.with_history(frame.merge(self.team_names, on="team_id", how="left"))


class SparkScoringJob(ScoringJob):
    """The pandas job's steps; features and explanations run on the Spark executors."""

    engine = "spark"

    def __init__(
        self, settings: Settings, model: ResolvedModel, data: SparkSnapshotData, store: ScoresStore
    ) -> None:
        super().__init__(settings, model, data, store)
        self.spark = data.spark
        self._shipped: ShippedModel | None = None

    @property
    def shipped(self) -> ShippedModel:
        """The model on the executors, shipped on first use (once per job)."""
        if self._shipped is None:
            self._shipped = ShippedModel.ship(self.spark, self.model.uri)
        return self._shipped

    def close(self) -> None:
        if self._shipped is not None:
            self._shipped.remove()

    def _results(
        self, current: pd.DataFrame, previous: pd.DataFrame | None
    ) -> dict[str, list[dict[str, Any]]]:
        """The pandas job's results, computed on the executors (ranked by the caller)."""
        month = str(current["month"].iloc[0])
        rows = (
            pd.concat([current, previous], ignore_index=True) if previous is not None else current
        )
        scored = score_rows_spark(self.spark, self.model, self.shipped, rows, month)
        return {lang: [json.loads(text) for text in scored[f"result_{lang}"]] for lang in LANGS}


# ---- entry points ------------------------------------------------------------------------
def _with_session(master: str | None, work: Callable[[SparkSession], Any]) -> Any:
    """Run ``work`` in the active session (a caller's, e.g. a test's) or in a new one that
    is stopped afterwards."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as missing:
        raise UserError(f"pyspark is not installed: {INSTALL_HINT}") from missing
    active = SparkSession.getActiveSession()
    if active is not None:
        return work(active)
    spark = spark_session(master)
    try:
        return work(spark)
    finally:
        spark.stop()


def run_score_spark(
    settings: Settings,
    month: str,
    alias: str | None = DEFAULT_ALIAS,
    version: int | None = None,
    master: str | None = None,
) -> ScoreSummary:
    """``erisk score --month M --engine spark``: the pandas job's rules, Spark's executors."""
    probe = SnapshotData(settings)
    probe.require_scorable(month)

    def work(spark: SparkSession) -> ScoreSummary:
        data = SparkSnapshotData(settings, spark)
        store = ScoresStore.from_settings(settings)
        try:
            with store.month_lock(month):
                job = SparkScoringJob(
                    settings, resolve_model(settings, alias, version), data, store
                )
                try:
                    return job.score_locked(month)
                finally:
                    job.close()
        finally:
            store.dispose()

    return _with_session(master, work)


def run_backfill_spark(
    settings: Settings,
    alias: str | None = DEFAULT_ALIAS,
    version: int | None = None,
    master: str | None = None,
) -> list[ScoreSummary]:
    """``erisk score --all-months --engine spark``: one session, every month in order."""
    months = SnapshotData(settings).scorable_months()
    if not months:
        raise UserError("nothing to score: no month of the current snapshot is complete")

    def work(spark: SparkSession) -> list[ScoreSummary]:
        data = SparkSnapshotData(settings, spark)
        store = ScoresStore.from_settings(settings)
        job = SparkScoringJob(settings, resolve_model(settings, alias, version), data, store)
        try:
            return [job.score(month) for month in months]
        finally:
            job.close()
            store.dispose()

    return _with_session(master, work)


def build_features_spark(
    snapshot_folder: Path, months: Sequence[str], first_month: str | None, master: str | None
) -> pd.DataFrame:
    """``erisk features --engine spark``: the months' feature rows, built on Spark."""
    return _with_session(
        master, lambda spark: compute_features_spark(spark, snapshot_folder, months, first_month)
    )
