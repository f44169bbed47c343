"""A broken rule, reported the way the contract asks: file, column, rule, count, first rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHOWN_ROWS = 5


@dataclass(frozen=True)
class Problem:
    """One rule broken by some rows of one file.

    ``rows`` are 0-based data-row positions; ``first_line`` converts them into the numbers a
    user sees: CSV line numbers (the header is line 1, so data row 0 is line 2) or Parquet
    row numbers (1-based).
    """

    file: str
    column: str | None
    rule: str
    rows: tuple[int, ...] = ()
    count: int = 0
    unit: str = "line"
    first_line: int = 2

    @classmethod
    def for_rows(
        cls,
        file: str,
        column: str | None,
        rule: str,
        positions: np.ndarray,
        unit: str,
        first_line: int,
    ) -> Problem:
        """Build from all offending positions, keeping only the first few for the message."""
        ordered = np.unique(np.asarray(positions, dtype=np.int64))
        return cls(
            file=file,
            column=column,
            rule=rule,
            rows=tuple(int(p) for p in ordered[:SHOWN_ROWS]),
            count=int(ordered.size),
            unit=unit,
            first_line=first_line,
        )

    def message(self) -> str:
        if not self.column:
            where = "file"
        elif "," in self.column:
            where = f"columns '{self.column}'"
        else:
            where = f"column '{self.column}'"
        text = f"{self.file}: {where}: rule '{self.rule}'"
        if self.count:
            shown = ", ".join(str(p + self.first_line) for p in self.rows)
            more = ", ..." if self.count > len(self.rows) else ""
            plural = "s" if self.count != 1 else ""
            text += f": {self.count} row{plural} ({self.unit}{plural} {shown}{more})"
        return text
