"""Where funnelwise's time goes, per metric of the report (run once, as a child process).

For each metric: Ibis compiling its expression to SQL, DuckDB running that expression and
converting the rows to pandas, and the whole metric call (which compiles twice, runs, and
post-processes: rates, shrinkage, intervals). Each metric is called once first, so the
figures are warm (Ibis's first-call costs are in the report's `setup` and first metric).

Run: python bench/anatomy.py DATA_DIR  (prints JSON)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ibis
from report import REPORT

from funnelwise.io.engines import duckdb_crm


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main(data: Path) -> None:
    crm = duckdb_crm(data)
    out = {}
    for metric in REPORT:
        metric.run(crm)
        expr = metric.query(crm)
        out[metric.name] = {
            "compile": timed(lambda e=expr: ibis.to_sql(e)),
            "execute": timed(lambda e=expr: e.to_pandas()),
            "metric": timed(lambda m=metric: m.run(crm)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
