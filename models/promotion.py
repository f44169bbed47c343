"""The promotion gate as pure functions: a challenger replaces the champion only if it is at
least as good when both are judged on the same backtest rows.

Rules (issue 5): AUC not lower than the champion's by more than 0.005; Brier not worse by
more than 2 % (relative); no department with at least 30 positives and 30 negatives under
AUC 0.6.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GateThresholds:
    """The tolerances of the gate."""

    max_auc_drop: float = 0.005
    max_brier_increase_share: float = 0.02
    min_department_auc: float = 0.6
    min_each_class: int = 30


@dataclass(frozen=True)
class DepartmentScore:
    """One department's out-of-fold AUC and class counts."""

    roc_auc: float
    positives: int
    negatives: int


@dataclass(frozen=True)
class GateEvidence:
    """What the gate needs to know about one model on the shared backtest rows."""

    roc_auc: float
    brier: float
    departments: Mapping[str, DepartmentScore]


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict and a sentence saying why."""

    rule: str
    passed: bool
    detail: str


def auc_rule(challenger: GateEvidence, champion: GateEvidence, t: GateThresholds) -> RuleOutcome:
    """The challenger's AUC may be at most ``max_auc_drop`` below the champion's."""
    drop = champion.roc_auc - challenger.roc_auc
    passed = drop <= t.max_auc_drop + 1e-12
    return RuleOutcome(
        "auc",
        passed,
        f"AUC {challenger.roc_auc:.4f} vs champion {champion.roc_auc:.4f} "
        f"(drop {drop:+.4f}, allowed {t.max_auc_drop})",
    )


def brier_rule(challenger: GateEvidence, champion: GateEvidence, t: GateThresholds) -> RuleOutcome:
    """The challenger's Brier score may be at most 2 % (relative) above the champion's."""
    limit = champion.brier * (1.0 + t.max_brier_increase_share)
    passed = challenger.brier <= limit + 1e-12
    return RuleOutcome(
        "brier",
        passed,
        f"Brier {challenger.brier:.5f} vs champion {champion.brier:.5f} (limit {limit:.5f})",
    )


def department_rule(challenger: GateEvidence, t: GateThresholds) -> RuleOutcome:
    """No department with enough of both classes may fall under the AUC floor."""
    failing = sorted(
        name
        for name, score in challenger.departments.items()
        if score.positives >= t.min_each_class
        and score.negatives >= t.min_each_class
        and not (math.isfinite(score.roc_auc) and score.roc_auc >= t.min_department_auc)
    )
    judged = sum(
        1
        for s in challenger.departments.values()
        if s.positives >= t.min_each_class and s.negatives >= t.min_each_class
    )
    detail = (
        f"departments under AUC {t.min_department_auc}: {', '.join(failing)}"
        if failing
        else f"{judged} department(s) with >= {t.min_each_class} of each class, none under "
        f"AUC {t.min_department_auc}"
    )
    return RuleOutcome("department_auc", not failing, detail)


def evaluate_gate(
    challenger: GateEvidence, champion: GateEvidence, thresholds: GateThresholds = GateThresholds()
) -> list[RuleOutcome]:
    """Every rule's outcome, in a fixed order."""
    return [
        auc_rule(challenger, champion, thresholds),
        brier_rule(challenger, champion, thresholds),
        department_rule(challenger, thresholds),
    ]


def failed_rules(outcomes: Sequence[RuleOutcome]) -> list[RuleOutcome]:
    """The outcomes that did not pass."""
    return [outcome for outcome in outcomes if not outcome.passed]
