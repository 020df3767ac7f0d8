"""A workspace: one embedded DuckDB file holding the canonical tables and the funnel."""

from __future__ import annotations

import os
import re
import shlex
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from funnelwise import __version__
from funnelwise.errors import UserError
from funnelwise.schema import TABLES, Funnel, default_funnel
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import parse_funnel

if TYPE_CHECKING:
    import duckdb

DEFAULT_PATH = "funnelwise.duckdb"
ENV_VAR = "FUNNELWISE_WORKSPACE"
META = "funnelwise_meta"
SCHEMA_VERSION = "1"
DATA_VERSION = "data_version"
"""Meta key: a new value at each import, so what was computed on other data is known."""
KEPT = "kept:"
"""Meta key prefix of results computed on the data (`Workspace.keep`)."""
KEPT_WITH = "kept_with"
"""Meta key: the funnelwise version that computed the kept results (another one drops them)."""
LEGACY_KEPT = {"accuracy": "accuracy"}
"""Where a workspace written before `keep` kept a result (meta key -> name)."""
DEFAULT_WAIT = 5.0  # seconds an open waits for another process to let go of the file
POLL = 0.2  # seconds between two tries
Stamp = tuple[tuple[int, int, int], ...]
HELD = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


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


class WorkspaceBusy(UserError):
    """Another process holds the workspace file and did not let go within the wait."""

    def __init__(self, message: str, *, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def stamp(path: Path) -> Stamp:
    """The version of the file as the operating system sees it: inode, size and modification
    time of the workspace and of its write-ahead log. Whatever a writer commits changes it, so
    results kept across opens are keyed on it (a missing file has an empty stamp)."""
    found = []
    for each in (Path(path), Path(f"{path}.wal")):
        try:
            st = each.stat()
        except FileNotFoundError:
            continue
        found.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(found)


def describe_process(pid: int, program: str = "") -> str:
    """`funnelwise serve --workspace demo.duckdb` (PID 1234), read from /proc/<pid>/cmdline
    where the system has it; else the program DuckDB names, or only the PID."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        raw = b""
    argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if not argv:
        return f"{Path(program).name} (PID {pid})" if program else f"PID {pid}"
    return f"`{command_line(argv)}` (PID {pid})"


def command_line(argv: list[str], *, width: int = 160) -> str:
    """A process's arguments as a user would type them: `funnelwise serve -w demo.duckdb`
    for `/venv/bin/python /venv/bin/funnelwise serve -w demo.duckdb` (programs by name)."""
    if Path(argv[0]).name.startswith("python") and len(argv) > 1 and argv[1][:1] != "-":
        argv = argv[1:]  # a script run by its interpreter: name the script
    text = " ".join([Path(argv[0]).name, *map(_shown, argv[1:])])
    return text if len(text) <= width else text[:width - 3] + "..."


def _shown(arg: str) -> str:
    """An argument as a user would type it: quoted when it has spaces."""
    if arg and not any(c.isspace() or c in "'\"" for c in arg):
        return arg
    return f'"{arg}"' if '"' not in arg else shlex.quote(arg)


def lock_holder(exc: Exception) -> str | None:
    """Who holds the file, when `exc` is DuckDB's lock error (None for any other error)."""
    text = str(exc)
    found = HELD.search(text)
    if found:
        return describe_process(int(found["pid"]), found["program"])
    return "another process" if "Could not set lock" in text else None


def busy_error(path: Path, holder: str, *, read_only: bool, wait: float) -> WorkspaceBusy:
    """What to tell a reader (a writer holds the file) or a writer (anyone holds it) whose
    wait ran out."""
    if read_only:
        return WorkspaceBusy(
            f"workspace {path} is being written by {holder}, still after {wait:g} s; try "
            "again when it has finished", holder=holder)
    return WorkspaceBusy(
        f"workspace {path} is held by {holder}, still after {wait:g} s; try again when it "
        "has finished, stop it, or wait longer with --wait SECONDS", holder=holder)


def connect(path: Path, *, read_only: bool, wait: float = DEFAULT_WAIT,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `path`, trying again for up to `wait` seconds while another
    process holds the file (DuckDB lets one process write a file, or several read it).

    `on_wait` is told once, in a sentence, what the open is waiting for. When the wait runs
    out, `WorkspaceBusy` names the process holding the file.
    """
    import duckdb

    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise UserError(f"cannot open workspace {path}: {exc}") from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise busy_error(path, holder, read_only=read_only, wait=wait) from exc
            if on_wait is not None and not told:
                on_wait(f"workspace {path} is in use by {holder}; waiting up to {wait:g} s "
                        "for it to close")
                told = True
            time.sleep(min(POLL, left))


def require(path: Path) -> None:
    """A user error, with where to look instead, when there is no workspace at `path`."""
    if not Path(path).exists():
        raise UserError(
            f"workspace {path} does not exist; import data first "
            f"(funnelwise import --workspace {path} DIR) or run `funnelwise demo`; another "
            f"workspace: --workspace PATH, or set {ENV_VAR}{_nearby(path)}"
        )


class Workspace:
    """An open workspace. Use as a context manager; `crm()` gives the tables to metrics."""

    def __init__(self, path: Path, *, create: bool = True, read_only: bool = False,
                 wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None,
                 ) -> None:
        """Open a workspace to write (creating it if needed), or with `create=False` (or
        `read_only=True`) an existing one to read.

        DuckDB lets one process write a file or several read it. Metric commands, reports and
        each dashboard request read, and close when done; an import writes. An open that
        finds the file held by another process tries again for up to `wait` seconds (see
        `connect`), then fails with `WorkspaceBusy` naming that process.
        """
        read_only = read_only or not create
        self.path = path
        if read_only:
            require(path)
        self.con = connect(path, read_only=read_only, wait=wait, on_wait=on_wait)
        if not read_only:
            self._create()

    def _create(self) -> None:
        for stmt in create_statements() + add_column_statements():
            self.con.execute(stmt)
        self.con.execute(
            f"INSERT OR IGNORE INTO {META} VALUES ('schema_version', '{SCHEMA_VERSION}'), "
            f"('{DATA_VERSION}', ?)", [uuid.uuid4().hex])

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

    def data_version(self) -> str | None:
        """What changes with every import (None in a workspace not yet opened to write)."""
        return self.get_meta(DATA_VERSION)

    def new_data(self) -> None:
        """Called by an import, in its transaction: a new data version, and the results kept
        for the old data gone."""
        self._forget()
        self.set_meta(DATA_VERSION, uuid.uuid4().hex)

    def _forget(self) -> None:
        self.con.execute(f"DELETE FROM {META} WHERE starts_with(key, ?) OR key IN ?",
                         [KEPT, list(LEGACY_KEPT)])

    def keep(self, name: str, value: str, *, version: str | None) -> bool:
        """Keep a result computed on the data at `version`, unless the data has changed
        since (an import in between): then nothing is kept and the answer is False. Results
        another funnelwise version kept are dropped first."""
        if version is None or version != self.data_version():
            return False
        if self.get_meta(KEPT_WITH) != __version__:
            self._forget()
            self.set_meta(KEPT_WITH, __version__)
        self.set_meta(KEPT + name, value)
        return True

    def kept(self) -> dict[str, str]:
        """Every result kept for the data as it is by this funnelwise version, by name (a
        workspace written before `keep`: what it kept where it kept it)."""
        rows = dict(self.con.execute(
            f"SELECT key, value FROM {META} WHERE starts_with(key, ?) OR key IN ? OR key = ?",
            [KEPT, list(LEGACY_KEPT), KEPT_WITH]).fetchall())
        if KEPT_WITH not in rows:  # nothing kept since `keep`: what an older version kept
            return {name: rows[key] for key, name in LEGACY_KEPT.items() if key in rows}
        if rows[KEPT_WITH] != __version__:
            return {}
        return {key.removeprefix(KEPT): value for key, value in rows.items()
                if key.startswith(KEPT)}

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
        from funnelwise.io.engines import (
            bound_table,
            duckdb_backend,
            table_schemas,
            with_columns,
        )

        self._stand_in_missing()
        backend = duckdb_backend(self.con)
        schemas = table_schemas(backend, list(TABLES))
        tables = {name: with_columns(bound_table(backend, name, schemas[name]), spec)
                  for name, spec in TABLES.items()}
        crm = Crm(**tables, funnel=funnel or self.funnel())
        if funnel is None:
            object.__setattr__(crm, "kept", self.kept())
        return crm
