"""The benchmark's report, and the funnelwise way of computing it (run as a child process).

REPORT is the one list of what the benchmark computes: each entry names a metric, the call
that produces it in funnelwise, its query alone (for bench/anatomy.py), and the figures every
way must agree on (the columns that identify a row, then the figures).
`bench/sql/<name>.sql` and `pandas_report.<name>` are the two other ways; add all three when
a metric joins the report.

funnelwise computes more than the figures compared: shrunk estimates, intervals and parent
rates (`*_est`, `*_lo`, `*_hi`, `parent_rate`), which the hand-written ways leave out.

Start-up (before the timed part) includes loading every module the report uses: funnelwise
loads Ibis's DuckDB backend when it first opens tables and SciPy's special functions when it
first shrinks an estimate; here both are loaded with the other imports, so the time after
start-up is what a long-lived process (which has them loaded) pays per report.

Run: python bench/report.py DATA_DIR OUT_DIR  (prints the time after start-up, and per
metric, as JSON)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import scipy.special  # noqa: F401

from funnelwise.io.engines import duckdb_crm, load_duckdb_backend
from funnelwise.metrics.cycle import cycle, cycle_stats
from funnelwise.metrics.effectiveness import attribution_config, effectiveness, type_counts
from funnelwise.metrics.funnel import funnel, funnel_counts
from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.winrates import winrate_counts, winrates
from funnelwise.schema.crm import Crm

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Metric:
    """A metric of the report: its funnelwise call, its query alone, the figures compared."""

    name: str
    run: Callable[[Crm], MetricResult]
    query: Callable[[Crm], ir.Table]
    keys: tuple[str, ...]
    figures: tuple[str, ...]


REPORT: tuple[Metric, ...] = (
    Metric("winrates", lambda crm: winrates(crm, by="rep"),
           lambda crm: winrate_counts(crm, by="rep"), ("key",),
           ("parent", "won", "lost", "closed", "win_rate", "value_win_rate", "won_value",
            "lost_value")),
    Metric("funnel", lambda crm: funnel(crm, by="rep"),
           lambda crm: funnel_counts(crm, by="rep"), ("key", "step"),
           ("parent", "count", "advanced", "dropped", "open", "rate")),
    Metric("cycle", lambda crm: cycle(crm, by="rep"),
           lambda crm: cycle_stats(crm, by="rep"), ("key",),
           ("parent", "won", "mean_days", "p25_days", "median_days", "p75_days", "p90_days")),
    Metric("effectiveness", lambda crm: effectiveness(crm, by="rep"),
           lambda crm: type_counts(crm, attribution_config(crm.funnel), by="rep"),
           ("key", "type"), ("parent", "volume", "outputs", "outcomes", "productive")),
)


def main(data: Path, out: Path) -> None:
    load_duckdb_backend()
    start = time.perf_counter()
    crm = duckdb_crm(data)
    times = {"setup": time.perf_counter() - start}
    for metric in REPORT:
        began = time.perf_counter()
        metric.run(crm).frame.to_parquet(out / f"{metric.name}.parquet")
        times[metric.name] = time.perf_counter() - began
    print(json.dumps({"report": time.perf_counter() - start, "parts": times}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
