"""``pipelines.effects``: the panel, the standing interventions and ``measure`` on a real
scores store of the generated world (every month scored, interventions recorded)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from features.calendar import shift_month
from models.effects import TeamEffect
from pipelines.effects import (
    MEASURED,
    EffectsReport,
    live,
    measure,
    panel_of,
    sentence,
    verdict,
)
from pipelines.errors import UserError
from pipelines.interventions import check_row
from pipelines.score import run_score
from pipelines.scores_store import ScoresStore, StoredIntervention
from pipelines.settings import Settings, load_settings
from tests.pipelines.conftest import World

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def stored(
    intervention_id: str, cancelled: bool = False, cancels: str | None = None
) -> StoredIntervention:
    return StoredIntervention(
        intervention_id=intervention_id,
        team_id="T1",
        department="sales",
        start_date=dt.date(2026, 3, 1),
        intervention="buffer",
        action_id=None,
        note=None,
        cancels=cancels,
        recorded_by="cli",
        recorded_at=NOW,
        cancelled=cancelled,
    )


def test_panel_blanks_small_teams_outcomes_but_keeps_their_risk_and_sorts_flags() -> None:
    # given features of a 4-member and a 6-member team and their scored band, flags and risk
    features = pd.DataFrame(
        {
            "team_id": ["S", "B"],
            "month": ["2026-01", "2026-01"],
            "headcount": [4, 6],
            "survey_engagement_mean": [3.1, 3.4],
            "overtime_mean_hours": [30.0, 12.0],
            "leave_uptake_pace": [0.5, 0.9],
            "voluntary_exits_3m": [1.0, 0.0],
            "risk": [0.99, 0.99],  # a stale column of the features is not the scored risk
        }
    )
    scores = pd.DataFrame(
        {
            "team_id": ["S", "B", "B"],
            "month": ["2026-01", "2026-01", "2026-02"],
            "risk": [0.2, 0.05, 0.04],
            "band": ["high", "low", "low"],
            "flags": ["recognition,buffer", "", None],
        }
    )
    # when the panel is built
    panel = panel_of(features, scores).set_index("team_id")
    # then only scored team-months with features are kept, with the scored risk
    assert sorted(panel.index) == ["B", "S"]
    assert panel.loc["S", "risk"] == 0.2 and panel.loc["B", "risk"] == 0.05
    # and the small team's per-member and survey outcomes are blanked, its risk is not
    small = panel.loc["S"]
    for column in (
        "survey_engagement_mean",
        "overtime_mean_hours",
        "leave_uptake_pace",
        "voluntary_exits_3m",
    ):
        assert math.isnan(small[column]), column
        assert not math.isnan(panel.loc["B", column]), column
    # and flags are sorted and comma-joined (so the same flags compare equal)
    assert (small["flags"], panel.loc["B", "flags"]) == ("buffer,recognition", "")


def test_live_drops_withdrawn_rows_and_the_rows_that_withdraw() -> None:
    # given a standing row, a withdrawn one and the row that withdrew it
    rows = [stored("a"), stored("b", cancelled=True), stored("c", cancels="b")]
    # when the standing rows are picked
    # then only the standing one is left
    assert [row.intervention_id for row in live(rows)] == ["a"]


def test_verdicts_and_sentences_speak_both_languages() -> None:
    # given summary rows of each kind and one team's effect
    base = {"ci90": None, "status": "estimated"}
    rows = {
        "too_few": {**base, "status": "too_few"},
        "confounded": {**base, "status": "confounded"},
        "no clear effect": {**base, "ci90": [-0.1, 0.2]},
        "estimated": {**base, "ci90": [0.1, 0.2]},
    }
    effect = TeamEffect("iv-1", "T1", "2026-03", "buffer", None, "overtime", -4.5, 0.1, 6)
    # when put in words
    # then English and Japanese say the same verdicts
    assert verdict(rows["too_few"]) == "too few to tell yet"
    assert verdict(rows["confounded"]).startswith("confounded")
    assert verdict(rows["no clear effect"]) == "no clear effect"
    assert verdict(rows["estimated"]) == "estimated"
    assert verdict(rows["too_few"], "ja") == "件数が少なく、まだ判断できません"
    assert verdict(rows["no clear effect"], "ja") == "はっきりした効果はありません"
    # and a team's sentence gives the month, the direction, the size and the comparisons
    assert sentence(effect) == (
        "after the buffer started in 2026-03, overtime fell 4.50 hours per member a month "
        "against 6 similar teams"
    )
    assert sentence(effect, "ja") == (
        "2026-03に業務負荷の緩和を始めた後、一人あたり残業時間は似たチーム6件と比べて"
        "4.50時間/月低下しました"
    )


# ---- measure on a real store --------------------------------------------------------------
@dataclass(frozen=True)
class Measured:
    settings: Settings
    store: ScoresStore
    months: list[str]
    departments: list[str]  # the departments of the interventions below (but one)
    early: list[str]  # ids of interventions with 6 scored months after them
    recent: str  # one started in the last scored month
    withdrawn: str
    other_department: str  # recorded in a department of its own


@pytest.fixture(scope="module")
def measured(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    """The world with every month scored into a SQLite store of its own, 6 buffer
    interventions started in an early month (one withdrawn), one started in the last month
    and one in another department."""
    folder = tmp_path_factory.mktemp("effects")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERISK_DATA_DIR", str(world.data_dir))
        patch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
        patch.setenv("ERISK_DB_URL", f"sqlite:///{folder}/scores.db")
        settings = load_settings()
        for month in world.months:
            run_score(settings, month)
        store = ScoresStore.from_settings(settings)
        teams = pd.read_parquet(world.export / "teams.parquet")
        department_of = dict(zip(teams["team_id"].astype(str), teams["department"], strict=True))
        apart = sorted(set(department_of.values()))[0]
        mine = sorted(t for t, d in department_of.items() if d != apart)
        others = sorted(t for t, d in department_of.items() if d == apart)
        start = world.months[8]

        def row(team: str, month: str, **extra: object) -> object:
            return check_row(
                team_id=team,
                start_date=f"{month}-01",
                intervention="buffer",
                action_id="no_overtime_day",
                departments=department_of,
                recorded_by="cli",
                **extra,  # type: ignore[arg-type]
            )

        early = [row(team, start) for team in mine[:6]]
        recent = row(mine[0], world.months[-1])
        other = row(others[0], start)
        store.add_interventions([*early, recent, other])  # type: ignore[list-item]
        withdrawn = early[-1].intervention_id  # type: ignore[attr-defined]
        store.add_interventions(
            [row(mine[5], start, note="wrong team", cancels=withdrawn)]  # type: ignore[list-item]
        )
        yield Measured(
            settings,
            store,
            world.months,
            sorted(set(department_of.values()) - {apart}),
            [r.intervention_id for r in early[:-1]],  # type: ignore[attr-defined]
            recent.intervention_id,  # type: ignore[attr-defined]
            withdrawn,
            other.intervention_id,  # type: ignore[attr-defined]
        )
        store.dispose()


@pytest.mark.slow
def test_measure_compares_the_standing_interventions_and_waits_for_recent_ones(
    measured: Measured,
) -> None:
    # given the store with the interventions of some departments (and one of another)
    # when the effects of those departments are measured
    report = measure(measured.settings, measured.store, measured.departments)
    # then the early standing interventions are measured, the recent one waits, and neither
    # the withdrawn row, its withdrawal nor another department's row is anywhere
    measured_ids = {effect.intervention_id for effect in report.teams}
    assert measured_ids and measured_ids <= set(measured.early)
    waiting = [row.intervention_id for row in report.waiting]
    assert [i for i in waiting if i not in measured.early] == [measured.recent]
    everywhere = measured_ids | {row.intervention_id for row in report.waiting}
    assert measured.withdrawn not in everywhere and measured.other_department not in everywhere
    assert report.last_month == measured.months[-1]
    # and every measured intervention started 6 scored months before the last
    assert all(shift_month(e.month, 6) <= measured.months[-1] for e in report.teams)
    assert {e.outcome for e in report.teams} <= set(MEASURED)


@pytest.mark.slow
def test_the_json_has_the_shape_of_the_interfaces(measured: Measured) -> None:
    # when the whole organisation is measured and printed as JSON
    report = measure(measured.settings, measured.store)
    payload = json.loads(json.dumps(report.as_json(), allow_nan=False))
    # then it holds the summary rows, the teams' effects and the waiting ids
    assert set(payload) == {"effects", "teams", "waiting", "last_month", "post_months"}
    assert payload["post_months"] == 6 and measured.recent in payload["waiting"]
    assert payload["effects"], "no summary row"
    for row in payload["effects"]:
        assert set(row) == {
            "intervention",
            "action_id",
            "outcome",
            "unit",
            "estimate",
            "ci90",
            "placebo",
            "placebo_ci90",
            "n",
            "status",
        }
        assert row["intervention"] == "buffer" and row["action_id"] in (None, "no_overtime_day")
        assert row["status"] in ("estimated", "too_few", "confounded")
        if row["status"] == "estimated":
            low, high = row["ci90"]
            assert low <= row["estimate"] <= high
        else:
            assert row["estimate"] is None
        if row["n"] < 5:
            assert row["status"] == "too_few"
    # and each type row counts the interventions measured on that outcome
    for outcome in {r["outcome"] for r in payload["effects"]}:
        (kind,) = [
            r for r in payload["effects"] if r["outcome"] == outcome and r["action_id"] is None
        ]
        measured_on = {t["intervention_id"] for t in payload["teams"] if t["outcome"] == outcome}
        assert kind["n"] == len(measured_on)
    for team in payload["teams"]:
        assert team["sentence"].startswith(f"after the buffer started in {team['month']}")


def test_measure_without_a_feature_table_is_a_clear_error(
    measured: Measured, tmp_path: Path
) -> None:
    # given settings whose data dir has no snapshot (and so no feature table)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERISK_DATA_DIR", str(tmp_path / "empty"))
        settings = load_settings()
    # when measured
    # then the error says what to run, not a traceback of a missing file
    with pytest.raises(UserError):
        measure(settings, measured.store)


def test_an_empty_report_is_still_the_same_shape() -> None:
    # given no interventions at all
    report = EffectsReport([], [], [], None)
    # then the JSON has every key
    assert report.as_json() == {
        "effects": [],
        "teams": [],
        "waiting": [],
        "last_month": None,
        "post_months": 6,
    }


def test_a_risk_change_is_said_in_percentage_points() -> None:
    # given a team whose risk fell by 0.012 (a probability)
    effect = TeamEffect("iv-1", "T1", "2026-03", "buffer", None, "risk", -0.012, 0.0, 5)
    # when put in words
    # then the change is 1.2 percentage points, in both languages
    assert sentence(effect) == (
        "after the buffer started in 2026-03, risk fell 1.2 percentage points against 5 "
        "similar teams"
    )
    assert sentence(effect, "ja").endswith("1.2パーセントポイント低下しました")
