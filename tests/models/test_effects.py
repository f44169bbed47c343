"""The effect of HR's interventions: difference in differences against similar teams."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.effects import Intervention, describe, summarise, team_effects


def _panel(effect: float, pre_trend: float = 0.0, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """40 teams over 30 months; teams 0-11 get a buffer in month 15 (one every month from
    2025-04), lifting overtime by ``effect`` from month 1 on; ``pre_trend`` makes the
    treated teams' overtime climb in months -2 and -1 (the rise HR reacted to), which no
    comparison team shares."""
    rng = np.random.default_rng(seed)
    months = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(30)]
    rows, interventions = [], []
    for team in range(40):
        level = rng.normal(20, 3)
        start = 15 + team % 4 if team < 12 else None
        for m, month in enumerate(months):
            value = level + 2 * np.sin(m / 3) + rng.normal(0, 0.5)
            if start is not None:
                value += pre_trend * max(m - (start - 3), 0) if m < start else 0.0
                value += effect if m > start else 0.0
            rows.append(
                {"team_id": f"T{team:02d}", "month": month, "band": "high", "flags": "buffer",
                 "overtime_mean_hours": value}
            )  # fmt: skip
        if start is not None:
            interventions.append(
                Intervention(f"i{team}", f"T{team:02d}", months[start], "buffer",
                             "no_overtime_day" if team % 2 else "planned_paid_leave")
            )  # fmt: skip
    return pd.DataFrame(rows), interventions


def test_a_known_effect_is_recovered_with_an_interval_that_covers_it() -> None:
    # given buffers that cut overtime by 5 hours
    panel, interventions = _panel(effect=-5.0)
    # when
    effects = team_effects(panel, interventions, ["overtime"])
    (overall,) = [r for r in summarise(effects) if r["action_id"] is None]
    # then the mean effect is about -5, its interval covers it, and the pre-period is flat
    assert overall["status"] == "estimated" and overall["n"] == 12
    assert overall["estimate"] == pytest.approx(-5.0, abs=0.5)
    low, high = overall["ci90"]
    assert low <= -5.0 <= high
    # and per action, 6 interventions each
    actions = {r["action_id"]: r for r in summarise(effects) if r["action_id"] is not None}
    assert {r["n"] for r in actions.values()} == {6}
    # and one team's effect reads in words
    assert "overtime fell" in describe(effects[0]) and "similar teams" in describe(effects[0])


def test_no_effect_gives_intervals_around_zero() -> None:
    # given six panels whose interventions did nothing
    rows = []
    for seed in range(6):
        panel, interventions = _panel(effect=0.0, seed=seed)
        # when each is measured
        summary = summarise(team_effects(panel, interventions, ["overtime"]))
        rows.append(next(r for r in summary if r["action_id"] is None))
    # then every estimate's interval holds zero; the placebo, a 90 % interval too, may call
    # some confounded by chance (12 interventions a panel: here at most two of six)
    estimated = [r for r in rows if r["status"] == "estimated"]
    assert all(r["ci90"][0] <= 0.0 <= r["ci90"][1] for r in estimated)
    assert len(estimated) >= 4


def test_teams_that_were_already_moving_apart_are_confounded() -> None:
    # given treated teams whose overtime climbed for months before HR stepped in
    panel, interventions = _panel(effect=-5.0, pre_trend=1.0)
    # when
    (overall,) = [
        r for r in summarise(team_effects(panel, interventions, ["overtime"]))
        if r["action_id"] is None
    ]  # fmt: skip
    # then no estimate is given
    assert overall["status"] == "confounded" and overall["estimate"] is None


def test_fewer_than_five_interventions_are_too_few() -> None:
    # given four interventions only
    panel, interventions = _panel(effect=-5.0)
    # when
    rows = summarise(team_effects(panel, interventions[:4], ["overtime"]))
    # then
    assert {r["status"] for r in rows} == {"too_few"}


def test_an_intervention_without_six_months_after_it_waits() -> None:
    # given the known-effect panel and one more buffer started 3 months before its end
    panel, interventions = _panel(effect=-5.0)
    late = Intervention("late", "T30", "2026-03", "buffer", None)
    # when
    effects = team_effects(panel, [*interventions, late], ["overtime"])
    # then the late one is not measured yet, the others are
    measured = {e.intervention_id for e in effects}
    assert "late" not in measured and len(measured) == 12
