"""``erisk explain`` and ``erisk whatif`` on a real world with a champion model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main
from tests.pipelines.conftest import World

pytestmark = pytest.mark.slow


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ERISK_DATA_DIR", str(world.data_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", world.tracking_uri)
    return world


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def first_team(world: World) -> str:
    import pandas as pd

    return str(pd.read_parquet(world.export / "teams.parquet")["team_id"].iloc[0])


def test_explain_gives_the_scored_team_shape_in_both_languages(
    env: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the world's last month and one of its teams
    month, team = env.months[-1], first_team(env)
    # when explained in English and Japanese
    code_en, out_en, _ = run(capsys, "explain", "--team", team, "--month", month, "--json")
    code_ja, out_ja, _ = run(
        capsys, "explain", "--team", team, "--month", month, "--json", "--lang", "ja"
    )
    # then both describe the same risk with the champion's version, in their language
    assert code_en == code_ja == 0
    en, ja = json.loads(out_en), json.loads(out_ja)
    assert en["team_id"] == team and en["month"] == month
    assert en["model_version"] == env.champion
    assert en["risk"] == ja["risk"] and en["band"] in {"low", "medium", "high"}
    assert set(en["flags"]) <= {"buffer", "recognition"}
    assert en["drivers"] and all(d["text"] for d in en["drivers"])
    month_number = int(month[5:])
    assert any(f"{month_number}月" in d["text"] for d in ja["drivers"])
    assert [d["feature"] for d in en["drivers"]] == [d["feature"] for d in ja["drivers"]]


def test_explain_panel_spells_out_the_band(env: World, capsys) -> None:
    code, out, _ = run(capsys, "explain", "--team", first_team(env), "--month", env.months[-1])
    assert code == 0
    assert any(band in out for band in ("[LOW]", "[MEDIUM]", "[HIGH]"))


def test_whatif_less_overtime_does_not_raise_the_risk(env: World, capsys) -> None:
    # given a team and month
    team, month = first_team(env), env.months[-1]
    # when its overtime is set to zero and its leave pace to full
    code, out, err = run(
        capsys,
        "whatif",
        "--team",
        team,
        "--month",
        month,
        "--set",
        "overtime_mean_hours=0",
        "--set",
        "leave_uptake_pace=1",
        "--json",
    )
    # then the new risk is not higher, and both states are reported
    assert code == 0, err
    result = json.loads(out)
    assert result["changes"] == {"overtime_mean_hours": 0.0, "leave_uptake_pace": 1.0}
    assert result["after"]["risk"] <= result["before"]["risk"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["whatif", "--set", "headcount=30"], "cannot be changed"),
        (["whatif", "--set", "department=1"], "cannot be changed"),
        (["whatif", "--set", "overtime=3"], "not a feature"),
        (["whatif", "--set", "overtime_mean_hours"], "FEATURE=VALUE"),
        (["explain", "--team", "NO-SUCH-TEAM"], "has no data"),
        (["explain", "--month", "1999-01"], "cannot score 1999-01"),
        (["explain", "--month", "2026-13"], "YYYY-MM"),
    ],
)
def test_refusals_exit_2_with_a_reason(
    env: World, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    # given a valid team and month unless the case overrides them
    command, *rest = args
    base = {"--team": first_team(env), "--month": env.months[-1]}
    for flag in ("--team", "--month"):
        if flag in rest:
            base[flag] = rest[rest.index(flag) + 1]
            del rest[rest.index(flag) : rest.index(flag) + 2]
    argv = [command, *[x for kv in base.items() for x in kv], *rest]
    # when run
    code, _, err = run(capsys, *argv)
    # then exit 2, the reason, no traceback
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_without_a_champion_explain_says_what_to_run(
    env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/empty.db")
    code, _, err = run(capsys, "explain", "--team", first_team(env), "--month", env.months[-1])
    assert code == 2
    assert "erisk train" in err and "erisk promote" in err


def test_explain_gives_the_month_rank_and_review_once_the_month_is_scored(
    env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # given an empty scores store (its file does not exist yet)
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setenv("ERISK_DB_URL", f"sqlite:///{tmp_path}/scores.db")
    month = env.months[-1]
    team = first_team(env)
    # when a team is explained before its month is scored
    code, out, err = run(capsys, "explain", "--team", team, "--month", month, "--json")
    # then it has its lift and status but no rank, and explain created no store
    assert code == 0, err
    before = json.loads(out)
    assert (before["rank"], before["review"], before["status"]) == (None, False, "scored")
    assert before["lift"] > 0 and not (tmp_path / "scores.db").exists()
    # when the month is scored and the team explained again
    assert run(capsys, "score", "--month", month)[0] == 0
    code, out, err = run(capsys, "explain", "--team", team, "--month", month, "--json")
    code_report, report, _ = run(capsys, "report", "--month", month, "--json")
    # then it carries the month's rank and review, as the report has them
    assert code == code_report == 0, err
    stored = next(r for r in json.loads(report)["results"] if r["team_id"] == team)
    after = json.loads(out)
    assert (after["rank"], after["review"]) == (stored["rank"], stored["review"])
    assert after["rank"] is not None
    # and the panel says so in words
    code, out, _ = run(capsys, "explain", "--team", team, "--month", month)
    assert code == 0
    assert f"Rank {stored['rank']} this month" in out and "Lift:" in out


def test_explain_says_when_a_month_has_too_little_history(
    env: World, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # given the export's first month (no team has 6 months of history in the data yet)
    monkeypatch.setenv("COLUMNS", "300")
    month, team = env.months[0], first_team(env)
    # when a team is explained
    code, out, err = run(capsys, "explain", "--team", team, "--month", month, "--json")
    words = run(capsys, "explain", "--team", team, "--month", month, "--lang", "ja")[1]
    # then it is insufficient_history: band low, no flag, no rank, said in plain words
    assert code == 0, err
    result = json.loads(out)
    assert (result["status"], result["band"], result["flags"], result["rank"]) == (
        "insufficient_history",
        "low",
        [],
        None,
    )
    assert "履歴が6か月未満" in words
