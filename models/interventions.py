"""The intervention catalogue: which actions fit a flagged team, chosen by the signals that fired.

The catalogue is data (``models/interventions.json``, Japanese and English) so HR can edit
wording without touching code. Each action belongs to one intervention type (``buffer`` or
``recognition``) and lists trigger signals on public feature names; an action is offered to
a flagged team when any of its triggers fires, most relevant first (relevance: the risk its
firing signals carry for this team, in probability points).
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

Intervention = Literal["buffer", "recognition"]
Lang = Literal["ja", "en"]
INTERVENTIONS: tuple[Intervention, ...] = ("buffer", "recognition")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Trigger:
    """``feature op value``; a missing value (suppressed or unknown) never fires."""

    feature: str
    op: str
    value: float

    def fires(self, values: Mapping[str, float | None]) -> bool:
        value = values.get(self.feature)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        return _OPERATORS[self.op](float(value), self.value)


@dataclass(frozen=True)
class Action:
    """One recommended action, in both languages."""

    id: str
    intervention: Intervention
    title: Mapping[str, str]
    description: Mapping[str, str]
    triggers: tuple[Trigger, ...]

    def fired(self, values: Mapping[str, float | None]) -> tuple[str, ...]:
        """Features whose trigger fired for these values."""
        return tuple(t.feature for t in self.triggers if t.fires(values))

    def as_result(self, lang: Lang, signals: tuple[str, ...]) -> dict[str, object]:
        """The ``actions`` entry of a scored team."""
        return {
            "id": self.id,
            "intervention": self.intervention,
            "title": self.title[lang],
            "description": self.description[lang],
            "signals": list(signals),
        }


@dataclass(frozen=True)
class InterventionCatalogue:
    """All actions, in the catalogue's order (its order breaks relevance ties)."""

    actions: tuple[Action, ...]

    def feature_names(self) -> set[str]:
        """Every feature a trigger reads (checked against the feature catalogue in tests)."""
        return {t.feature for a in self.actions for t in a.triggers}

    def recommend(
        self,
        intervention: Intervention,
        values: Mapping[str, float | None],
        contributions: Mapping[str, float],
        lang: Lang = "en",
    ) -> list[dict[str, object]]:
        """Actions of one type whose triggers fired, most relevant first.

        When a team is flagged but no trigger fires (its risk comes from many small signals),
        the single action whose trigger features carry the most risk is offered, with no
        signals, so a flag always comes with something to do.
        """
        candidates = [a for a in self.actions if a.intervention == intervention]

        def relevance(action: Action, features: tuple[str, ...]) -> float:
            return sum(max(0.0, contributions.get(f, 0.0)) for f in features)

        fired = [(a, a.fired(values)) for a in candidates]
        chosen = [(a, signals) for a, signals in fired if signals]
        if not chosen and candidates:
            best = max(candidates, key=lambda a: relevance(a, tuple(t.feature for t in a.triggers)))
            chosen = [(best, ())]
        order = {a.id: i for i, a in enumerate(candidates)}
        chosen.sort(key=lambda pair: (-relevance(*pair), order[pair[0].id]))
        return [action.as_result(lang, signals) for action, signals in chosen]


@lru_cache(maxsize=1)
def load_catalogue() -> InterventionCatalogue:
    """The catalogue shipped with the package."""
    text = resources.files("models").joinpath("interventions.json").read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))


def parse_catalogue(payload: Mapping[str, object]) -> InterventionCatalogue:
    """Build the catalogue from its JSON form, refusing unknown types or operators."""
    actions = []
    for entry in payload["actions"]:  # type: ignore[union-attr]
        if entry["intervention"] not in INTERVENTIONS:
            raise ValueError(f"action {entry['id']}: unknown intervention {entry['intervention']}")
        triggers = []
        for trigger in entry["triggers"]:
            if trigger["op"] not in _OPERATORS:
                raise ValueError(f"action {entry['id']}: unknown operator {trigger['op']}")
            triggers.append(Trigger(trigger["feature"], trigger["op"], float(trigger["value"])))
        for lang in ("ja", "en"):
            if not entry["title"].get(lang) or not entry["description"].get(lang):
                raise ValueError(f"action {entry['id']}: missing {lang} text")
        actions.append(
            Action(
                id=entry["id"],
                intervention=entry["intervention"],
                title=dict(entry["title"]),
                description=dict(entry["description"]),
                triggers=tuple(triggers),
            )
        )
    return InterventionCatalogue(tuple(actions))
