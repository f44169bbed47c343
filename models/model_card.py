"""The model card: one markdown page that tells the whole story of a run to a reader in HR."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from models.recipes import Choice


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _interval_table(intervals: pd.DataFrame) -> list[str]:
    lines = ["| statistic | estimate | 90% interval |", "|---|---|---|"]
    for row in intervals.itertuples(index=False):
        lines.append(
            f"| {row.statistic} | {_number(row.estimate)} | "
            f"{_number(row.low)} – {_number(row.high)} |"
        )
    return lines


def _fairness_lines(fairness: pd.DataFrame) -> list[str]:
    lines = [
        "| dimension | group | rows | positives | AUC | mean p | event rate | ECE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in fairness.itertuples(index=False):
        lines.append(
            f"| {row.dimension} | {row.group} | {row.rows} | {row.positives} | "
            f"{_number(row.roc_auc)} | {_number(row.mean_probability)} | "
            f"{_number(row.event_rate)} | {_number(row.ece)} |"
        )
    return lines


def _ceiling_lines(method: str | None, intervals: pd.DataFrame) -> list[str]:
    """The two ceilings in words, with the model's normalised shares, when truth was given."""
    found = {row.statistic: row for row in intervals.itertuples(index=False)}
    if "model.share_of_oracle" not in found:
        return []

    def share(name: str) -> str:
        row = found.get(name)
        if row is None:
            return "n/a"
        return f"{_number(row.estimate)} (90% {_number(row.low)} – {_number(row.high)})"

    return [
        "## Against the ceilings (synthetic world only)",
        "Shares are normalised: (AUC − 0.5) / (ceiling − 0.5).",
        "- **Oracle ceiling** (`oracle`): the AUC of the world's true probabilities, which know",
        "  every person's latent state; no model on team-month rows can reach it. Model share:",
        f"  {share('model.share_of_oracle')}.",
        "- **Observable ceiling** (`observable`): the AUC of E[p_true | features], the best any",
        f"  model on these features can do ({method or 'estimate'}). Model share:",
        f"  {share('model.share_of_observable')}; top-3 precision against it:",
        f"  {share('model.top3_vs_observable')}.",
        "",
    ]


def _choice_lines(choice: Choice | None) -> list[str]:
    """Which recipe was shipped, why, and every candidate's backtest figures."""
    if choice is None:
        return []
    lines = [
        "## Which model",
        f"**{choice.words()}** Shipped recipe: `{choice.shipped}`.",
        "",
        "Candidates (pooled out-of-time figures on all folds, and on the reported folds; each",
        "reported fold uses the recipe that won on the folds whose labels had closed before it):",
        "",
        "| recipe | AUC | review-list precision | AUC, reported folds | folds it reported "
        "| shipped |",
        "|---|---|---|---|---|---|",
    ]
    for row in choice.candidates.itertuples(index=False):
        lines.append(
            f"| {row.recipe} | {_number(row.roc_auc)} | {_number(row.review_precision)} | "
            f"{_number(row.roc_auc_reported_folds)} | {row.folds_chosen} | "
            f"{'yes' if row.shipped else ''} |"
        )
    return [*lines, ""]


def render_model_card(
    *,
    run_id: str,
    snapshot_id: str,
    data_window: tuple[str, str],
    label_config: Mapping[str, Any],
    label_config_hash: str,
    backtest: Mapping[str, Any],
    test_months: Sequence[str],
    params: Mapping[str, Any],
    headline: pd.DataFrame,
    intervals: pd.DataFrame,
    fairness: pd.DataFrame,
    monotone_cost: float | None,
    seed: int,
    ceiling_method: str | None = None,
    choice: Choice | None = None,
) -> str:
    """Markdown text of the card. ``headline``: one row per score (model, baselines and,
    with the truth, the two ceilings)."""
    score_lines = [
        "| score | ROC AUC | within-month AUC | precision top 3 | precision top 5% | PR AUC "
        "| Brier | ECE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in headline.iterrows():
        score_lines.append(
            f"| {name} | {_number(row['roc_auc'])} | {_number(row['auc_within_month'])} | "
            f"{_number(row['precision_top3'])} | {_number(row['precision_top5pct'])} | "
            f"{_number(row['pr_auc'])} | {_number(row['brier'], 4)} | {_number(row['ece'], 4)} |"
        )
    label_text = ", ".join(f"{k} = {v}" for k, v in label_config.items())
    cost = "not measured" if monotone_cost is None else f"{monotone_cost:+.4f} AUC"
    lines = [
        "# Model card: engagement-risk",
        "",
        f"Run `{run_id}`, snapshot `{snapshot_id}`, seed {seed}.",
        "",
        "## Intended use",
        "Decision support for people in HR: it ranks back-office teams by the probability of an",
        "engagement decline event in the next three months so that someone can look, talk to",
        "the team and act. It is **not** for automated decisions about teams or individuals,",
        "performance evaluation, or anything that reaches a person without a human in between.",
        "",
        "## Data",
        f"- Team-months from {data_window[0]} to {data_window[1]} (months with a known label).",
        "- Features: the team-month table (workload, overtime, leave, survey aggregates of at",
        "  least 5 responses, team composition, department). No individual-level input.",
        "",
        "## Label",
        "Label v2 of `shared/interfaces.md`: in M+1..M+H either the team's survey engagement",
        "lies at least θ below its own 12-month baseline (M-11..M; one-sided Welch test), or",
        "its voluntary exits are at least 2 and unlikely under the organisation's own trailing",
        f"exit rate (Poisson tail). Settings: {label_text} (hash `{label_config_hash}`).",
        "",
        "## Evaluation design",
        f"Rolling-origin backtest, {backtest['n_folds']} test windows of "
        f"{backtest['test_months']} month(s) ({', '.join(test_months)}); training rows end "
        f"{backtest['gap_months']} months before each window so that no label overlaps; early "
        f"stopping and Platt calibration on a later {backtest['holdout_months']}-month slice "
        "of the training window, separated by the same gap. No shuffling. The final model uses "
        "the same recipe with the latest months as its holdout.",
        "",
        *_choice_lines(choice),
        "## Metrics (pooled out-of-fold)",
        *score_lines,
        "",
        *_ceiling_lines(ceiling_method, intervals),
        "Cluster-bootstrap (teams resampled) 90% intervals:",
        "",
        *_interval_table(intervals),
        "",
        "## Fairness: per department and team size",
        *_fairness_lines(fairness),
        "",
        "## Model",
        "LightGBM binary classifier, calibrated by Platt scaling on its raw log-odds",
        "(calibrated logit = a · raw logit + b), with monotone constraints where the direction",
        f"of an effect is known. Cost of the constraints on backtest AUC: {cost}.",
        f"Parameters: {', '.join(f'{k}={v}' for k, v in params.items())}.",
        "",
        "## Limits",
        "- Trained and evaluated on one organisation's history; the event is rare, so per-group",
        "  figures on small groups are noisy (see the rows and positives columns).",
        "- Survey-derived features are missing when a team-month has fewer than 5 responses;",
        "  the model then relies on workload, overtime and leave alone.",
        "- The probabilities describe teams, not people, and are associations learned from the",
        "  past, not causes: an explanation says what moved the score, not what will fix it.",
        "- Re-check calibration after any change in survey cadence, headcount policy or the",
        "  label settings.",
        "",
    ]
    return "\n".join(lines)
