"""A workspace's state as tests compare it: rows and an order-independent checksum per table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from funnelwise.io.workspace import META
from funnelwise.schema import TABLES


def fingerprint(path: Path) -> dict[str, tuple[int, str]]:
    """(row count, md5 over the sorted md5 of every row) for each canonical table and the
    metadata table, read without taking the workspace's write lock."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for table in (*TABLES, META):
            row_hash = f"md5(CAST({table} AS VARCHAR))"
            rows, digest = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg({row_hash}, '' ORDER BY {row_hash}),"
                f" '')) FROM {table}").fetchall()[0]
            out[table] = (int(rows), str(digest))
    return out
