from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.metrics import (
    bootstrap_intervals,
    brier,
    expected_calibration_error,
    fairness_table,
    month_groups,
    normalised_share,
    pr_auc,
    roc_auc,
    top_k_precision,
    top_share_precision_recall,
    within_month_auc,
)


def test_roc_auc_counts_ordered_pairs_and_half_ties() -> None:
    # given 2 positives, 2 negatives: pairs (0.4>0.1 yes, 0.4>0.4 tie, 0.8>both yes)
    label = np.array([0, 1, 0, 1])
    score = np.array([0.1, 0.4, 0.4, 0.8])
    # when / then: (1 + 0.5 + 1 + 1) / 4
    assert roc_auc(label, score) == pytest.approx(3.5 / 4)


def test_roc_auc_is_nan_with_one_class() -> None:
    # given / when / then
    assert math.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_pr_auc_is_average_precision() -> None:
    # given ranking: pos, neg, pos -> precision at the positives 1 and 2/3
    label = np.array([1, 0, 1])
    score = np.array([0.9, 0.8, 0.7])
    # when / then
    assert pr_auc(label, score) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_brier_and_weights_behave_like_repeated_rows() -> None:
    # given
    label = np.array([0, 1])
    prob = np.array([0.2, 0.6])
    # when / then: ((0.04) + (0.16)) / 2 and with weight 3 on the second row
    assert brier(label, prob) == pytest.approx(0.10)
    assert brier(label, prob, np.array([1.0, 3.0])) == pytest.approx((0.04 + 3 * 0.16) / 4)


def test_expected_calibration_error_by_hand() -> None:
    # given two bins: [0.0,0.1) with p=0.05 and rate 1/2; [0.9,1.0] with p=0.95 and rate 1
    label = np.array([0, 1, 1, 1])
    prob = np.array([0.05, 0.05, 0.95, 0.95])
    # when
    ece = expected_calibration_error(label, prob)
    # then: 0.5 * |0.05 - 0.5| + 0.5 * |0.95 - 1|
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.05)


def test_top_share_flags_the_highest_tenth_of_each_month() -> None:
    # given two months of 20 teams; the 2 top scores of month A are one positive, one negative
    score = np.concatenate([np.linspace(0, 1, 20), np.linspace(0, 1, 20)])
    label = np.zeros(40, dtype=int)
    label[[19, 18, 5]] = [1, 0, 1]
    label[[39, 10]] = [1, 1]
    month = ["A"] * 20 + ["B"] * 20
    # when
    precision, recall = top_share_precision_recall(label, score, month)
    # then: flagged rows 19, 18, 39, 38 -> 2 hits of 4 flagged; 2 of 4 positives found
    assert precision == pytest.approx(2 / 4)
    assert recall == pytest.approx(2 / 4)


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible() -> None:
    # given a score with real signal
    rng = np.random.default_rng(1)
    label = rng.integers(0, 2, 400)
    model = label * 0.5 + rng.random(400)
    teams = [f"T{i % 50}" for i in range(400)]
    # when
    first = bootstrap_intervals(label, {"model": model, "rule": rng.random(400)}, teams, 200, 3)
    second = bootstrap_intervals(label, {"model": model, "rule": rng.random(400)}, teams, 200, 3)
    # then
    auc = first.set_index("statistic").loc["model.roc_auc"]
    assert auc["low"] <= auc["estimate"] <= auc["high"]
    assert "gap.rule.roc_auc" in set(first["statistic"])
    assert (
        first.loc[first["statistic"].str.startswith("model"), "low"].tolist()
        == second.loc[second["statistic"].str.startswith("model"), "low"].tolist()
    )


def test_fairness_table_has_department_and_size_rows_with_eligibility() -> None:
    # given
    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "p_model": rng.random(n),
            "department": ["a"] * 300 + ["b"] * 100,
            "headcount": [3.0] * 100 + [12.0] * 300,
        }
    )
    frame.loc[300:, "label"] = 0
    # when
    table = fairness_table(frame).set_index(["dimension", "group"])
    # then
    assert table.loc[("department", "a"), "rows"] == 300
    assert bool(table.loc[("department", "a"), "gate_eligible"])
    assert not bool(table.loc[("department", "b"), "gate_eligible"])
    assert math.isnan(table.loc[("department", "b"), "roc_auc"])
    assert set(table.loc["size_band"].index) == {"<5", "10-19"}


def test_normalised_share_measures_the_lead_over_chance() -> None:
    # given / when / then: halfway from chance to the ceiling is 0.5, the ceiling itself 1
    assert normalised_share(0.65, 0.8) == pytest.approx(0.5)
    assert normalised_share(0.8, 0.8) == pytest.approx(1.0)
    assert math.isnan(normalised_share(0.6, 0.5))


def test_top_k_precision_per_month_and_bootstrap_weights_behave_like_repeated_rows() -> None:
    # given two months; in A the top 3 scores hold 2 events, in B 1
    score = np.array([0.9, 0.8, 0.7, 0.1, 0.9, 0.8, 0.7, 0.6])
    label = np.array([1, 0, 1, 1, 0, 0, 1, 1])
    month = ["A"] * 4 + ["B"] * 4
    groups = month_groups(month)
    # when / then: (2 + 1) / 6
    assert top_k_precision(label, score, groups, None, k=3) == pytest.approx(3 / 6)
    # and a weight of 2 on the top row of A counts it twice: A's top 3 = rows 0, 0, 1
    weight = np.array([2.0, 1, 1, 1, 1, 1, 1, 1])
    repeated = np.repeat(np.arange(8), weight.astype(int))
    expected = top_k_precision(
        label[repeated], score[repeated], month_groups(np.asarray(month)[repeated]), None, k=3
    )
    assert top_k_precision(label, score, groups, weight, k=3) == pytest.approx(expected)
    assert expected == pytest.approx((2 + 1) / 6)
    # the top 5 % of 4 teams is one team a month
    assert top_k_precision(label, score, groups, None, share=0.05) == pytest.approx(1 / 2)


def test_within_month_auc_ignores_what_separates_months() -> None:
    # given a busy month (all scores high) and a calm month, each perfectly ranked inside
    score = np.array([0.9, 0.8, 0.2, 0.1])
    label = np.array([1, 0, 1, 0])
    groups = month_groups(["busy", "busy", "calm", "calm"])
    # when / then: perfect within each month, though the pooled AUC is not
    assert within_month_auc(label, score, groups, None) == pytest.approx(1.0)
    assert roc_auc(label, score) == pytest.approx(0.75)


def test_bootstrap_gives_shares_of_both_ceilings_and_no_calibration_for_rank_only_scores() -> None:
    # given a model, an oracle and an observable ceiling on 40 teams over 10 months
    rng = np.random.default_rng(4)
    n = 400
    truth = rng.random(n) * 0.4
    label = (rng.random(n) < truth).astype(int)
    observable = truth + rng.normal(0, 0.05, n)
    model = truth + rng.normal(0, 0.15, n)
    teams = [f"T{i % 40}" for i in range(n)]
    months = [f"2025-{1 + i // 40:02d}" for i in range(n)]
    scores = {"model": model, "oracle": truth, "observable": observable}
    # when
    table = bootstrap_intervals(label, scores, teams, 100, 1, month=months)
    found = table.set_index("statistic")["estimate"]
    # then
    auc = {name: roc_auc(label, score) for name, score in scores.items()}
    assert found["model.share_of_oracle"] == pytest.approx(
        normalised_share(auc["model"], auc["oracle"])
    )
    assert found["model.share_of_observable"] == pytest.approx(
        normalised_share(auc["model"], auc["observable"])
    )
    assert "model.top3_vs_observable" in found.index
    assert "observable.ece" not in found.index and "oracle.ece" in found.index
    assert "gap.oracle.roc_auc" not in found.index
