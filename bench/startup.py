"""Start-up of the funnelwise report, package by package (run once, as a child process).

Each step imports what the report needs on top of the steps before, in this order, and is
timed on its own: duckdb (all the hand-written SQL way loads), pandas (with numpy and
pyarrow, which pandas loads), Ibis, Ibis's DuckDB backend (with its DuckDB compiler alone),
SciPy's special functions (their compiled core, all the shrunk estimates use) and funnelwise's
own modules, each loaded as funnelwise loads it. Their sum is the report's start-up less the
interpreter's own.

Run: python bench/startup.py  (prints JSON: seconds per step)
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("duckdb", ("duckdb",)),
    ("pandas", ("pandas",)),
    ("ibis", ("ibis",)),
    ("ibis_duckdb", ()),
    ("scipy", ()),
    ("funnelwise", ("funnelwise.metrics.winrates", "funnelwise.metrics.funnel",
                    "funnelwise.metrics.cycle")),
)


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def load_ibis_duckdb() -> None:
    from funnelwise.io.engines import load_duckdb_backend

    load_duckdb_backend()


def load_scipy() -> None:
    from funnelwise.imports import submodule

    submodule("scipy.special", "_ufuncs")


LOADERS = {"ibis_duckdb": load_ibis_duckdb, "scipy": load_scipy}


def main() -> None:
    out = {}
    for name, modules in STEPS:
        if name in LOADERS:
            out[name] = timed(LOADERS[name])
        else:
            out[name] = timed(lambda m=modules: [importlib.import_module(x) for x in m])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
