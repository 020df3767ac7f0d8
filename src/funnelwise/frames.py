"""Frames and records at the edges of the core: rows as dicts, JSON-safe values, CSV text.

`plain` is the one conversion to JSON-safe values (the CLI's `--format json`, the dashboard's
JSON twins and the HTML report all use it): frames become lists of records, dates ISO text,
NaN, NaT and infinities None, numpy scalars Python numbers.

`csv_text` is the one CSV writer: cells of text that a spreadsheet would read as a formula
(starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`, as the
OWASP rule on CSV injection asks; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from enum import Enum
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd


def missing(v: Any) -> bool:
    """None, NaN, NaT or NA."""
    return v is None or (not isinstance(v, list | tuple | dict) and bool(pd.isna(v)))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows as dicts, like `to_dict(orient="records")` at a fraction of its cost: each
    column is converted to Python values once instead of value by value."""
    names = list(frame.columns) if columns is None else columns
    values = [frame[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def plain(value: Any) -> Any:
    """`value` as JSON-safe Python values, recursively: a frame as its records, a timestamp at
    midnight as 'YYYY-MM-DD' (else ISO date and time), NaN, NaT, NA and infinities as None,
    numpy scalars as numbers, tuples and sets as lists, dataclasses as dicts."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, pd.Series):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=str)
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if pd.isna(value):
            return None
        midnight = value.time() == dt.time() and value.tzinfo is None
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        return plain(pd.Timestamp(value)) if not np.isnat(value) else None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return plain(value.item())
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    return str(value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-safe dicts (`plain` of each value)."""
    return [{str(k): plain(v) for k, v in row.items()} for row in rows(frame)]


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """`value` as JSON text (`plain` first: no NaN, dates as ISO text)."""
    return json.dumps(plain(value), indent=indent, allow_nan=False, ensure_ascii=False)


def csv_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with =, +, -, @, a tab or a
    carriage return gets a leading `'`; numbers (and text that is only a number, such as
    '-12.5') stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(
            value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell made safe (`csv_safe`), nested values as JSON text and
    dates as ISO text; number columns untouched."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        out[name] = [_cell(v) for v in column.tolist()]
    out.columns = [csv_safe(str(c)) for c in out.columns]
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return csv_safe(json_text(value, indent=None))
    value = plain(value)
    return csv_safe(value) if isinstance(value, str) else value


def _lines(rows: Iterable[Sequence[Any]]) -> str:
    """CSV lines: one per row, missing values empty, a cell holding a line break or carriage
    return quoted."""
    buf = io.StringIO()
    # "\r\n" makes the writer quote cells holding either character; each row then ends in "\n"
    writer = csv.writer(buf, lineterminator="\r\n")
    lines = []
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow(["" if missing(v) else v for v in row])
        lines.append(buf.getvalue()[:-2] + "\n")
    return "".join(lines)


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, safe to open in a spreadsheet (`csv_frame`)."""
    safe = csv_frame(frame)
    return _lines([list(safe.columns), *safe.itertuples(index=False, name=None)])


def stacked_csv(tables: Sequence[tuple[str, pd.DataFrame]]) -> str:
    """Several named tables as one CSV text: a first column `table` with each row's table
    name, then every table's columns in order of first appearance (blank where a table has
    none); each value written as its own table writes it."""
    columns = list(dict.fromkeys(str(c) for _, frame in tables for c in frame.columns))
    if "table" in columns:
        raise ValueError("a stacked table cannot have its own `table` column")
    out: list[Sequence[Any]] = [["table", *(csv_safe(c) for c in columns)]]
    for name, frame in tables:
        safe = csv_frame(frame)
        at = {str(c): i for i, c in enumerate(frame.columns)}
        for row in safe.itertuples(index=False, name=None):
            out.append([csv_safe(name), *(row[at[c]] if c in at else None for c in columns)])
    return _lines(out)
