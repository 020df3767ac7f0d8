"""A workspace: one embedded DuckDB file holding the canonical tables and the funnel."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import duckdb
import ibis

from funnelwise.errors import UserError
from funnelwise.schema import TABLES, Funnel, default_funnel
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import parse_funnel

DEFAULT_PATH = "funnelwise.duckdb"
ENV_VAR = "FUNNELWISE_WORKSPACE"
META = "funnelwise_meta"
SCHEMA_VERSION = "1"


def default_path() -> Path:
    """`$FUNNELWISE_WORKSPACE` if set, else ./funnelwise.duckdb."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def create_statements() -> list[str]:
    """DDL for the canonical tables and the metadata table (idempotent)."""
    ddl = [f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)"]
    for table in TABLES.values():
        cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in table.columns)
        ddl.append(f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})")
    return ddl


class Workspace:
    """An open workspace. Use as a context manager; `crm()` gives the tables to metrics."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.exists():
            raise UserError(
                f"workspace {path} does not exist; import data first "
                f"(funnelwise import --workspace {path} DIR) or run `funnelwise simulate`"
            )
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.Error as exc:
            raise UserError(f"cannot open workspace {path}: {exc}") from exc
        for stmt in create_statements():
            self.con.execute(stmt)
        self.con.execute(
            f"INSERT OR IGNORE INTO {META} VALUES ('schema_version', '{SCHEMA_VERSION}')"
        )

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def get_meta(self, key: str) -> str | None:
        rows = self.con.execute(f"SELECT value FROM {META} WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(f"INSERT OR REPLACE INTO {META} VALUES (?, ?)", [key, value])

    def funnel(self) -> Funnel:
        """The funnel stored with the data (set by the importer), else the default."""
        text = self.get_meta("funnel")
        return parse_funnel(text, where=f"{self.path} funnel") if text else default_funnel()

    def counts(self) -> dict[str, int]:
        """Row count of every canonical table."""
        return {
            name: int(self.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
            for name in TABLES
        }

    def crm(self, funnel: Funnel | None = None) -> Crm:
        """The canonical tables as Ibis expressions over this DuckDB file."""
        backend = ibis.duckdb.from_connection(self.con)
        tables = {name: backend.table(name) for name in TABLES}
        return Crm(**tables, funnel=funnel or self.funnel())
