"""The shipped prior: a booster learnt from a large generated back office, for small customers.

A back office of 30-60 teams has a few hundred labelled events: too few for a booster to
learn from alone (its folds stop after a handful of rounds). The prior was trained once on
worlds of the synthetic generator (grounded in ``shared/world-parameters.md``; at least 1,000
teams over several seeds) and ships inside the package under ``models/prior/``, with its own
model card and the seeds and command that built it (``erisk prior build`` rebuilds it).
``erisk train`` tries it as a candidate next to the local booster: with its level re-anchored
to the customer's event rate, or continued on the customer's data (``init_model``). The
backtest decides.

Loading only (no I/O beyond the package folder); building is :mod:`pipelines.prior`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.calibration import PlattCalibration
from models.dataset import FeatureSchema

if TYPE_CHECKING:
    import lightgbm as lgb

logger = logging.getLogger(__name__)

PRIOR_DIR = Path(__file__).resolve().parent / "prior"
BOOSTER_FILE = "booster.txt"
CALIBRATION_FILE = "calibration.json"
FEATURES_FILE = "features.json"
BUILD_FILE = "build.json"
CARD_FILE = "model_card.md"


@dataclass(frozen=True)
class PriorModel:
    """The prior's booster, its calibration on the worlds it was built from, its feature
    schema and the facts of its build (seeds, worlds, command, figures)."""

    booster: lgb.Booster
    calibration: PlattCalibration
    schema: FeatureSchema
    build: dict[str, Any]

    def fits(self, columns: set[str]) -> bool:
        """Whether a team-month table holds every feature the prior was built on."""
        return set(self.schema.names) <= columns


def load_prior(folder: Path = PRIOR_DIR) -> PriorModel | None:
    """The prior in ``folder``, or None (with a warning) when it is missing or incomplete."""
    import lightgbm as lgb

    files = [folder / name for name in (BOOSTER_FILE, CALIBRATION_FILE, FEATURES_FILE)]
    if not all(path.exists() for path in files):
        logger.warning("no prior model in %s: training uses the local booster only", folder)
        return None
    build_path = folder / BUILD_FILE
    return PriorModel(
        booster=lgb.Booster(model_file=str(folder / BOOSTER_FILE)),
        calibration=PlattCalibration.from_dict(
            json.loads((folder / CALIBRATION_FILE).read_text(encoding="utf-8"))
        ),
        schema=FeatureSchema.from_dict(
            json.loads((folder / FEATURES_FILE).read_text(encoding="utf-8"))
        ),
        build=json.loads(build_path.read_text(encoding="utf-8")) if build_path.exists() else {},
    )
