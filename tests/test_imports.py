"""`imports.submodule`: one module of a package without the package's own code, until
something else of the package is asked for; then everything, as a plain import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(code: str, *, path: Path | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=None if path is None else {"PYTHONPATH": str(path)})
    return done.stdout.strip()


def test_a_submodule_loads_without_its_package_until_the_package_is_used(tmp_path) -> None:
    package = tmp_path / "heavy"
    package.mkdir()
    (package / "__init__.py").write_text("import sys\nsys.heavy_ran = True\nfrom heavy.core "
                                         "import answer\nBIG = answer * 2\n")
    (package / "core.py").write_text("answer = 21\n")
    (package / "other.py").write_text("x = 1\n")
    src = Path(__file__).resolve().parents[1] / "src"
    code = (f"import sys; sys.path.insert(0, {str(src)!r})\n"
            "from funnelwise.imports import submodule\n"
            "core = submodule('heavy', 'core')\n"
            "import heavy, heavy.other\n"
            "print(core.answer, hasattr(sys, 'heavy_ran'), heavy.other.x,"
            " hasattr(sys, 'heavy_ran'))\n"
            "print(heavy.BIG, hasattr(sys, 'heavy_ran'), heavy.answer is core.answer)\n"
            "from heavy import BIG\n"
            "print(BIG, sorted(heavy.__all__) if hasattr(heavy, '__all__') else None)")
    assert run(code, path=tmp_path).splitlines() == [
        "21 False 1 False", "42 True True", "42 None"]


def test_scipys_special_functions_are_its_core_s_and_the_rest_loads_later() -> None:
    code = ("import sys\n"
            "from funnelwise.imports import submodule\n"
            "core = submodule('scipy.special', '_ufuncs')\n"
            "alone = 'scipy.linalg' not in sys.modules\n"
            "from scipy.special import betainc, betaincinv\n"
            "import scipy.stats\n"
            "print(alone, betainc is core.betainc, 'scipy.linalg' in sys.modules,"
            " round(float(scipy.stats.beta(2, 3).cdf(0.5)), 4),"
            " round(float(betaincinv(2, 3, 0.6875)), 4))")
    assert run(code) == "True True True 0.6875 0.5"


def test_ibis_compiles_for_another_dialect_after_loading_duckdbs_alone() -> None:
    code = ("import sys\n"
            "from funnelwise.io.engines import load_duckdb_backend\n"
            "load_duckdb_backend()\n"
            "alone = 'ibis.backends.sql.compilers.postgres' not in sys.modules\n"
            "import ibis\n"
            "t = ibis.table({'a': 'int64'}, name='t')\n"
            "print(alone, ibis.to_sql(t.filter(t.a > 1), dialect='postgres').split())\n"
            "from ibis.backends.sql.compilers import PostgresCompiler\n"
            "print(PostgresCompiler.__name__)")
    lines = run(code).splitlines()
    assert lines[0].startswith("True [")
    assert "\"t0\".\"a\"" in lines[0] and "'WHERE'," in lines[0]
    assert lines[1] == "PostgresCompiler"
