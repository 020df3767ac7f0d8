"""Small helpers for the pandas frames at the edges of the core."""

from __future__ import annotations

from typing import Any

import pandas as pd


def rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows as dicts, like `to_dict(orient="records")` at a fraction of its cost: each
    column is converted to Python values once instead of value by value."""
    names = list(frame.columns) if columns is None else columns
    values = [frame[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
