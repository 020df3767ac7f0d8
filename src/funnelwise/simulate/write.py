"""Write a simulated org in the canonical interchange layout: one file per table + truth.json.

CSV files have a header row, `,` separators, ISO dates (YYYY-MM-DD), ISO date-times
(YYYY-MM-DD HH:MM:SS) and an empty field for null; Parquet files keep the Arrow types.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from funnelwise.errors import UserError
from funnelwise.simulate.config import SimulatedOrg

FORMATS = ("csv", "parquet")


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _copy(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    con.register("sim_table", table)
    try:
        if fmt == "csv":
            options = "FORMAT csv, HEADER true, DELIMITER ',', NULLSTR '', " \
                      "DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'"
        else:
            options = "FORMAT parquet, COMPRESSION zstd"
        con.execute(f"COPY (SELECT * FROM sim_table) TO {_sql_path(path)} ({options})")
    finally:
        con.unregister("sim_table")


def write_org(org: SimulatedOrg, out_dir: Path, fmt: str = "csv",
              on_table: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write `<table>.csv` (or `.parquet`) for every table and `truth.json` into `out_dir`.

    Returns the row count of each table; `on_table(name, rows)` is called after each file.
    """
    if fmt not in FORMATS:
        raise UserError(f"unknown file format {fmt!r}; use one of: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        for name, table in org.tables.items():
            _copy(con, table, out_dir / f"{name}.{fmt}", fmt)
            counts[name] = table.num_rows
            if on_table is not None:
                on_table(name, table.num_rows)
    (out_dir / "truth.json").write_text(json.dumps(org.truth, indent=2) + "\n",
                                        encoding="utf-8")
    return counts
