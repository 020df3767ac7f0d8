"""The `funnelwise` console command.

Every module of this package named `*_cmd` or `*_cmds` has a `register(app)` function and is
picked up here, so a new command is one new file. `ORDER` in a module sets its place in the
help (default 50).

`app` has every command (the help lists them all; tests and other callers import it). The
console command itself (`run`) imports only the module of the command it is asked for, found
by reading the `register` functions' source, so a command does not pay for loading every
other command's dependencies; anything else (`--help`, no command, an unknown name) uses `app`.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

import funnelwise.cli
from funnelwise.cli.help import App, Group, version

HELP = ("Manage B2B sales by outcomes: plan backwards from quota, review pipeline on evidence, "
        "coach on leading indicators.")


def show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"funnelwise {version()}")
        raise typer.Exit()


def _root(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=show_version,
        help="Print the version and exit.")] = False) -> None:
    """Manage B2B sales by outcomes: plan backwards from quota, review pipeline on evidence,
    coach on leading indicators."""


def new_app() -> typer.Typer:
    """An empty `funnelwise` command group, with `--version`."""
    built = App(name="funnelwise", no_args_is_help=True, add_completion=False, help=HELP,
                cls=Group)
    built.callback()(_root)
    return built


def module_names() -> list[str]:
    """The command modules of this package, by name."""
    return [m.name for m in pkgutil.iter_modules(funnelwise.cli.__path__)
            if m.name.endswith(("_cmd", "_cmds"))]


def command_modules() -> list[ModuleType]:
    modules = [importlib.import_module(f"funnelwise.cli.{name}") for name in module_names()]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def full_app() -> typer.Typer:
    """The `funnelwise` group with every command registered."""
    built = new_app()
    for module in command_modules():
        module.register(built)
    return built


def registered_names(source: str) -> set[str] | None:
    """Command names a module's `register` gives `app.command(...)`, read from its source.

    None if `register` does anything else, so the caller can fall back to importing it.
    """
    start = source.find("\ndef register(")
    register = ast.parse(source[start:]).body[0] if start >= 0 else None
    if not isinstance(register, ast.FunctionDef):
        return None
    names: set[str] = set()
    for statement in register.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Call)
                and isinstance(call.func.func, ast.Attribute) and call.func.func.attr == "command"
                and len(call.args) == 1 and isinstance(call.args[0], ast.Name)
                and not call.func.keywords):
            return None
        given = call.func.args
        if not given:
            names.add(call.args[0].id.lower().replace("_", "-"))
        elif len(given) == 1 and isinstance(given[0], ast.Constant) and isinstance(
                given[0].value, str):
            names.add(given[0].value)
        else:
            return None
    return names


def module_of(command: str) -> ModuleType | None:
    """The command module registering `command`, or None if none is known to."""
    folder = Path(funnelwise.cli.__path__[0])
    for name in module_names():
        names = registered_names((folder / f"{name}.py").read_text(encoding="utf-8"))
        if names is None:
            return None
        if command in names:
            return importlib.import_module(f"funnelwise.cli.{name}")
    return None


def __getattr__(name: str) -> typer.Typer:
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = full_app()
    globals()["app"] = built
    return built


def run() -> None:
    args = sys.argv[1:]
    module = module_of(args[0]) if args and not args[0].startswith("-") else None
    if module is None:
        __getattr__("app")()
        return
    one = new_app()
    module.register(one)
    one()
