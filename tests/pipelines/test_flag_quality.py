"""Issue 6 behaviour, measured on the generator's truth with organisations the model never saw.

A champion is trained on the ``eval`` world; an unseen ``default`` world and the
``seed-story`` world are then scored month by month and their flags compared with the
planted drivers (``benchmarks/flags.py`` holds the measurement and prints the figures).
The share of untouched teams flagged (27 teams a world, so 3.7 points per team) is a
benchmark figure pooled over six worlds, not a test of one: here it only has to stay
well under the untouched teams' share that a campaign touches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.flags import measure

pytestmark = pytest.mark.slow


def test_flags_recover_the_planted_drivers_and_the_seed_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a champion trained on one organisation (measure() sets the environment)
    for name in ("ERISK_DATA_DIR", "MLFLOW_TRACKING_URI", "MLFLOW_DISABLE_TELEMETRY"):
        monkeypatch.setenv(name, "")
    # when two other organisations are scored month by month
    quality = measure(tmp_path)
    # then flagged workload/recognition teams get the planted type and not the other
    assert quality.driver_cases >= 50
    assert quality.driver_accuracy >= 0.85
    # and the campaign's teams are flagged buffer within 2 months, the others stay calm
    assert quality.seed_story_hit_teams >= 10
    assert quality.seed_story_hit_flagged_buffer >= 0.80
    assert quality.seed_story_untouched_teams >= 10
    assert quality.seed_story_untouched_flagged < 0.25
