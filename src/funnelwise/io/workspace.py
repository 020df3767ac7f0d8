"""A workspace: one embedded DuckDB file holding the canonical tables and the funnel."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

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


def add_column_statements() -> list[str]:
    """DDL adding canonical columns that a workspace written by an older version lacks."""
    return [f'ALTER TABLE {t.name} ADD COLUMN IF NOT EXISTS "{c.name}" {c.sql_type}'
            for t in TABLES.values() for c in t.columns if not c.required]


def _nearby(path: Path) -> str:
    """'; workspaces in its folder: ...' when the folder of a missing workspace holds some
    (`make demo` writes demo.duckdb, not the default name)."""
    folder = Path(path).parent
    found = sorted(p.name for p in folder.glob("*.duckdb")) if folder.is_dir() else []
    if not found:
        return ""
    shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
    return f"; workspaces in {folder}: {shown} (--workspace {folder / found[0]})"


class Workspace:
    """An open workspace. Use as a context manager; `crm()` gives the tables to metrics."""

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False) -> None:
        """Open a workspace to write (creating it if needed), or with `create=False` (or
        `read_only=True`) an existing one to read.

        DuckDB lets one process write a file or several read it: metric commands, reports and
        the dashboard read, so they can run side by side; an import waits until they close.
        """
        read_only = read_only or not create
        self.path = path
        if read_only and not path.exists():
            raise UserError(
                f"workspace {path} does not exist; import data first "
                f"(funnelwise import --workspace {path} DIR) or run `funnelwise demo`; another "
                f"workspace: --workspace PATH, or set {ENV_VAR}{_nearby(path)}"
            )
        import duckdb

        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            hint = " (is another funnelwise command writing to it?)" if "lock" in str(exc) else ""
            raise UserError(f"cannot open workspace {path}: {exc}{hint}") from exc
        if not read_only:
            self._create()

    def _create(self) -> None:
        for stmt in create_statements() + add_column_statements():
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

    def _stand_in_missing(self) -> None:
        """Empty temporary tables for canonical tables an older workspace lacks.

        A workspace written before a table was added to the schema stays readable (also
        read-only) and simply has no rows in it; the next import creates the real table.
        """
        rows = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        present = {r[0] for r in rows}
        for stmt in create_statements()[1:]:
            name = stmt.split()[5]
            if name not in present:
                self.con.execute(stmt.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE"))

    def crm(self, funnel: Funnel | None = None) -> Crm:
        """The canonical tables as Ibis expressions over this DuckDB file."""
        from funnelwise.io.engines import bound_table, duckdb_backend, table_schemas

        self._stand_in_missing()
        backend = duckdb_backend(self.con)
        schemas = table_schemas(backend, list(TABLES))
        tables = {name: bound_table(backend, name, schemas[name]) for name in TABLES}
        return Crm(**tables, funnel=funnel or self.funnel())
