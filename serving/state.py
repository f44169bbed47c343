"""What the service loads once at start-up and what its routes do with it.

The champion alias is resolved to one concrete version here, once; scored months are read
from the scores store; what-if rows come from the current snapshot's features. Every answer
is computed by the functions the batch job and the CLI use (``models.scoring``,
``ScoresStore``, ``SnapshotData``): nothing here re-implements scoring or explanations.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from features.calendar import shift_month
from features.catalogue import FEATURES
from features.history import HISTORY_COLUMN
from models.review import backtest_sentence, flagged_order, visible_list
from pipelines.effects import EffectsReport, measure, sentence, verdict
from pipelines.errors import UserError
from pipelines.interventions import InterventionRefusedError, check_row
from pipelines.scores_store import UnknownCancelsError
from pipelines.settings import Settings
from serving.schemas import CALLER_FEATURES

logger = logging.getLogger(__name__)

ALIAS = "champion"
HISTORY_MONTHS = 12
# the lists whose backtest figures /v1/model and the model page show
BACKTEST_LISTS = ("review", "high", "medium", "watch")
BACKTEST_FIGURES = ("precision", "recall", "lift")
SURVEY_SET = frozenset(spec.name for spec in FEATURES if spec.survey_derived)


class NotFoundError(LookupError):
    """An unknown team or month, or one outside the key's departments (same answer)."""


class RefusedError(ValueError):
    """A request the model cannot answer, with the field that caused it."""

    def __init__(self, message: str, loc: list[str | int]) -> None:
        super().__init__(message)
        self.loc = loc


class UnavailableError(RuntimeError):
    """An answer the server cannot give until the operator acts (e.g. no feature table of
    the current snapshot for measuring effects): a clear message, never a traceback."""


@dataclass(frozen=True)
class Team:
    team_id: str
    team_name: str | None
    department: str | None


@dataclass(frozen=True)
class VisibleMonth:
    """A scored month as one key sees it: its teams (ranked among them) and the backtest
    figures of the model that scored the month (for the review list's sentence)."""

    model_version: int | None
    results: list[dict[str, Any]]
    backtest: dict[str, Any]


class ServingState:
    """Model, scores store, snapshot teams and model facts, loaded once per worker."""

    def __init__(self, settings: Settings) -> None:
        from pipelines.score import SnapshotData, resolve_model
        from pipelines.scores_store import ScoresStore

        self.settings = settings
        self.data = SnapshotData(settings)
        self.store = ScoresStore.from_settings(settings)
        if not self.store.months():
            raise UserError(
                "the scores store holds no scored month: run `erisk score --month YYYY-MM` "
                "(or `erisk score --all-months`) first"
            )
        self.model = resolve_model(settings, ALIAS, None)
        logger.info(
            "serving model %s version %s (alias %r resolved once at start-up)",
            self.model.name,
            self.model.version,
            ALIAS,
        )
        self.teams = self._teams()
        self.facts = self._model_facts()
        self._features_lock = threading.Lock()
        # what a posted record's history is counted from, read once (not per request)
        _ = self.data.first_month, self.data.team_start_months

    # ---- start-up ----------------------------------------------------------------------
    def _teams(self) -> dict[str, Team]:
        """team_id → name and department, from the current snapshot's team table."""
        path = self.data.store.root / self.data.snapshot_id / "teams.parquet"
        columns = ["team_id", "team_name", "department"]
        frame = pd.read_parquet(path, columns=columns) if path.exists() else None
        if frame is None:
            frame = self.data.tables.teams[columns]
        return {
            str(row.team_id): Team(str(row.team_id), str(row.team_name), str(row.department))
            for row in frame.itertuples(index=False)
        }

    def _model_facts(self) -> dict[str, Any]:
        """Name, version, training time, metrics and model card of the resolved version."""
        import mlflow

        from pipelines.score import read_run_artifact

        run_id = self.model.bundle.run_id
        trained_at: str | None = None
        metrics: dict[str, float] = {}
        card: str | None = None
        if run_id is not None:
            run = mlflow.MlflowClient().get_run(run_id)
            started = run.info.start_time
            if started is not None:
                trained_at = (
                    dt.datetime.fromtimestamp(started / 1000, dt.UTC)
                    .isoformat(timespec="seconds")
                    .replace("+00:00", "Z")
                )
            metrics = {k: float(v) for k, v in sorted(run.data.metrics.items())}
            card = read_run_artifact(
                run_id, ("model_card.md",), lambda p: Path(p).read_text(encoding="utf-8")
            )
        bands = self.model.bands
        return {
            "name": self.model.name,
            "version": self.model.version,
            "alias": ALIAS,
            "trained_at": trained_at,
            "run_id": run_id,
            "metrics": metrics,
            "bands": {
                "base_rate": bands.base_rate,
                "medium": bands.base_rate * bands.medium_lift,
                "high": bands.base_rate * bands.high_lift,
                "medium_lift": bands.medium_lift,
                "high_lift": bands.high_lift,
                "backtest": bands.backtest,
                "lists": backtest_lists(bands.backtest),
                "sentence": {
                    lang: backtest_sentence(bands.backtest, lang) for lang in ("en", "ja")
                },
                "review_capacity": self.settings.review_capacity,
                "source": self.model.bands_source,
            },
            "model_card": card,
        }

    def facts_for(self, all_departments: bool) -> dict[str, Any]:
        """The model facts as a key may read them. The model card's fairness table has a row
        per department (rows, positives, AUC, mean risk, event rate): a key for some
        departments gets none of them, since with the card's organisation-wide totals even
        its own rows would give the sum of the others'."""
        if all_departments or not self.facts.get("model_card"):
            return self.facts
        return {**self.facts, "model_card": without_department_rows(self.facts["model_card"])}

    # ---- scope: one source, month by month --------------------------------------------
    def teams_at(
        self, pairs: Iterable[tuple[str, str]], sees: Callable[[str | None], bool]
    ) -> dict[tuple[str, str], Team]:
        """The teams of ``(team_id, month)`` pairs as they were in each month.

        A scored month's result names the department the team was scored in; that month
        keeps it even after a newer export moves the team (until the month is scored again).
        For a month not scored (a what-if or a posted record of such a month) the current
        snapshot decides. This is the one place a team's department, and so a key's scope,
        is decided, for every route and download; an unknown team and a team outside the
        key's departments are the same NotFoundError."""
        wanted = list(dict.fromkeys(pairs))
        stored = self.store.scored_teams_of(
            sorted({month for _, month in wanted}), sorted({team_id for team_id, _ in wanted})
        )
        found = {}
        for team_id, month in wanted:
            if (team_id, month) in stored:
                name, department = stored[(team_id, month)]
                team: Team | None = Team(team_id, name, department)
            else:
                team = self.teams.get(team_id)
            if team is None or not sees(team.department):
                raise NotFoundError(f"unknown team {team_id!r}")
            found[(team_id, month)] = team
        return found

    def team_at(self, team_id: str, month: str, sees: Callable[[str | None], bool]) -> Team:
        """One team as it was in ``month`` (see :meth:`teams_at`)."""
        return self.teams_at([(team_id, month)], sees)[(team_id, month)]

    def scored_month(self, month: str | None) -> str:
        """``month`` if it was scored (default: the latest scored month)."""
        months = self.store.months()
        if month is None:
            return months[-1]
        if month not in months:
            span = f"{months[0]}..{months[-1]}" if months else "none"
            raise NotFoundError(f"month {month} has not been scored (scored months: {span})")
        return month

    # ---- the routes' work --------------------------------------------------------------
    def score(self, records: list[dict[str, Any]], teams: list[Team], lang: str) -> list[dict]:
        """Scored teams for caller-supplied feature rows (no previous month: no "up from").

        Each record's status comes from its team's history in the current snapshot (a team
        the snapshot does not hold counts as scored); rank and review stay null and false:
        posted rows are what-ifs, not the month's list."""
        from models.scoring import score_records

        known = [record["team_id"] in self.teams for record in records]
        history = self.data.history_of(
            [r["team_id"] for r in records], [r["month"] for r in records]
        )
        rows = [
            _scorable(record, team, history[i] if known[i] else None)
            for i, (record, team) in enumerate(zip(records, teams, strict=True))
        ]
        return not_listed(score_records(self.model.bundle, rows, self.model.bands, lang))  # type: ignore[arg-type]

    def team_risk(
        self, team: Team, month: str, lang: str, sees: Callable[[str | None], bool]
    ) -> dict[str, Any]:
        """The team's scored month and its last 12 scored months, each month only if the
        key sees the department the team was scored in then."""
        scored = self.store.read_month(month, lang)
        result = None
        if scored is not None:
            visible = self.visible(scored.results, sees)
            result = next((r for r in visible if r["team_id"] == team.team_id), None)
        if scored is None or result is None:
            raise NotFoundError(f"team {team.team_id!r} was not scored in {month}")
        history = [
            {"month": h["month"], "risk": h["risk"], "band": h["band"]}
            for h in self.store.team_history(team.team_id, HISTORY_MONTHS, until=month)
            if sees(h["department"])
        ]
        return {
            "team_id": team.team_id,
            "month": month,
            "model_version": scored.model_version,
            "result": result,
            "history": history,
        }

    def visible(
        self, results: list[dict[str, Any]], sees: Callable[[str | None], bool]
    ) -> list[dict[str, Any]]:
        """The month's results a key sees, ranked and listed as :func:`visible_list` says."""
        seen = [r for r in results if sees(r.get("department"))]
        return visible_list(results, seen, self.settings.review_capacity)

    def visible_month(
        self, month: str, department: str | None, sees: Callable[[str | None], bool], lang: str
    ) -> VisibleMonth:
        """The scored month's model version and its teams that ``sees`` allows (and of
        ``department`` when given), riskiest first, ranked among the teams the key sees:
        one read for a list and its counts. A department with no team the key sees that
        month is unknown (404)."""
        scored = self.store.read_month(month, lang)
        if scored is None:
            raise NotFoundError(f"month {month} has not been scored")
        visible = self.visible(scored.results, sees)
        if department is not None and department not in {r.get("department") for r in visible}:
            raise NotFoundError(f"unknown department {department!r}")
        results = [r for r in visible if department is None or r.get("department") == department]
        return VisibleMonth(scored.model_version, results, scored.run.backtest)

    def flagged(
        self,
        month: str,
        intervention: str | None,
        department: str | None,
        sees: Callable[[str | None], bool],
        lang: str,
    ) -> dict[str, Any]:
        seen = self.visible_month(month, department, sees, lang)
        return {
            "month": month,
            "model_version": seen.model_version,
            "intervention": intervention,
            "department": department,
            "results": flagged_list(seen.results, intervention),
        }

    def what_if(
        self, team: Team, month: str, changes: dict[str, float], lang: str
    ) -> dict[str, Any]:
        from models.scoring import WhatIfRefused, check_changes, what_if

        try:
            check_changes(changes)
        except WhatIfRefused as refused:
            raise RefusedError(str(refused), ["body", "changes"]) from refused
        try:
            self.data.require_scorable(month)
        except UserError as missing:
            raise NotFoundError(str(missing)) from missing
        before = shift_month(month, -1)
        scorable = set(self.data.scorable_months())
        rows = self._team_rows(team, [before, month] if before in scorable else [month])
        current = rows[rows["month"].astype(str) == month].reset_index(drop=True)
        if current.empty:
            raise NotFoundError(f"team {team.team_id!r} has no data in {month}")
        previous = rows[rows["month"].astype(str) == before].reset_index(drop=True)
        try:
            result = what_if(
                self.model.bundle,
                current,
                previous if len(previous) else None,
                changes,
                self.model.bands,
                lang,  # type: ignore[arg-type]
            )
        except WhatIfRefused as refused:
            loc: list[str | int] = ["body", "changes"]
            if refused.feature:
                loc.append(refused.feature)
            raise RefusedError(str(refused), loc) from refused
        return {
            "team_id": team.team_id,
            "month": month,
            "changes": result.changes,
            "before": not_listed([result.before])[0],
            "after": not_listed([result.after])[0],
        }

    # ---- what HR did -------------------------------------------------------------------
    def current_team(self, team_id: str, sees: Callable[[str | None], bool]) -> Team:
        """A team of the current snapshot that the key sees (else the same NotFoundError as
        an unknown team): interventions are recorded in the team's department of now."""
        team = self.teams.get(team_id)
        if team is None or not sees(team.department):
            raise NotFoundError(f"unknown team {team_id!r}")
        return team

    def record_intervention(
        self, fields: dict[str, Any], key_id: str, sees: Callable[[str | None], bool]
    ) -> tuple[dict[str, Any], bool]:
        """Record one row by the rules of ``pipelines.interventions`` (``recorded_by``: the
        key id); returns the stored row and whether it is new. A ``cancels`` must name a
        recorded row of the key's departments (another department's is as unknown)."""
        team = self.current_team(str(fields["team_id"]), sees)
        try:
            row = check_row(
                team_id=team.team_id,
                start_date=fields["start_date"],
                intervention=fields["intervention"],
                action_id=fields.get("action_id"),
                note=fields.get("note"),
                cancels=fields.get("cancels"),
                departments={team.team_id: team.department},
                recorded_by=key_id,
            )
        except InterventionRefusedError as refused:
            raise RefusedError(str(refused), ["body", refused.field]) from refused
        try:
            if row.cancels is not None:
                recorded = self.store.intervention_departments([row.cancels])
                if row.cancels not in recorded or not sees(recorded[row.cancels]):
                    raise UnknownCancelsError([row.cancels])
            added = self.store.add_interventions([row])
        except UnknownCancelsError as unknown:
            raise RefusedError(str(unknown), ["body", "cancels"]) from unknown
        stored = next(
            r
            for r in self.store.list_interventions(team_id=team.team_id)
            if r.intervention_id == row.intervention_id
        )
        return stored.as_json(), added > 0

    def interventions(
        self,
        departments: tuple[str, ...] | str,
        sees: Callable[[str | None], bool],
        team_id: str | None = None,
        department: str | None = None,
    ) -> list[dict[str, Any]]:
        """The recorded rows of the key's departments (``departments``: its scope, ``all``
        or names), of one team or department when asked; a team or department the key
        does not see is unknown (404), as on every route."""
        if department is not None and not sees(department):
            raise NotFoundError(f"unknown department {department!r}")
        if team_id is not None:
            self.current_team(team_id, sees)
        scope = None if isinstance(departments, str) else list(departments)
        if department is not None:
            scope = [department]
        rows = self.store.list_interventions(scope, team_id)
        return [row.as_json() for row in rows if sees(row.department)]

    def effects(
        self,
        departments: tuple[str, ...] | str,
        sees: Callable[[str | None], bool],
        department: str | None = None,
        team_id: str | None = None,
    ) -> EffectsReport:
        """What the standing interventions of the key's departments (of one department or
        team when asked) did, measured now by ``pipelines.effects.measure`` (nothing is
        cached: another key must never get this key's answer). A department the key does
        not see is unknown (404), as on every route."""
        if department is not None and not sees(department):
            raise NotFoundError(f"unknown department {department!r}")
        scope = None if isinstance(departments, str) else list(departments)
        if department is not None:
            scope = [department]
        try:
            report = measure(self.settings, self.store, scope, team_id=team_id)
        except UserError as missing:
            raise UnavailableError(f"effects cannot be measured now: {missing}") from missing
        return report

    def feature_row(self, team: Team, month: str) -> dict[str, Any] | None:
        """The team-month's feature row from the current snapshot (for the page's what-if
        sliders), or None when the snapshot cannot build that month."""
        try:
            self.data.require_scorable(month)
        except UserError:
            return None
        rows = self._team_rows(team, [month])
        return rows.iloc[0].to_dict() if len(rows) else None

    def _team_rows(self, team: Team, months: list[str]) -> pd.DataFrame:
        """The team's feature rows of ``months`` (the cache is shared: one builder at once),
        with the name and department it had in the month asked for (see :meth:`teams_at`)."""
        with self._features_lock:
            rows = self.data.features(months)
        rows = rows[rows["team_id"].astype(str) == team.team_id]
        return rows.assign(team_name=team.team_name, department=team.department)


SURVEY_CALLER_FEATURES: tuple[str, ...] = tuple(n for n in CALLER_FEATURES if n in SURVEY_SET)


def _scorable(record: dict[str, Any], team: Team, history: float | None) -> dict[str, Any]:
    """A caller's record with the team's name and department from the snapshot (never the
    caller's) and its months of history there, and its survey figures dropped when the
    caller says they are suppressed."""
    row = {
        **record,
        "team_name": team.team_name,
        "department": team.department,
        HISTORY_COLUMN: history,
    }
    if record.get("survey_suppressed"):
        row.update(dict.fromkeys(SURVEY_CALLER_FEATURES))
    return row


DEPARTMENT_ROW = re.compile(r"^\|\s*department\s*\|")
DEPARTMENT_ROWS_NOTE = "Per-department rows are shown to keys for every department only."


def without_department_rows(card: str) -> str:
    """The model card (Markdown) without the fairness table's ``| department | ... |`` rows,
    with a note after the table saying why."""
    lines = card.splitlines()
    dropped = {i for i, line in enumerate(lines) if DEPARTMENT_ROW.match(line)}
    if not dropped:
        return card
    end = max(dropped) + 1
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    kept = [line for i, line in enumerate(lines[:end]) if i not in dropped]
    return "\n".join([*kept, "", DEPARTMENT_ROWS_NOTE, *lines[end:]]) + "\n"


def flagged_list(results: list[dict[str, Any]], intervention: str | None) -> list[dict[str, Any]]:
    """``GET /v1/flagged``: the review list by rank, then the other medium and high teams by
    rank (``models.review.flagged_order``); with ``intervention``, only teams flagged so."""
    return [r for r in flagged_order(results) if intervention is None or intervention in r["flags"]]


def effects_json(report: EffectsReport, lang: str) -> dict[str, Any]:
    """``GET /v1/effects``: the report of ``erisk effects --json`` with each summary row's
    verdict, and the teams' sentences, in ``lang``."""
    payload = report.as_json()
    payload["effects"] = [{**row, "verdict": verdict(row, lang)} for row in payload["effects"]]
    if lang == "ja":
        for row, effect in zip(payload["teams"], report.teams, strict=True):
            row["sentence"] = sentence(effect, lang)
    return payload


def not_listed(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What-if rows (posted records, a what-if's before and after) are not the month's
    list: ``rank`` and ``review`` null (``shared/interfaces.md``)."""
    for result in results:
        result["rank"] = result["review"] = None
    return results


def backtest_lists(backtest: dict[str, Any]) -> list[dict[str, Any]]:
    """The backtest figures of the review list and each band as rows: precision, recall and
    lift, each with its 90 % interval (None where the backtest did not measure it)."""
    rows = []
    for name in BACKTEST_LISTS:
        row: dict[str, Any] = {"list": name, "size": backtest.get(f"{name}.size")}
        for figure in BACKTEST_FIGURES:
            row[figure] = backtest.get(f"{name}.{figure}")
            row[f"{figure}_ci90"] = backtest.get(f"{name}.{figure}.ci90")
        rows.append(row)
    return rows
