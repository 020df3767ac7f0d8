"""Small CRMs written out by hand, as Ibis in-memory tables with the canonical schema."""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from funnelwise.schema import TABLES, default_funnel
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel

IBIS_TYPES = {"string": "string", "date": "date", "timestamp": "timestamp", "float": "float64"}


def table(name: str, rows: list[dict[str, Any]]) -> ibis.Table:
    """A canonical table from rows (missing columns are null)."""
    spec = TABLES[name]
    schema = ibis.schema({c.name: IBIS_TYPES[c.kind] for c in spec.columns})
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    for c in spec.columns:
        if c.kind in ("date", "timestamp"):
            frame[c.name] = pd.to_datetime(frame[c.name])
            if c.kind == "date":
                frame[c.name] = frame[c.name].dt.date
    return ibis.memtable(frame, schema=schema)


def crm(funnel: Funnel | None = None, **rows: list[dict[str, Any]]) -> Crm:
    """A Crm whose tables hold the given rows (every other table empty)."""
    tables = {name: table(name, rows.get(name, [])) for name in TABLES}
    return Crm(**tables, funnel=funnel or default_funnel())
