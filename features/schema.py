"""The boundary schema of the team-month table: downstream code validates against it."""

from __future__ import annotations

import pandera.pandas as pa

from features.calendar import MONTH_PATTERN
from features.catalogue import FEATURES, MIN_SURVEY_RESPONSES
from features.labels import LABEL_OUTPUTS


def team_month_schema() -> pa.DataFrameSchema:
    """Columns in catalogue order, their dtypes, and the rules a valid table keeps.

    Survey-derived features must be missing wherever ``survey_suppressed`` is true (fewer
    than five responses); shares lie in [0, 1]; counts are non-negative.
    """
    columns: dict[str, pa.Column] = {
        "team_id": pa.Column(str, nullable=False),
        "month": pa.Column(str, pa.Check.str_matches(MONTH_PATTERN), nullable=False),
    }
    for spec in FEATURES:
        checks = []
        if spec.name.startswith(("tenure_share", "overtime_share", "leave_share")):
            checks.append(pa.Check.in_range(0.0, 1.0))
        if spec.unit in ("people", "days", "hours/month", "months", "days per member") and not (
            spec.name.endswith("_trend_3m")
        ):
            checks.append(pa.Check.ge(0.0))
        if spec.kind == "categorical":
            columns[spec.name] = pa.Column(str, nullable=True)
        else:
            columns[spec.name] = pa.Column("float64", checks=checks, nullable=True)
    columns["survey_suppressed"] = pa.Column(bool, nullable=False)
    for name in LABEL_OUTPUTS:
        columns[name] = pa.Column("Int8", pa.Check.isin([0, 1]), nullable=True)
    survey_columns = [spec.name for spec in FEATURES if spec.survey_derived]
    return pa.DataFrameSchema(
        columns,
        strict=True,
        ordered=True,
        unique=["team_id", "month"],
        checks=pa.Check(
            lambda frame: ~frame["survey_suppressed"] | frame[survey_columns].isna().all(axis=1),
            name=f"survey features missing under {MIN_SURVEY_RESPONSES} responses",
        ),
    )
