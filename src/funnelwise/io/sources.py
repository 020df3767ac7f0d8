"""Read CSV and Parquet files into DuckDB staging tables, every value as text, rows numbered.

Excel-saved CSVs work: a UTF-8 byte-order mark, `;` or tab separators and CRLF line ends are
detected; a file that is not UTF-8 is read as Latin-1 (Windows Excel's usual encoding).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from funnelwise.errors import UserError

Progress = Callable[[str, float], None]
SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq")


@dataclass(frozen=True)
class RawFile:
    """A source file loaded as a staging table of text columns plus `_row` (1-based data row)."""

    path: Path
    table: str
    columns: tuple[str, ...]
    rows: int

    @property
    def label(self) -> str:
        return self.path.name

    @property
    def stem(self) -> str:
        return self.path.stem.lower()

    def find(self, *names: str) -> str | None:
        """The first header among `names`, matched ignoring case, spaces and underscores."""
        index = {_norm(c): c for c in self.columns}
        for name in names:
            if _norm(name) in index:
                return index[_norm(name)]
        return None


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "", name.strip().lower())


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the data files inside any directory named."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or directory")
    if not files:
        raise UserError("no CSV or Parquet files found in " + ", ".join(map(str, paths)))
    return files


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _polling(
    con: duckdb.DuckDBPyConnection, label: str, progress: Progress | None
) -> Iterator[None]:
    """Report DuckDB's own progress of the running statement while it runs."""
    if progress is None:
        yield
        return
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            try:
                pct = con.query_progress()
            except duckdb.Error:
                return
            if pct >= 0:
                progress(label, min(pct / 100.0, 0.99))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        progress(label, 1.0)


def _reader(path: Path, encoding: str) -> str:
    literal = "'" + str(path).replace("'", "''") + "'"
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"(SELECT COLUMNS(*)::VARCHAR FROM read_parquet({literal}))"
    return (f"read_csv({literal}, all_varchar=true, header=true, encoding='{encoding}', "
            "sample_size=-1)")


def load(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, progress: Progress | None = None
) -> RawFile:
    """Load one file into temp table `table`; parquet values are cast to text like CSV ones."""
    for encoding in ("utf-8", "latin-1"):
        try:
            with _polling(con, path.name, progress):
                con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM "
                            f"{_reader(path, encoding)}")
            break
        except duckdb.InvalidInputException as exc:
            if "unicode" not in str(exc).lower() or encoding != "utf-8":
                raise UserError(f"{path}: cannot read as CSV: {str(exc).splitlines()[0]}") from exc
        except duckdb.Error as exc:
            raise UserError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    columns = tuple(r[0] for r in con.execute(f"DESCRIBE {table}").fetchall())
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    return RawFile(path=path, table=table, columns=columns, rows=rows)
