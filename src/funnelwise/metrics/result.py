"""What a metric returns: the figures, the SQL behind them, and the filters applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd


@dataclass(frozen=True)
class MetricResult:
    """A metric's rows plus everything needed to trace them back (`--explain`)."""

    name: str
    frame: pd.DataFrame
    sql: str
    filters: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    def records(self) -> list[dict[str, Any]]:
        """Rows as plain Python values (None for missing), ready for JSON."""
        frame = self.frame.astype(object).where(self.frame.notna(), None)
        return [dict(r) for r in frame.to_dict(orient="records")]


def sql_of(expr: ir.Expr) -> str:
    """The SQL an expression compiles to on its own backend."""
    try:
        return str(ibis.to_sql(expr))
    except Exception:  # a backend without a SQL dialect still runs the expression
        return "(this backend does not expose SQL)"
