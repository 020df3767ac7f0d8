"""The `funnelwise` console command.

Every module of this package named `*_cmd` or `*_cmds` has a `register(app)` function and is
picked up here, so a new command is one new file. `ORDER` in a module sets its place in the
help (default 50).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import typer

import funnelwise.cli

app = typer.Typer(
    name="funnelwise", no_args_is_help=True, add_completion=False,
    help="Manage B2B sales by outcomes: plan backwards from quota, review pipeline on evidence, "
         "coach on leading indicators.",
)


def command_modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(funnelwise.cli.__path__)
             if m.name.endswith(("_cmd", "_cmds"))]
    modules = [importlib.import_module(f"funnelwise.cli.{name}") for name in names]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


for _module in command_modules():
    _module.register(app)


def run() -> None:
    app()
