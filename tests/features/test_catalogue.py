"""The catalogue: public names, the fields downstream relies on, and the generated docs."""

from __future__ import annotations

import re
from pathlib import Path

from features.catalogue import FEATURES, feature_names, render_catalogue_markdown, table_columns

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_names_are_unique_snake_case_and_moderate_in_number() -> None:
    names = feature_names()
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) for name in names)
    assert 35 <= len(names) <= 50


def test_every_entry_has_what_explanations_and_constraints_need() -> None:
    for spec in FEATURES:
        assert spec.meaning and spec.meaning_ja and spec.unit and spec.source and spec.window
        assert spec.family in ("demands", "resources", "context")
        assert spec.direction in (-1, 0, 1)
        # survey-derived means suppressed under 5 responses: exactly the survey_ features
        assert spec.survey_derived == spec.name.startswith("survey_")


def test_table_columns_wrap_the_features_with_keys_flag_and_labels() -> None:
    columns = table_columns()
    assert columns[:2] == ["team_id", "month"]
    assert columns[-4:] == ["survey_suppressed", "label", "label_survey", "label_exits"]
    assert columns[2:-4] == feature_names()


def test_docs_features_md_is_what_the_code_renders() -> None:
    # the catalogue in docs/ is generated: regenerate with
    # `python -m features.catalogue > docs/features.md`
    assert DOCS.read_text(encoding="utf-8") == render_catalogue_markdown()
