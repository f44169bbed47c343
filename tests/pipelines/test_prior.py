"""The shipped prior: rebuilt deterministically, and in step with the features and label."""

from __future__ import annotations

from pathlib import Path

from features.build import FEATURES_VERSION
from features.catalogue import feature_names
from features.labels import LabelConfig
from models.prior import PRIOR_DIR, load_prior
from pipelines import cli
from pipelines.prior import PriorConfig, run_prior_build
from synthetic.parameters import WORLD_VERSION

SMALL = PriorConfig(teams=12, months=20, seeds=(5, 6), check_seed=9)


def test_the_same_configuration_builds_byte_identical_files(tmp_path: Path) -> None:
    # given / when the prior is built twice from the same small configuration
    first = run_prior_build(tmp_path / "a", SMALL)
    second = run_prior_build(tmp_path / "b", SMALL)
    # then every file is the same, and the build records its seeds and command
    assert first.files == second.files
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    prior = load_prior(tmp_path / "a")
    assert prior is not None
    assert prior.build["config"]["seeds"] == [5, 6]
    assert prior.build["command"] == (
        "erisk prior build --teams 12 --months 20 --seeds 5,6 --check-seed 9"
    )
    assert (
        "What it cannot know about a real company" in (tmp_path / "a" / "model_card.md").read_text()
    )


def test_the_command_refuses_a_check_world_it_learns_from(tmp_path: Path) -> None:
    # given / when
    code = cli.main(
        [
            "prior",
            "build",
            "--out",
            str(tmp_path / "p"),
            "--seeds",
            "5,9",
            "--check-seed",
            "9",
            "--teams",
            "12",
            "--months",
            "20",
        ]
    )
    # then
    assert code == 2 and not (tmp_path / "p").exists()


def test_the_shipped_prior_is_in_step_with_the_features_the_label_and_the_world() -> None:
    # given the prior inside the package
    prior = load_prior(PRIOR_DIR)
    # then it was built from today's features, label and generator (else: erisk prior build)
    assert prior is not None
    assert prior.fits(set(feature_names()))
    assert prior.build["features_version"] == FEATURES_VERSION
    assert prior.build["label_config_hash"] == LabelConfig().config_hash()
    assert prior.build["world_version"] == WORLD_VERSION
    # from at least 1,000 teams over several seeds no benchmark reports on
    config = prior.build["config"]
    assert config["teams"] * len(config["seeds"]) >= 1000
    assert not set(config["seeds"]) & {1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 42}
