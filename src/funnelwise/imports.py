"""Loading only the part of a large package a command uses.

Some packages load everything they hold when any part of them is imported: Ibis's package of
SQL compilers loads the compilers of twenty dialects (each building its sqlglot dialect) where
funnelwise compiles for DuckDB or Spark; `scipy.special` loads SciPy's linear algebra and
array-API layers where the shrinkage needs three functions of its compiled core. `submodule`
imports one module of such a package without running the package's own code first.

The package is put in place unrun: a module of it (`compilers.duckdb`, `special._ufuncs`) is
imported when first asked for; any other name (a function, a class, `__all__`) runs the
package's own code first, which loads everything, as a plain import would have. Code that
imports the package later gets the same answers, only later.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any


def submodule(package: str, name: str) -> ModuleType:
    """`package.name`, imported without running `package`'s own code unless it already ran
    (or `package` is not a plain package on disk, when it is imported as usual)."""
    if package not in sys.modules:
        _unrun(package)
    return importlib.import_module(f"{package}.{name}")


def _unrun(package: str) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    loader, module = spec.loader, importlib.util.module_from_spec(spec)
    ran: list[bool] = []
    lock = threading.RLock()

    def attribute(name: str) -> Any:
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        if importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")
        with lock:
            if not ran:
                ran.append(True)
                loader.exec_module(module)
        if name in module.__dict__:
            return module.__dict__[name]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    module.__dict__["__getattr__"] = attribute
    sys.modules[package] = module
    parent, _, child = package.rpartition(".")
    if parent:  # bound in its parent, as an import binds it
        setattr(sys.modules[parent], child, module)
