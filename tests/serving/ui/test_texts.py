"""Language choice and wording of the HR page."""

from __future__ import annotations

import pytest

from serving.ui.texts import TEXT, choose_lang, department_name, preferred_lang


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja,en-US;q=0.9,en;q=0.8", "ja"),
        ("ja-JP", "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("fr-FR,ja;q=0.5,en;q=0.4", "ja"),
        ("en;q=0.3, ja;q=0.7", "ja"),
        ("ja;q=0, en", "en"),
        ("de-DE", "en"),
        ("", "en"),
        (None, "en"),
        ("ja;q=abc, en;q=0.1", "en"),
    ],
)
def test_japanese_when_the_browser_ranks_it_above_english(
    header: str | None, expected: str
) -> None:
    assert preferred_lang(header) == expected


def test_an_explicit_choice_beats_the_remembered_one_and_the_browser() -> None:
    assert choose_lang("en", "ja", "ja") == "en"
    assert choose_lang(None, "en", "ja") == "en"
    assert choose_lang("xx", None, "ja") == "ja"


def test_both_languages_have_every_text() -> None:
    assert set(TEXT["ja"]) == set(TEXT["en"])
    assert all(TEXT["ja"][name] for name in TEXT["ja"])


def test_department_codes_are_named_for_each_reader() -> None:
    assert department_name("general_affairs", "ja") == "総務"
    assert department_name("general_affairs", "en") == "general affairs"
    assert department_name("unknown_dept", "ja") == "unknown_dept"
