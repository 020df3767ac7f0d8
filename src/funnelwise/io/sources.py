"""Read CSV and Parquet files as relations of text columns, after looking at the bytes first.

A CSV file is read with a dialect funnelwise settles itself from the file's first bytes (the
separator, the header, the encoding), not guessed by the database's sniffer, so a cut line, an
unclosed quote or a stray byte is an error at a known row instead of a silently different table:

- Excel's files work: a UTF-8 byte-order mark, `;`, tab or `|` separators, CRLF line ends, a
  file that is Latin-1 throughout (Windows Excel's usual encoding; said in a note), UTF-16 with
  its byte-order mark (Excel's "Unicode Text"; said in a note).
- Refused, with the row: a file that is UTF-8 except for a few stray bytes (never re-read in
  another encoding), NUL bytes, a line with fewer or more fields than the header, an unclosed
  quote, mixed line endings, a header that repeats a name.
- Noted: empty header names (trailing separators), a file with a header and no rows, a file
  whose last line has no line break (it may have been cut).

A file is not loaded here: `RawFile.table` is a relation (`read_csv(...)`) that the importer
reads in one pass per canonical table; `materialise` loads one into a numbered temporary table
when rows must be located (problems) or looked up (list prices).
"""

from __future__ import annotations

import codecs
import csv
import mmap
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from funnelwise.errors import Problem, UserError

Progress = Callable[[str, float], None]
SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq")
PARQUET = (".parquet", ".pq")
SAMPLE = 1 << 16
CHUNK = 1 << 23
SEPARATORS = (",", ";", "\t", "|")
MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class RawFile:
    """A source file as a relation of text columns.

    `table` is SQL usable after FROM (a `read_csv(...)` call, or a temporary table once
    materialised, which then also has `_row`, the 1-based data row). `columns` are the header
    names as the relation's columns; `notes` are things worth saying about the file and
    `problems` what makes it unreadable (the import refuses it).
    """

    path: Path
    table: str
    columns: tuple[str, ...]
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    encoding: str = "utf-8"
    materialised: bool = False

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


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def polling(
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


# ---------------------------------------------------------------- looking at the bytes


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: separator, encoding, header names (as read), and what the
    first and last bytes told (notes, problems)."""

    delimiter: str
    encoding: str
    header: tuple[str, ...]
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def _encoding(head: bytes) -> tuple[str, str]:
    """(encoding, note) from the first bytes: BOMs, else UTF-8 unless the sample is plainly
    Latin-1 (invalid UTF-8 and not one valid multi-byte sequence)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", ("is UTF-16 text (as Excel's \"Unicode Text\" saves it); read as "
                          "such. Saving it as \"CSV UTF-8\" makes it smaller")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        if not MULTIBYTE.search(head):
            return "latin-1", LATIN1_NOTE
    return "utf-8", ""


LATIN1_NOTE = ("is not UTF-8 but Latin-1 throughout (as Windows Excel saves CSV); read as "
               "Latin-1. Save it as \"CSV UTF-8\" to be sure of accents")


def _decode(data: bytes, encoding: str) -> str:
    text = data.decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")
    return text.lstrip("\ufeff")


def _separator(line: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    counts = {sep: len(next(csv.reader([line], delimiter=sep))) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 1 else ","


def _names(line: str, text: str, sep: str) -> list[str]:
    try:
        return [c.strip() for c in next(csv.reader(text.splitlines()[:50], delimiter=sep))]
    except (StopIteration, csv.Error):
        return [c.strip() for c in line.split(sep)]


def sniff(path: Path) -> Dialect:
    """The dialect of a CSV file, from its first and last bytes."""
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    if not head.strip():
        raise UserError(f"{path.name}: the file is empty (not even a header)")
    encoding, note = _encoding(head)
    text = _decode(head, encoding)
    first = text.splitlines()[0] if text.splitlines() else ""
    sep = _separator(first, path.suffix.lower())
    names = _names(first, text, sep)
    header, notes, problems = _clean_header(path.name, names)
    notes = ([note] if note else []) + notes
    tail = _tail_note(path, encoding)
    return Dialect(delimiter=sep, encoding=encoding, header=header,
                   notes=tuple(notes + ([tail] if tail else [])), problems=tuple(problems))


def _clean_header(file: str, names: list[str]) -> tuple[tuple[str, ...], list[str],
                                                         list[Problem]]:
    """Header names as columns: empty ones named `_empty_<n>` (a note), repeats refused."""
    notes, problems, out = [], [], []
    empty = [i for i, n in enumerate(names, 1) if not n]
    for i, name in enumerate(names, 1):
        out.append(name or f"_empty_{i}")
    if empty:
        trailing = empty == list(range(len(names) - len(empty) + 1, len(names) + 1))
        where = ("at the end of the header (trailing separators, as spreadsheets write them)"
                 if trailing else f"at position(s) {', '.join(map(str, empty))}")
        notes.append(f"has {len(empty)} empty column name(s) {where}; those columns are "
                     "ignored")
    seen: dict[str, int] = {}
    for i, name in enumerate(out, 1):
        key = _norm(name)
        if key in seen:
            problems.append(Problem(
                file=file, row=None, column=name, value=None,
                message=f"the header repeats this name (columns {seen[key]} and {i}), so the "
                        "values of one would be lost",
                hint="rename or remove one of the two columns"))
        seen.setdefault(key, i)
    return tuple(out), notes, problems


def _tail_note(path: Path, encoding: str) -> str:
    """A note when the file does not end with a line break: its last line may be cut."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 4096))
        tail = _decode(f.read(), encoding)
    if not tail or tail.endswith(("\n", "\r")):
        return ""
    last = tail.splitlines()[-1] if tail.splitlines() else tail
    return (f"does not end with a line break, so its last line may have been cut: check "
            f"{last[:120]!r} is whole")


def _nul_rows(path: Path, limit: int = 5) -> list[int]:
    """Data rows (1-based, as lines count) holding a NUL byte; the file is searched in place
    (mapped, not copied), so a clean file costs one pass of memchr."""
    if path.stat().st_size == 0:
        return []
    rows: list[int] = []
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos = data.find(b"\x00")
        while pos >= 0 and len(rows) < limit:
            row = data[:pos].count(b"\n")
            if not rows or rows[-1] != row:
                rows.append(row)
            pos = data.find(b"\x00", pos + 1)
    return rows


# ---------------------------------------------------------------- relations


def _csv_relation(path: Path, dialect: Dialect, *, strict: bool = True,
                  rejects: str | None = None) -> str:
    columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in dialect.header) + "}"
    options = [literal(str(path)), "header = true", "auto_detect = false",
               f"delim = {literal(dialect.delimiter)}", "quote = '\"'", "escape = '\"'",
               f"columns = {columns}", f"encoding = {literal(dialect.encoding)}",
               f"strict_mode = {'true' if strict else 'false'}", "buffer_size = 8000000"]
    if rejects:
        options += ["store_rejects = true", f"rejects_table = '{rejects}_errors'",
                    f"rejects_scan = '{rejects}_scans'"]
    return "read_csv(" + ", ".join(options) + ")"


def open_file(con: duckdb.DuckDBPyConnection, path: Path) -> RawFile:
    """A file as a relation of text columns, with what its bytes say (nothing is loaded)."""
    if path.suffix.lower() in PARQUET:
        return _parquet(con, path)
    return _csv_file(path, sniff(path))


def _csv_file(path: Path, dialect: Dialect) -> RawFile:
    problems = list(dialect.problems)
    if dialect.encoding != "utf-16" and (rows := _nul_rows(path)):
        problems.append(Problem(
            file=path.name, row=rows[0], column=None, value=None,
            message=f"holds NUL bytes (\\x00), first in data row(s) {_rows(rows)}: the file "
                    "is damaged or binary",
            hint="export it again, or remove the NUL bytes"))
    return RawFile(path=path, table=_csv_relation(path, dialect), columns=dialect.header,
                   notes=dialect.notes, problems=tuple(problems), encoding=dialect.encoding)


def _rows(rows: list[int]) -> str:
    return ", ".join(map(str, rows))


def _parquet(con: duckdb.DuckDBPyConnection, path: Path) -> RawFile:
    table = f"(SELECT COLUMNS(*)::VARCHAR FROM read_parquet({literal(str(path))}))"
    try:
        columns = tuple(r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall())
    except duckdb.Error as exc:
        raise UserError(f"{path.name}: cannot read as Parquet: {_first_line(exc)}") from exc
    return RawFile(path=path, table=table, columns=columns)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def probe(con: duckdb.DuckDBPyConnection, raw: RawFile) -> RawFile:
    """`raw` after one full read that finds what breaks it: with its problems located, or
    re-opened as Latin-1 when it is Latin-1 throughout. Only run when a read has failed."""
    if raw.path.suffix.lower() in PARQUET or raw.problems:
        return raw
    dialect = replace(sniff(raw.path), encoding=raw.encoding)
    try:
        _read_all(con, raw.table)
    except duckdb.Error as exc:
        if _is_encoding(exc) and raw.encoding == "utf-8" and not _has_multibyte(raw.path):
            latin = _csv_file(raw.path, replace(dialect, encoding="latin-1"))
            return replace(latin, notes=(LATIN1_NOTE, *latin.notes))
        return replace(raw, problems=tuple(diagnose(con, raw, dialect, exc)))
    return raw


def _read_all(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    """Read every value of a relation (a count alone would skip decoding them)."""
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _probe AS SELECT * FROM {relation}")
    finally:
        con.execute("DROP TABLE IF EXISTS _probe")


def _is_encoding(exc: Exception) -> bool:
    return "unicode" in str(exc).lower() or "encod" in str(exc).lower()


def diagnose(con: duckdb.DuckDBPyConnection, raw: RawFile, dialect: Dialect,
             exc: Exception) -> list[Problem]:
    """What made a strict read fail, located to rows where the database can say."""
    if "invalid state" in str(exc).lower():
        crlf, lf = _line_ends(raw.path)
        if crlf and lf:
            return [Problem(file=raw.label, row=None, column=None, value=None,
                            message=f"mixes line endings ({crlf:,} lines end in CRLF, {lf:,} "
                                    "in LF alone)",
                            hint="save it again from a spreadsheet, or convert it with "
                                 "dos2unix")]
    found = _rejects(con, raw, dialect)
    if found:
        return found
    return [Problem(file=raw.label, row=None, column=None, value=None,
                    message=f"cannot be read as CSV: {_first_line(exc)}",
                    hint="check the separator and quotes")]


def _line_ends(path: Path) -> tuple[int, int]:
    crlf = lf = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            crlf += chunk.count(b"\r\n")
            lf += chunk.count(b"\n")
    return crlf, lf - crlf


KINDS = {
    "MISSING COLUMNS": "the line has fewer fields than the header{what}: it is cut or a field "
                       "is missing",
    "TOO MANY COLUMNS": "the line has more fields than the header{what}: a separator inside "
                        "an unquoted value?",
    "UNQUOTED VALUE": "the line has a quote that is not closed{what}",
    "INVALID ENCODING": "the line holds bytes that are not UTF-8{what}",
    "LINE SIZE OVER MAXIMUM": "the line is over 2 MB{what}: an unclosed quote?",
}


def _rejects(con: duckdb.DuckDBPyConnection, raw: RawFile, dialect: Dialect) -> list[Problem]:
    """Every malformed line, read again with the database's reject store."""
    name = "rejected"
    try:
        _read_all(con, _csv_relation(raw.path, dialect, rejects=name))
        rows = con.execute(
            f"SELECT error_type, line, csv_line, error_message FROM {name}_errors "
            "ORDER BY line").fetchall()
    except duckdb.Error:
        return []
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}_errors; DROP TABLE IF EXISTS {name}_scans")
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for kind, line, text, message in rows:
        groups.setdefault(str(kind), []).append((int(line), str(text), str(message)))
    return [_reject_problem(raw.label, kind, found) for kind, found in groups.items()]


def _reject_problem(file: str, kind: str, found: list[tuple[int, str, str]]) -> Problem:
    """One problem for every malformed line of a kind, with the first lines as written."""
    _, text, message = found[0]
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    what = f" ({counts.group(2)} of {counts.group(1)})" if counts else ""
    template = KINDS.get(kind, "cannot be read{what}: " + message)
    rows = tuple(f[0] - 1 for f in found[:5])
    lines = tuple(dict.fromkeys(f[1][:120] for f in found[:5]))
    return Problem(file=file, row=rows[0], column=None, value=text[:120],
                   message=template.format(what=what),
                   hint=_reject_hint(kind), count=len(found), rows=rows, values=lines,
                   distinct=len(lines))


def _reject_hint(kind: str) -> str:
    return {"INVALID ENCODING": "the file is UTF-8 except at these rows: fix those characters "
                                "or export the file again as CSV UTF-8",
            "MISSING COLUMNS": "complete or remove the line; export the file again if it was "
                               "cut"}.get(kind, "fix the line, or quote values that hold the "
                                                "separator")


def _has_multibyte(path: Path) -> bool:
    with path.open("rb") as f:
        return any(MULTIBYTE.search(chunk) for chunk in iter(lambda: f.read(CHUNK), b""))


def materialise(con: duckdb.DuckDBPyConnection, raw: RawFile, name: str,
                progress: Progress | None = None) -> RawFile:
    """Load `raw` into temporary table `name`; its `rowid + 1` is the data row."""
    if raw.materialised:
        return raw
    with polling(con, raw.label, progress):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {raw.table}")
    return replace(raw, table=name, materialised=True)
