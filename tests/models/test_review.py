"""Bands by lift, the review list and the backtest's figures for it."""

from __future__ import annotations

import numpy as np
import pytest

from models.review import (
    BandRules,
    backtest_sentence,
    flagged_order,
    history_status,
    list_figures,
    list_intervals,
    rank_month,
    rerank_within,
    review_capacity,
    review_membership,
    visible_list,
)


def _result(team: str, risk: float, band: str, status: str = "scored") -> dict[str, object]:
    return {"team_id": team, "risk": risk, "band": band, "status": status}


def test_bands_follow_the_lift_over_the_base_rate() -> None:
    # given a model whose training labels had 8 % events
    rules = BandRules(base_rate=0.08)
    # when / then: medium (watch) from 1.5 x, high from 2 x
    assert rules.band(0.11) == "low"
    assert rules.band(0.12) == "medium" and rules.lift(0.12) == pytest.approx(1.5)
    assert rules.band(0.16) == "high"
    assert BandRules.from_dict(rules.as_dict()) == rules
    with pytest.raises(ValueError):
        BandRules.from_dict({"medium": 0.2, "high": 0.4})


def test_review_capacity_is_five_percent_of_the_teams_and_at_least_three() -> None:
    # given / when / then
    assert review_capacity(30) == 3
    assert review_capacity(60) == 3
    assert review_capacity(61) == 4
    assert review_capacity(300) == 15
    assert review_capacity(300, setting=7) == 7


def test_the_review_list_holds_the_top_high_teams_up_to_k_and_skips_young_teams() -> None:
    # given 30 teams: five high (one too young to judge), two medium, the rest low
    results = [_result(f"T{i:02d}", 0.01 * i, "low") for i in range(30)]
    results[29] = _result("T29", 0.60, "high")
    results[28] = _result("T28", 0.55, "high", status="insufficient_history")
    results[27] = _result("T27", 0.50, "high")
    results[26] = _result("T26", 0.50, "high")
    results[25] = _result("T25", 0.45, "high")
    results[24] = _result("T24", 0.30, "medium")
    # when ranked (k = 3 for 29 scored teams)
    ranked = {r["team_id"]: r for r in rank_month(results)}
    # then ranks skip the young team, ties go by team id, and only 3 of 4 high teams are listed
    assert ranked["T29"]["rank"] == 1
    assert ranked["T28"]["rank"] is None and ranked["T28"]["review"] is False
    assert (ranked["T26"]["rank"], ranked["T27"]["rank"]) == (2, 3)
    assert [t for t, r in ranked.items() if r["review"]] == ["T26", "T27", "T29"]
    assert ranked["T25"]["band"] == "high" and ranked["T25"]["review"] is False
    # and "nothing stands out" is possible: no high team, no list
    calm = rank_month([_result("A", 0.3, "medium"), _result("B", 0.1, "low")])
    assert not any(r["review"] for r in calm)


def test_flagged_gives_the_review_list_first_then_the_watch_list_and_scoped_ranks() -> None:
    # given a ranked month
    ranked = rank_month(
        [
            _result("A", 0.9, "high"),
            _result("B", 0.8, "medium"),
            _result("C", 0.7, "high"),
            _result("D", 0.1, "low"),
        ],
        capacity=1,
    )
    # when
    order = flagged_order(ranked)
    scoped = rerank_within([r for r in ranked if r["team_id"] in ("B", "D")])
    # then: A (listed), then B and C by rank; D is not flagged; B is first among its own
    assert [r["team_id"] for r in order] == ["A", "B", "C"]
    assert [(r["team_id"], r["rank"]) for r in scoped] == [("B", 1), ("D", 2)]


def test_history_status() -> None:
    # given / when / then
    assert history_status(5) == "insufficient_history"
    assert history_status(6) == "scored"
    assert history_status(None) == "scored"


def test_backtest_list_figures_by_hand_and_with_weights_as_repeated_teams() -> None:
    # given one month of 20 teams with base rate 0.1: four high teams (risk >= 0.2)
    risk = np.array([0.5, 0.4, 0.3, 0.25] + [0.05] * 16)
    label = np.array([1, 0, 1, 1] + [0] * 15 + [1])
    base = np.full(20, 0.1)
    month = ["2025-01"] * 20
    # when
    figures = list_figures(label, risk, base, month)
    # then k = 3: the top three high teams, 2 events among them; 4 events overall
    assert figures["review.size"] == 3 and figures["review.precision"] == pytest.approx(2 / 3)
    assert figures["review.recall"] == pytest.approx(2 / 4)
    assert figures["review.lift"] == pytest.approx((2 / 3) / (4 / 20))
    assert figures["high.size"] == 4 and figures["high.precision"] == pytest.approx(3 / 4)
    # and a weight of 2 on the top team fills two of the three slots with it
    weight = np.ones(20)
    weight[0] = 2
    assert review_membership(risk, base, month, weight=weight).tolist()[:3] == [2.0, 1.0, 0.0]


def test_backtest_intervals_bracket_the_estimate() -> None:
    # given 12 months of 60 teams
    rng = np.random.default_rng(0)
    n = 720
    risk = rng.beta(1, 9, n)
    label = (rng.random(n) < risk).astype(int)
    month = [f"2025-{1 + i // 60:02d}" for i in range(n)]
    teams = [f"T{i % 60}" for i in range(n)]
    # when
    table = list_intervals(label, risk, np.full(n, 0.1), month, teams, replicates=100)
    row = table.set_index("statistic").loc["review.precision"]
    # then
    assert row["low"] <= row["estimate"] <= row["high"]


def test_backtest_sentence_in_plain_words() -> None:
    # given / when / then
    text = backtest_sentence({"review.precision": 0.41, "event_rate": 0.07})
    assert text == (
        "In the backtest, 4 of 10 teams on this list had a decline within 3 months; "
        "1 in 14 overall."
    )
    assert "10チーム中4チーム" in str(
        backtest_sentence({"review.precision": 0.41, "event_rate": 0.07}, "ja")
    )
    assert backtest_sentence({}) is None
    # and a backtest whose list stayed empty says so rather than nothing
    empty = backtest_sentence({"review.precision": None, "review.size": 0, "event_rate": 0.05})
    assert empty == (
        "In the backtest no team reached this list; 1 in 20 teams overall had a decline within "
        "3 months."
    )


def test_the_backtest_skips_young_teams_as_scoring_does() -> None:
    # given one month of 20 teams where the riskiest team has 3 months of history
    risk = np.array([0.9, 0.5, 0.4, 0.3] + [0.05] * 16)
    label = np.array([1, 1, 0, 1] + [0] * 16)
    scored = np.array([False] + [True] * 19)
    # when
    figures = list_figures(label, risk, np.full(20, 0.1), ["2025-01"] * 20, scored=scored)
    # then the young team is neither listed nor high, and k counts the 19 scored teams
    assert figures["review.size"] == 3 and figures["review.precision"] == pytest.approx(2 / 3)
    assert figures["high.size"] == 3


def test_a_scoped_key_gets_its_own_review_list_not_a_hint_of_other_departments() -> None:
    # given a month whose three riskiest high teams are in HR and the fourth in accounting
    results = rank_month(
        [_result(f"H{i}", 0.9 - 0.1 * i, "high") for i in range(3)]
        + [_result("A0", 0.5, "high"), _result("A1", 0.1, "low")]
    )
    accounting = [r for r in results if r["team_id"].startswith("A")]
    # when accounting's key sees the month
    seen = {r["team_id"]: r for r in visible_list(results, accounting, None)}
    # then its high team leads its own list (not left off a list it cannot see), rank 1
    assert seen["A0"]["rank"] == 1 and seen["A0"]["review"] is True
    assert not next(r for r in results if r["team_id"] == "A0")["review"]
    # and the organisation's view is the month's list as stored
    assert visible_list(results, results, None) == results
