"""The report as hand-written DuckDB SQL (`bench/sql/<metric>.sql`), run as a child process.

Each file is one query over views named like the canonical tables; its result is copied to
OUT_DIR/<metric>.parquet by DuckDB itself, so this way imports nothing but duckdb. A file may
start with statements of its own (each ending in `;` at the end of a line), such as temporary
tables a later metric reads: review.sql keeps the reviewed deals for coverage.sql.

Run: python bench/sql_report.py DATA_DIR OUT_DIR METRIC...  (prints the time after start-up,
and per metric, as JSON)
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import duckdb

SQL = Path(__file__).parent / "sql"
TABLES = ("reps", "opportunities", "stage_history", "activities", "outcomes", "quotas",
          "close_date_history")


def quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def statements(text: str) -> list[str]:
    """A file's statements (comments taken out), split at a `;` that ends a line."""
    code = re.sub(r"--[^\n]*", "", text)
    return [p.strip() for p in re.split(r";[ \t]*\n", code) if p.strip().rstrip(";")]


def main(data: Path, out: Path, metrics: list[str]) -> None:
    start = time.perf_counter()
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet("
                    f"{quote(data / f'{table}.parquet')})")
    times = {"setup": time.perf_counter() - start}
    for metric in metrics:
        began = time.perf_counter()
        *setup, query = statements((SQL / f"{metric}.sql").read_text(encoding="utf-8"))
        for statement in setup:
            con.execute(statement)
        con.execute(f"COPY ({query}) TO {quote(out / f'{metric}.parquet')} (FORMAT parquet)")
        times[metric] = time.perf_counter() - began
    print(json.dumps({"report": time.perf_counter() - start, "parts": times}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
