"""A Parquet folder's views have the canonical columns and types, whatever the files hold."""

from __future__ import annotations

import duckdb

from funnelwise.io.engines import canonical_schema, duckdb_crm, export_parquet
from funnelwise.metrics.winrates import winrates
from funnelwise.schema import TABLES


def test_missing_extra_and_mistyped_columns_become_canonical(tiny_ws, tmp_path) -> None:
    export_parquet(tiny_ws, tmp_path)
    expected = winrates(tiny_ws.crm(), by="rep").frame
    path = str(tmp_path / "opportunities.parquet")
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE o AS SELECT * EXCLUDE (product, created_at), "
                    f"CAST(created_at AS VARCHAR) AS created_at, 1 AS junk "
                    f"FROM read_parquet('{path}')")
        con.execute(f"COPY o TO '{path}' (FORMAT parquet)")
    crm = duckdb_crm(tmp_path)
    assert crm.opportunities.schema() == canonical_schema(TABLES["opportunities"])
    frame = crm.opportunities.select("product", "created_at").to_pandas()
    assert frame["product"].isna().all()
    assert str(frame["created_at"].dtype).startswith("datetime64")
    assert winrates(crm, by="rep").frame.equals(expected)
