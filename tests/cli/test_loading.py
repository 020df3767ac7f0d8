"""The console command loads only the module of the command asked for, with the same result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import funnelwise.cli
from funnelwise.cli.main import module_names, registered_names

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
                                  ["nonsense"], []])
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
