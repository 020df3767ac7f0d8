"""The `funnelwise` console command.

Every module of this package named `*_cmd` or `*_cmds` has a `register(app)` function and is
picked up here, so a new command is one new file. `ORDER` in a module sets its place in the
help (default 50).

`app` has every command (the help lists them all; tests and other callers import it). The
console command itself (`run`) imports only the module of the command it is asked for, found
by reading the `register` functions' source, so a command does not pay for loading every
other command's dependencies. The list of commands (`--help`, `--version`, no command) is read
from the same sources, each command's help from its function's docstring, so it loads no
command module; anything else (an unknown name) uses `app`.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
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
    found = registrations(register) if isinstance(register, ast.FunctionDef) else None
    return None if found is None else {name for name, _ in found}


def registrations(register: ast.FunctionDef) -> list[tuple[str, str]] | None:
    """(command name, function name) for each `app.command(...)(function)` of `register`;
    None if it does anything else."""
    found = []
    for statement in register.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Call)
                and isinstance(call.func.func, ast.Attribute) and call.func.func.attr == "command"
                and len(call.args) == 1 and isinstance(call.args[0], ast.Name)
                and not call.func.keywords):
            return None
        function, given = call.args[0].id, call.func.args
        if not given:
            found.append((function.lower().replace("_", "-"), function))
        elif len(given) == 1 and isinstance(given[0], ast.Constant) and isinstance(
                given[0].value, str):
            found.append((given[0].value, function))
        else:
            return None
    return found


@dataclass(frozen=True)
class Listed:
    """A command module as the help lists it: its `ORDER`, and each command's name and the
    docstring of the function its `register` gives `app.command`."""

    order: int
    commands: tuple[tuple[str, str | None], ...]


def listed(source: str) -> Listed | None:
    """A command module's place and commands in the help, read from its source; None if its
    `register` does anything else, or registers a function it does not define."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found = registrations(functions["register"]) if "register" in functions else None
    if found is None or any(function not in functions for _, function in found):
        return None
    order = 50
    for node in tree.body:
        if (isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["ORDER"]
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int)):
            order = node.value.value
    return Listed(order=order, commands=tuple(
        (name, ast.get_docstring(functions[function], clean=False)) for name, function in found))


def _help_only(doc: str | None) -> Callable[[], None]:
    """A stand-in command function with `doc`: listed in the help, never run."""
    def command() -> None:
        raise typer.Exit(1)
    command.__doc__ = doc
    return command


def listing_app() -> typer.Typer | None:
    """The `funnelwise` group with every command listed from its module's source (as `app`
    lists them) but none loaded; None if a module cannot be read that way."""
    folder = Path(funnelwise.cli.__path__[0])
    found = []
    for name in module_names():
        module = listed((folder / f"{name}.py").read_text(encoding="utf-8"))
        if module is None:
            return None
        found.append((module.order, f"funnelwise.cli.{name}", module))
    built = new_app()
    for _, _, module in sorted(found, key=lambda m: m[:2]):
        for command, doc in module.commands:
            built.command(command)(_help_only(doc))
    return built


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


LISTING = ("--help", "--version")
"""The first arguments that only list the commands (or print the version)."""


def run() -> None:
    args = sys.argv[1:]
    if not args or args[0] in LISTING:
        listing = listing_app()
        if listing is not None:
            listing()
            return
    module = module_of(args[0]) if args and not args[0].startswith("-") else None
    if module is None:
        __getattr__("app")()
        return
    one = new_app()
    module.register(one)
    one()
