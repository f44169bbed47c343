from __future__ import annotations

from models.promotion import DepartmentScore, GateEvidence, evaluate_gate, failed_rules

GOOD_DEPARTMENTS = {"hr": DepartmentScore(0.75, 40, 400), "it": DepartmentScore(0.7, 35, 300)}


def evidence(auc: float, brier: float, departments: dict[str, DepartmentScore] | None = None):
    return GateEvidence(auc, brier, departments or GOOD_DEPARTMENTS)


def test_an_equal_or_better_challenger_passes_every_rule() -> None:
    # given
    champion = evidence(0.780, 0.0400)
    challenger = evidence(0.776, 0.0407)  # drop 0.004 < 0.005; Brier +1.75 % < 2 %
    # when
    outcomes = evaluate_gate(challenger, champion)
    # then
    assert failed_rules(outcomes) == []


def test_an_auc_drop_beyond_tolerance_fails_the_auc_rule_only() -> None:
    # given
    champion = evidence(0.780, 0.0400)
    challenger = evidence(0.770, 0.0400)
    # when
    failed = failed_rules(evaluate_gate(challenger, champion))
    # then
    assert [o.rule for o in failed] == ["auc"]
    assert "0.7700" in failed[0].detail


def test_a_brier_more_than_two_percent_worse_fails() -> None:
    # given
    champion = evidence(0.780, 0.0400)
    challenger = evidence(0.790, 0.0409)
    # when / then
    assert [o.rule for o in failed_rules(evaluate_gate(challenger, champion))] == ["brier"]


def test_a_large_department_under_auc_0_6_fails_but_a_small_one_is_not_judged() -> None:
    # given a large department at 0.55 and a small one (10 positives) at 0.3
    weak = {**GOOD_DEPARTMENTS, "sales": DepartmentScore(0.55, 30, 30)}
    small = {**GOOD_DEPARTMENTS, "legal": DepartmentScore(0.30, 10, 200)}
    champion = evidence(0.78, 0.04)
    # when
    weak_failed = failed_rules(evaluate_gate(evidence(0.78, 0.04, weak), champion))
    small_failed = failed_rules(evaluate_gate(evidence(0.78, 0.04, small), champion))
    # then
    assert [o.rule for o in weak_failed] == ["department_auc"]
    assert "sales" in weak_failed[0].detail
    assert small_failed == []
