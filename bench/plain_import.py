"""The baseline `funnelwise import` is measured against: plain DuckDB loading the same CSV
files into tables of a new database file (its own type detection, no checks).

Run: python bench/plain_import.py DATA_FOLDER DATABASE
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def main() -> None:
    folder, database = Path(sys.argv[1]), sys.argv[2]
    with duckdb.connect(database) as con:
        for path in sorted(folder.glob("*.csv")):
            literal = "'" + str(path).replace("'", "''") + "'"
            con.execute(f'CREATE TABLE "{path.stem}" AS SELECT * FROM read_csv({literal})')


if __name__ == "__main__":
    main()
