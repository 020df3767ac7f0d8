"""Engines: where the metric expressions run. The same `Crm` over DuckDB or over Spark.

A workspace is a DuckDB file (the default) or a folder of canonical Parquet files, one
`<table>.parquet` per canonical table plus an optional `funnel.toml` (what `funnelwise export`
writes, and what `funnelwise simulate --file-format parquet` writes). Metric code never knows
which engine it runs on: every table is read, cast to its canonical type, and handed over as an
Ibis expression.

- `duckdb`: a DuckDB file is used as it is; a Parquet folder is read by an in-memory DuckDB.
- `spark`: the Parquet folder is read into a SparkSession through Ibis's PySpark backend (a
  DuckDB workspace is exported to Parquet first, into a temporary folder). The session is the
  active one if there is one, else a new one configured by `FUNNELWISE_SPARK_MASTER` (default:
  PySpark's own, `local[*]`) and the usual Spark configuration files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelwise.errors import UserError, unknown_name
from funnelwise.imports import submodule
from funnelwise.io.workspace import Workspace
from funnelwise.schema import TABLES, Funnel, default_funnel
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import load_funnel
from funnelwise.schema.tables import Table

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.datatypes as dt
    import ibis.expr.schema as sch
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend as DuckDBBackend

ENGINES = ("duckdb", "spark")
FUNNEL_FILE = "funnel.toml"
MASTER_ENV = "FUNNELWISE_SPARK_MASTER"
IBIS_TYPE_NAMES = {"string": "string", "date": "date", "timestamp": "timestamp",
                   "float": "float64"}


def ibis_type(kind: str) -> dt.DataType:
    """The Ibis type of a canonical column kind (string, date, timestamp, float)."""
    import ibis.expr.datatypes as dt

    kind_type: dt.DataType = getattr(dt, IBIS_TYPE_NAMES[kind])
    return kind_type


def canonical_schema(spec: Table) -> sch.Schema:
    """The Ibis schema of a canonical table: its columns with their canonical types."""
    import ibis

    return ibis.schema({c.name: ibis_type(c.kind) for c in spec.columns})


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise unknown_name("--engine", engine, ENGINES)
    return engine


def parquet_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"{name}.parquet"


def is_parquet_folder(path: Path) -> bool:
    return Path(path).is_dir()


def _same_type(have: dt.DataType, want: dt.DataType) -> bool:
    """Whether a column already has its canonical type: a stored TIMESTAMP reads as
    timestamp(6), which is the canonical timestamp (a cast would make it a different type from
    the same column read elsewhere, and set operations refuse the pair)."""
    if have.is_timestamp() and want.is_timestamp():
        return have.timezone == want.timezone
    return have == want


def canonical(table: ir.Table, spec: Table) -> ir.Table:
    """`table` reduced to the canonical columns with their canonical types.

    A column missing from the file becomes a typed null column; extra columns are dropped.
    """
    import ibis

    schema = table.schema()
    columns: dict[str, ir.Value] = {}
    for col in spec.columns:
        want = ibis_type(col.kind)
        if col.name not in schema:
            columns[col.name] = ibis.null(want)
        elif not _same_type(schema[col.name], want):
            columns[col.name] = table[col.name].cast(want)
        else:
            columns[col.name] = table[col.name]
    return table.select(**columns)


def folder_funnel(folder: Path) -> Funnel:
    """The folder's funnel.toml if it has one, else the default funnel."""
    path = Path(folder) / FUNNEL_FILE
    return load_funnel(path) if path.exists() else default_funnel()


def optional_tables() -> frozenset[str]:
    """Tables a `Crm` may go without (its fields that default to None)."""
    return frozenset(f.name for f in dataclasses.fields(Crm) if f.default is None)


def parquet_tables(folder: Path) -> list[str]:
    """The canonical tables a Parquet folder has (a user error if a required one is missing)."""
    fields = {f.name for f in dataclasses.fields(Crm)}
    names = [n for n in TABLES if n in fields]
    present = [n for n in names if parquet_path(folder, n).exists()]
    missing = [f"{n}.parquet" for n in names if n not in present and n not in optional_tables()]
    if missing:
        raise UserError(f"{folder} is not a canonical Parquet folder: {', '.join(missing)} "
                        f"missing (write one with `funnelwise export --out {folder}`)")
    return present


def parquet_crm(read: Callable[[str, Path], ir.Table], folder: Path,
                funnel: Funnel | None = None) -> Crm:
    """The canonical tables of a Parquet folder; `read(name, path)` gives one as an Ibis table."""
    tables = {n: canonical(read(n, parquet_path(folder, n)), TABLES[n])
              for n in parquet_tables(folder)}
    return Crm(**tables, funnel=funnel or folder_funnel(folder))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_duckdb_backend() -> None:
    """Load Ibis's DuckDB backend, as opening tables does. Of Ibis's SQL compilers (its
    package loads all twenty) only DuckDB's is loaded (`imports.submodule`); the PySpark
    backend loads its own when asked for."""
    submodule("ibis.backends.sql.compilers", "duckdb")
    import ibis.backends.duckdb  # noqa: F401


def duckdb_backend(con: duckdb.DuckDBPyConnection) -> DuckDBBackend:
    """Ibis's DuckDB backend over an open DuckDB connection."""
    load_duckdb_backend()
    import ibis

    return ibis.duckdb.from_connection(con)


def bound_table(backend: Any, name: str, schema: sch.Schema) -> ir.Table:
    """The backend's table `name`, with its schema given rather than asked of the backend."""
    import ibis.expr.operations as ops

    return ops.DatabaseTable(name, schema=schema, source=backend,
                             namespace=ops.Namespace(catalog=None, database=None)).to_expr()


def with_columns(table: ir.Table, spec: Table) -> ir.Table:
    """`table` as it is when it has every canonical column of `spec`, else `canonical`: a
    workspace written before a column was added reads it as typed nulls until the next
    import writes it."""
    return table if set(spec.column_names) <= set(table.columns) else canonical(table, spec)


def table_schemas(backend: DuckDBBackend, names: list[str]) -> dict[str, sch.Schema]:
    """The schema of each of the backend's tables `names`, from one query to DuckDB."""
    import ibis

    query = " UNION ALL ".join(
        f"SELECT {_sql_string(n)} AS t, column_name, column_type, \"null\" FROM (DESCRIBE \"{n}\")"
        for n in names)
    columns: dict[str, dict[str, dt.DataType]] = {n: {} for n in names}
    mapper = backend.compiler.type_mapper
    for table, column, typ, null in backend.con.execute(query).fetchall():
        columns[table][column] = mapper.from_string(typ, nullable=null == "YES")
    return {n: ibis.schema(columns[n]) for n in names}


def _view_sql(name: str, path: Path, spec: Table, present: set[str] | None = None) -> str:
    """A view of one Parquet file with the canonical columns, each cast to its canonical type.

    A column not `present` in the file is a typed null; `present=None` takes all as present.
    """
    def value(col: str) -> str:
        return f'"{col}"' if present is None or col in present else "NULL"

    cols = ", ".join(f'CAST({value(c.name)} AS {c.sql_type}) AS "{c.name}"' for c in spec.columns)
    return (f"CREATE VIEW {name} AS SELECT {cols} "
            f"FROM read_parquet({_sql_string(str(path))})")


def duckdb_crm(folder: Path, funnel: Funnel | None = None) -> Crm:
    """A Parquet folder on an in-memory DuckDB: one view per table, named like the table.

    Each view already has the canonical columns and types, so the Ibis tables are made from
    the canonical schemas without asking DuckDB for them.
    """
    import duckdb

    present = parquet_tables(folder)
    con = duckdb.connect()
    backend = duckdb_backend(con)
    for name in present:
        path = parquet_path(folder, name)
        try:
            con.execute(_view_sql(name, path, TABLES[name]))
        except duckdb.BinderException:  # a column missing from the file
            described = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_sql_string(str(path))})").fetchall()
            con.execute(_view_sql(name, path, TABLES[name], {row[0] for row in described}))
    tables = {n: bound_table(backend, n, canonical_schema(TABLES[n])) for n in present}
    return Crm(**tables, funnel=funnel or folder_funnel(folder))


NO_SPARK = ("the spark engine needs PySpark and Java 17+: run scripts/setup-spark.sh (or "
            "pip install 'funnelwise[spark]')")


def spark_session() -> Any:
    """The active SparkSession, or a new one (`$FUNNELWISE_SPARK_MASTER`, UTC session time)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UserError(NO_SPARK) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("funnelwise")
    if os.environ.get(MASTER_ENV):
        builder = builder.master(os.environ[MASTER_ENV])
    session = (builder.config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_crm(folder: Path, funnel: Funnel | None = None, session: Any = None) -> Crm:
    """A Parquet folder on Spark, through Ibis's PySpark backend."""
    import ibis

    session = session or spark_session()
    try:
        backend = ibis.pyspark.connect(session)
    except ImportError as exc:  # PySpark present, but not what Ibis's backend needs
        raise UserError(f"{NO_SPARK}: {exc}") from exc
    tag = uuid.uuid4().hex[:8]  # temporary views are per session: keep two folders apart

    def read(name: str, path: Path) -> ir.Table:
        return backend.read_parquet(str(path), table_name=f"{name}_{tag}")

    return parquet_crm(read, folder, funnel)


def export_parquet(ws: Workspace, out: Path) -> dict[str, int]:
    """Write the canonical tables of `ws` to `out/<table>.parquet`, and its funnel.toml.

    Returns the row count of each table written. A table an older workspace lacks is not
    written (reading the folder then gives the table as missing, like the workspace).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = ws.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    present = {r[0] for r in rows}
    counts: dict[str, int] = {}
    for name in TABLES:
        if name not in present:
            continue
        target = _sql_string(str(parquet_path(out, name)))
        ws.con.execute(f"COPY {name} TO {target} (FORMAT parquet, COMPRESSION zstd)")
        counts[name] = int(ws.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    text = ws.get_meta("funnel")
    funnel_path = out / FUNNEL_FILE
    if text:
        funnel_path.write_text(text, encoding="utf-8")
    elif funnel_path.exists():
        funnel_path.unlink()
    return counts


@contextlib.contextmanager
def open_crm(path: Path, *, engine: str = "duckdb", funnel: Funnel | None = None,
             on_open: Callable[[Workspace], None] | None = None) -> Iterator[Crm]:
    """The `Crm` of a workspace (DuckDB file or Parquet folder) on the chosen engine.

    `on_open` is given a DuckDB workspace once it is open (to read its settings on the same
    connection); a Parquet folder has none.
    """
    check_engine(engine)
    if is_parquet_folder(path):
        yield (duckdb_crm if engine == "duckdb" else spark_crm)(path, funnel)
        return
    with Workspace(path, read_only=True) as ws:
        if on_open is not None:
            on_open(ws)
        if engine == "duckdb":
            yield ws.crm(funnel)
            return
        with tempfile.TemporaryDirectory(prefix="funnelwise-spark-") as tmp:
            export_parquet(ws, Path(tmp))
            yield spark_crm(Path(tmp), funnel or ws.funnel())


__all__ = ["ENGINES", "bound_table", "check_engine", "duckdb_backend", "duckdb_crm",
           "export_parquet", "load_duckdb_backend", "open_crm", "parquet_crm", "spark_crm",
           "spark_session", "table_schemas"]
