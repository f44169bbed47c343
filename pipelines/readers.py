"""Read one contract table from CSV or Parquet into Arrow with the contract's types.

CSV encodings: UTF-8, UTF-8 with BOM and Shift_JIS/cp932 are detected (or forced). The fast
path lets Arrow parse the typed columns directly; when a value does not parse, the slow
path reads text and finds every offending row so the message can name them.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.contract import TableSpec
from pipelines.errors import UserError
from pipelines.problems import Problem

logger = logging.getLogger(__name__)

UTF8_BOM = codecs.BOM_UTF8
DETECT_CHUNK = 1 << 24
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ARROW_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "number": pa.float64(),
    "date": pa.date32(),
}
DATE_TYPE = pa.timestamp("ms")


@dataclass(frozen=True)
class ReadResult:
    """A table read with the contract's types, or the problems that stopped it."""

    table: pa.Table | None
    problems: tuple[Problem, ...]
    unit: str
    first_line: int


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else cp932."""
    with open(path, "rb") as handle:
        if handle.read(len(UTF8_BOM)) == UTF8_BOM:
            return "utf-8"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "cp932"):
        return "cp932"
    raise UserError(
        f"{path.name}: cannot be read as UTF-8 or Shift_JIS (cp932); pass --encoding ENC"
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(DETECT_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def read_table(path: Path, spec: TableSpec, encoding: str | None = None) -> ReadResult:
    """Read ``path`` (CSV or Parquet) as the table ``spec``, coercing to contract types."""
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, spec)
    return _read_csv(path, spec, encoding)


# ---- CSV ---------------------------------------------------------------------------------
def _read_csv(path: Path, spec: TableSpec, encoding: str | None) -> ReadResult:
    unit, first_line = "line", 2
    encoding = _normalise_encoding(encoding) if encoding else detect_encoding(path)
    header = _csv_header(path, encoding)
    problems = _header_problems(path.name, header, spec, unit, first_line)
    if problems:
        return ReadResult(None, tuple(problems), unit, first_line)
    present = [name for name in spec.column_names if name in header]
    read_options = pacsv.ReadOptions(
        encoding=encoding, column_names=header, skip_rows=1, block_size=1 << 24
    )
    typed = {name: ARROW_TYPES[spec.column(name).kind] for name in present}
    try:
        table = _csv(path, read_options, present, typed)
        return ReadResult(_finish(table, spec), (), unit, first_line)
    except pa.ArrowInvalid as fast_failure:
        logger.debug("%s: typed read failed (%s); locating bad values", path.name, fast_failure)
    try:
        text = _csv(path, read_options, present, dict.fromkeys(present, pa.string()))
    except pa.ArrowInvalid as broken:
        message = str(broken).splitlines()[0]
        rule = f"a well-formed CSV file ({message})"
        return ReadResult(None, (Problem(path.name, None, rule),), unit, first_line)
    return _coerce_text(path.name, text, spec, unit, first_line)


def _normalise_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as unknown:
        raise UserError(f"unknown encoding {encoding!r} given to --encoding") from unknown
    return {"utf-8-sig": "utf-8", "shift_jis": "cp932"}.get(name, name)


def _csv(
    path: Path, read_options: pacsv.ReadOptions, present: list[str], types: dict[str, pa.DataType]
) -> pa.Table:
    convert = pacsv.ConvertOptions(
        column_types=types,
        include_columns=present,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    return pacsv.read_csv(path, read_options=read_options, convert_options=convert)


def _csv_header(path: Path, encoding: str) -> list[str]:
    with open(path, "rb") as handle:
        raw = handle.readline()
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    try:
        line = raw.decode(encoding)
    except UnicodeDecodeError as undecodable:
        raise UserError(f"{path.name}: header is not valid {encoding}") from undecodable
    if not line.strip():
        return []
    return [name.strip() for name in next(csv.reader(io.StringIO(line)))]


# ---- Parquet -----------------------------------------------------------------------------
def _read_parquet(path: Path, spec: TableSpec) -> ReadResult:
    unit, first_line = "row", 1
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as broken:
        rule = f"a readable Parquet file ({str(broken).splitlines()[0]})"
        return ReadResult(None, (Problem(path.name, None, rule),), unit, first_line)
    header = list(schema.names)
    problems = _header_problems(path.name, header, spec, unit, first_line)
    if problems:
        return ReadResult(None, tuple(problems), unit, first_line)
    present = [name for name in spec.column_names if name in header]
    table = pq.read_table(path, columns=present)
    columns: dict[str, pa.Array] = {}
    text_columns: dict[str, pa.Array] = {}
    for name in present:
        kind = spec.column(name).kind
        column = table.column(name).combine_chunks()
        table = table.drop_columns([name])  # the raw column is freed once converted
        if isinstance(column.type, pa.DictionaryType):
            column = column.dictionary_decode()
        converted = _convert_parquet_column(path.name, name, kind, column)
        if converted is None:
            text_columns[name] = pc.cast(column, pa.string())
        else:
            columns[name] = converted
    if text_columns:
        merged = {**columns, **text_columns}
        return _coerce_text(
            path.name, pa.table({n: merged[n] for n in present}), spec, unit, first_line, columns
        )
    return ReadResult(_finish(pa.table(columns), spec), (), unit, first_line)


def _convert_parquet_column(file: str, name: str, kind: str, column: pa.Array) -> pa.Array | None:
    """Cast a Parquet column to its contract type; None means "parse it as text"."""
    kind_type = column.type
    if kind in ("id", "text"):
        if pa.types.is_integer(kind_type):
            logger.warning(
                "%s: column '%s' is stored as integers; read as text (leading zeros, if any, "
                "were lost before export)",
                file,
                name,
            )
        return pc.cast(column, pa.string())
    if kind == "number":
        if pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type):
            return None
        return pc.cast(column, pa.float64())
    # dates
    if pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type):
        return None
    if pa.types.is_timestamp(kind_type) and kind_type.tz is not None:
        column = pc.local_timestamp(column)
    if pa.types.is_timestamp(kind_type):
        column = pc.floor_temporal(column, unit="day")
    return pc.cast(column, pa.date32())


# ---- shared ------------------------------------------------------------------------------
def _header_problems(
    file: str, header: list[str], spec: TableSpec, unit: str, first_line: int
) -> list[Problem]:
    if not header:
        return [Problem(file, None, "a header row naming the columns")]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems = [Problem(file, name, "column appears once in the header") for name in duplicated]
    for column in spec.columns:
        if column.required and column.name not in header:
            problems.append(Problem(file, column.name, "required column is present"))
    extra = [name for name in header if name not in spec.column_names]
    if extra:
        logger.warning("%s: extra columns ignored: %s", file, ", ".join(extra))
    return problems


def _coerce_text(
    file: str,
    text: pa.Table,
    spec: TableSpec,
    unit: str,
    first_line: int,
    done: dict[str, pa.Array] | None = None,
) -> ReadResult:
    """Parse text columns value by value, collecting every row that does not parse."""
    done = done or {}
    columns: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    for name in text.column_names:
        if name in done:
            columns[name] = done[name]
            continue
        kind = spec.column(name).kind
        raw = pd.Series(text.column(name).to_pandas(), dtype="str").str.strip()
        given = raw.notna() & (raw != "")
        if kind == "number":
            parsed = pd.to_numeric(raw.where(given), errors="coerce").astype("float64")
            bad = given & parsed.isna()
            columns[name] = pa.array(parsed.to_numpy(), type=pa.float64(), from_pandas=True)
            rule = "a number"
        elif kind == "date":
            shaped = raw.str.fullmatch(ISO_DATE.pattern).fillna(False).astype(bool)
            parsed = pd.to_datetime(raw.where(given & shaped), format="%Y-%m-%d", errors="coerce")
            bad = given & parsed.isna()
            stamps = pa.array(parsed.to_numpy(dtype="datetime64[ms]"), from_pandas=True)
            columns[name] = pc.cast(stamps, pa.date32())
            rule = "an ISO date YYYY-MM-DD"
        else:
            columns[name] = text.column(name).combine_chunks()
            continue
        if bad.any():
            positions = np.flatnonzero(bad.to_numpy())
            problems.append(Problem.for_rows(file, name, rule, positions, unit, first_line))
    if problems:
        return ReadResult(None, tuple(problems), unit, first_line)
    return ReadResult(_finish(pa.table(columns), spec), (), unit, first_line)


def _finish(table: pa.Table, spec: TableSpec) -> pa.Table:
    """Contract column order, absent optional columns as all-missing, dates as timestamps."""
    arrays = []
    for column in spec.columns:
        if column.name in table.column_names:
            array = table.column(column.name)
            if column.kind == "date":
                array = pc.cast(array, DATE_TYPE)
            elif column.kind in ("id", "text"):
                array = pc.cast(array, pa.string())
        else:
            target = DATE_TYPE if column.kind == "date" else ARROW_TYPES[column.kind]
            array = pa.nulls(table.num_rows, type=target)
        arrays.append(array)
    return pa.table(arrays, names=list(spec.column_names))
