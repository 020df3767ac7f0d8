"""The console command loads only the module of the command asked for, with the same result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import funnelwise.cli
from funnelwise.cli.main import listed, listing_app, module_names, registered_names

FOLDER = Path(funnelwise.cli.__path__[0])


def test_every_command_module_is_read_without_importing_it() -> None:
    names = {n: registered_names((FOLDER / f"{n}.py").read_text(encoding="utf-8"))
             for n in module_names()}
    assert all(found for found in names.values()), names
    assert names["metrics_cmds"] == {"winrates", "funnel", "cycle"}
    assert names["import_cmd"] == {"import"}


def test_a_register_doing_anything_else_is_not_guessed() -> None:
    assert registered_names("def register(app):\n    app.add_typer(sub)\n") is None
    assert registered_names("x = 1\n") is None


def run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=False)


@pytest.mark.parametrize("args", [["winrates", "--help"], ["cycle", "--format", "json"],
                                  ["nonsense"], [], ["--help"], ["--version"],
                                  ["--help", "winrates"]])
def test_the_console_command_answers_like_the_full_app(args: list[str], tiny_ws) -> None:
    if "--format" in args:
        args = [*args, "--workspace", str(tiny_ws.path)]
        tiny_ws.close()
    one = run("import sys; sys.argv[0] = 'funnelwise'; from funnelwise.cli.main import run; "
              "run()", *args)
    full = run("import sys; sys.argv[0] = 'funnelwise'; from funnelwise.cli.main import app; "
               "app()", *args)
    assert (one.returncode, one.stdout, one.stderr) == (full.returncode, full.stdout,
                                                         full.stderr)


def test_a_metric_command_does_not_load_the_other_commands() -> None:
    loaded = run("import sys; sys.argv = ['funnelwise', 'winrates', '--help']\n"
                 "from funnelwise.cli.main import run\n"
                 "try:\n    run()\nexcept SystemExit:\n    pass\n"
                 "print(sorted(m for m in sys.modules if m.startswith('funnelwise.cli.')))")
    modules = loaded.stdout.strip().splitlines()[-1]
    assert "metrics_cmds" in modules
    assert "forecast_cmd" not in modules and "plan_cmds" not in modules


def loaded_after(*args: str) -> list[str]:
    """The modules a run of the console command with `args` has loaded."""
    code = ("import sys; sys.argv = ['funnelwise', *sys.argv[1:]]\n"
            "from funnelwise.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)))")
    done = run(code, *args)
    return done.stdout.strip().splitlines()[-1].split()


def test_the_help_is_listed_without_loading_a_command() -> None:
    assert listing_app() is not None
    modules = loaded_after("--help")
    assert not [m for m in modules if m.endswith(("_cmd", "_cmds"))]
    heavy = {"pandas", "numpy", "ibis", "duckdb", "scipy", "pydantic"}
    assert not heavy & {m.split(".")[0] for m in modules}


def test_a_command_module_is_listed_from_its_source() -> None:
    source = ('ORDER = 7\n\ndef shown():\n    """First line.\n\n    More."""\n\n'
              'def register(app):\n    app.command("show")(shown)\n')
    module = listed(source)
    assert module is not None
    assert module.order == 7
    assert module.commands == (("show", "First line.\n\n    More."),)
    assert listed(source.replace('app.command("show")(shown)', 'app.command()(elsewhere)')) is None


def test_winrates_as_json_loads_one_compiler_and_scipys_core(tiny_ws) -> None:
    path = str(tiny_ws.path)
    tiny_ws.close()
    modules = set(loaded_after("winrates", "--format", "json", "--workspace", path))
    assert {"ibis.backends.sql.compilers.duckdb", "scipy.special._ufuncs"} <= modules
    assert "ibis.backends.sql.compilers.postgres" not in modules
    assert "scipy.linalg" not in modules
    assert "funnelwise.presentation.tables" in modules  # imported, but no table is laid out
