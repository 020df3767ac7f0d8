"""Where funnelwise's time goes, per metric of the report (run once, as a child process).

For each metric: Ibis compiling its expressions to SQL (`compile`), the expressions run to
pandas frames (`execute`: Ibis compiles them again, DuckDB runs the SQL, the rows become
pandas), and the whole metric call (`metric`: those runs, then the rates, shrunk estimates
and intervals, or the review's evidence sentences; the SQL `--explain` shows is only compiled
when asked for). Each metric is called once first, so the figures are warm (first-call costs
are in the report's first metric).

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
    shared: dict[str, object] = {}
    for metric in REPORT:
        metric.run(crm, shared)
        exprs = metric.queries(crm)
        out[metric.name] = {
            "compile": timed(lambda q=exprs: [ibis.to_sql(e) for e in q]),
            "execute": timed(lambda q=exprs: [e.to_pandas() for e in q]),
            "metric": timed(lambda m=metric: m.run(crm, shared)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
