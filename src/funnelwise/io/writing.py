"""Writing staged rows into the canonical tables, and the rejects file of --skip-invalid.

Into an empty table with unique keys the staged table itself becomes the canonical table (its
bookkeeping columns dropped, renamed): the data is written once. Otherwise rows are upserted
by key, writing only the columns the files carry.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from funnelwise.errors import UserError
from funnelwise.io import sources
from funnelwise.io.planning import Table
from funnelwise.io.sources import quote
from funnelwise.io.staging import Located, Staged
from funnelwise.schema import TABLES


def write(con: duckdb.DuckDBPyConnection, table: Table, staged: Staged, *, bad: int) -> int:
    """Move the staged rows into the canonical table (all, or those without the `bad` bits);
    the number of rows staged."""
    name = staged.name
    if bad:
        con.execute(f"DELETE FROM {name} WHERE (_bad & {bad}) <> 0")
    rows = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    empty = not con.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchall()
    if empty and not staged.surplus:
        for extra in _extras(con, name):
            con.execute(f"ALTER TABLE {name} DROP COLUMN {quote(extra)}")
        con.execute(f"DROP TABLE {table.name}")
        con.execute(f"ALTER TABLE {name} RENAME TO {table.name}")
        return rows
    key = [quote(k) for k in TABLES[table.name].key]
    source = name if not staged.surplus else (
        f"(SELECT DISTINCT ON ({', '.join(key)}) * FROM {name} ORDER BY {', '.join(key)})")
    if empty or table.carries_everything():
        _replace(con, table.name, source, key)
    else:
        _merge(con, table, source, key)
    con.execute(f"DROP TABLE {name}")
    return rows


def _extras(con: duckdb.DuckDBPyConnection, staged: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {staged}").fetchall() if r[0].startswith("_")]


def _replace(con: duckdb.DuckDBPyConnection, table: str, source: str, key: list[str]) -> None:
    """Rows with the import's keys replaced whole (every file carries every column)."""
    cols = ", ".join(quote(c) for c in TABLES[table].column_names)
    match = " AND ".join(f"t.{k} = s.{k}" for k in key)
    con.execute(f"DELETE FROM {table} AS t USING {source} AS s WHERE {match}")
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}")


def _merge(con: duckdb.DuckDBPyConnection, table: Table, source: str, key: list[str]) -> None:
    """Rows with the import's keys updated in the columns the files carry, new keys added:
    a column a file does not carry keeps its stored values."""
    whole = frozenset(range(len(table.parts)))
    sets = []
    for column, parts in table.present().items():
        c = quote(column)
        if parts == whole:
            sets.append(f"{c} = s.{c}")
        else:
            listed = ", ".join(map(str, sorted(parts)))
            sets.append(f"{c} = CASE WHEN s._part IN ({listed}) THEN s.{c} ELSE t.{c} END")
    match = " AND ".join(f"t.{k} = s.{k}" for k in key)
    cols = ", ".join(quote(c) for c in TABLES[table.name].column_names)
    con.execute(f"UPDATE {table.name} AS t SET {', '.join(sets)} FROM {source} AS s "
                f"WHERE {match}")
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {source} AS s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} AS t WHERE {match})")


def write_rejects(con: duckdb.DuckDBPyConnection, located: list[Located], path: Path) -> int:
    """Every row with an error, its file, row and problems, to `path` as CSV."""
    selects = []
    for found in located:
        table = found.table
        files = " ".join(f"WHEN {i} THEN {sources.literal(f)}" for i, f in table.files.items())
        for i, check in enumerate(table.checks):
            if check.warning:
                continue
            text = sources.literal(f"{check.column}: {check.message}")
            selects.append(f"SELECT CASE _part {files} END AS file, _row AS row, {text} AS "
                           f"problem FROM {found.name} WHERE (_bad & {1 << i}) <> 0")
    if not selects:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE bad_rows AS SELECT file, row, "
                f"string_agg(problem, '; ') AS problem FROM ({' UNION ALL '.join(selects)}) "
                "GROUP BY ALL ORDER BY file, row")
    try:
        con.execute(f"COPY bad_rows TO {sources.literal(str(path))} (HEADER, DELIMITER ',')")
    except duckdb.Error as exc:
        raise UserError(f"cannot write --skip-invalid file {path}: "
                        f"{str(exc).splitlines()[0]}") from exc
    return int(con.execute("SELECT count(*) FROM bad_rows").fetchall()[0][0])


TRACKED = ("owner_rep_id", "stage", "amount", "expected_close_date", "forecast_category",
           "status")
"""What a snapshot keeps of an open deal; a change in any of them makes a new row."""


def record_snapshots(con: duckdb.DuckDBPyConnection, day: dt.date) -> int:
    """Add a `snapshots` row for every open deal whose tracked values differ from its last
    snapshot before `day` (every open deal, the first time), dated `day`; rows already dated
    `day` are replaced. The number of rows written."""
    cols = ", ".join(TRACKED)
    on = sources.literal(day.isoformat())
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM s.{c}" for c in TRACKED)
    con.execute(f"DELETE FROM snapshots WHERE captured_at = DATE {on}")
    before = con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0]
    con.execute(
        f"INSERT INTO snapshots (opportunity_id, captured_at, {cols}) "
        f"SELECT o.opportunity_id, DATE {on}, {', '.join('o.' + c for c in TRACKED)} "
        f"FROM opportunities AS o LEFT JOIN (SELECT * FROM snapshots "
        f"WHERE captured_at < DATE {on} QUALIFY row_number() OVER (PARTITION BY "
        f"opportunity_id ORDER BY captured_at DESC) = 1) AS s "
        f"ON s.opportunity_id = o.opportunity_id "
        f"WHERE o.status = 'open' AND (s.opportunity_id IS NULL OR {changed})")
    return int(con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0]) - int(before)
