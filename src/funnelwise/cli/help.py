"""How `--help` reads: a value's form instead of a Python type, choices spelled out, no markup.

Typer shows each option's type as a Python annotation (`<bool>`, `<str>`, `<list[str]>`).
`Command` shows instead what to type: nothing after a flag (`--explain`), the choices of an
enumerated option (`table|json|csv`), `YYYY-MM-DD` for a day, `INTEGER`, `NUMBER`, `TEXT` or
`PATH`; an option given `metavar=` keeps it. Help text is never read as Rich markup, so
`[targets]` and `'funnelwise[spark]'` print as written.

`App.command` takes a paragraph of a command's docstring that starts with "Example:" out of
the description and prints it as the help's last lines.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup

EXAMPLE = "Example:"
NAMES = {"int": "INTEGER", "int range": "INTEGER", "float": "NUMBER", "float range": "NUMBER",
         "str": "TEXT", "path": "PATH", "file": "FILE", "directory": "FOLDER",
         "%Y-%m-%d": "YYYY-MM-DD", "datetime": "YYYY-MM-DD", "bool": ""}


def version() -> str:
    """The installed version of funnelwise."""
    from importlib import metadata  # only `--version` reads it

    try:
        return metadata.version("funnelwise")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


def readable(label: str) -> str:
    """A value's form from Typer's label: `<list[str]>` -> `TEXT`, `<int range>` ->
    `INTEGER`, `<table|json|csv>` -> `table|json|csv`."""
    text = label.strip().removeprefix("<").removesuffix(">")
    if text.startswith("list[") and text.endswith("]"):
        text = text[5:-1]
    if "," in text:
        return " ".join(readable(part) for part in text.split(","))
    return NAMES.get(text, NAMES.get(text.lower(), text))


def tidy(params: list[Any], ctx: Any) -> list[Any]:
    """Each option's metavar set to its readable form and its help escaped, once."""
    for param in params:
        if getattr(param, "_tidied", False):
            continue
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif isinstance(param, TyperArgument):  # its name shows; its type column is the form
            form = readable(param.display_type(ctx))
            param.display_type_rich = lambda ctx, form=form: form  # type: ignore[method-assign,misc]
        elif param.metavar is None and hasattr(param, "display_type"):
            param.metavar = readable(param.display_type(ctx))
        if getattr(param, "help", None):
            param.help = escape(param.help)
        param._tidied = True
    return params


class Command(TyperCommand):
    """A command whose help shows values' forms and is never read as markup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for key in ("help", "epilog", "short_help"):
            if kwargs.get(key):
                kwargs[key] = escape(kwargs[key])
        super().__init__(*args, **kwargs)

    def get_params(self, ctx: Any) -> list[Any]:
        return tidy(super().get_params(ctx), ctx)


class Group(TyperGroup):
    """The `funnelwise` group: its own options (`--version`, `--help`) read like a command's."""

    def get_params(self, ctx: Any) -> list[Any]:
        return tidy(super().get_params(ctx), ctx)


def split_example(doc: str | None) -> tuple[str, str]:
    """A docstring's description and its "Example:" paragraph (empty when it has none)."""
    text = inspect.cleandoc(doc or "")
    paragraphs = [_flowed(p) for p in text.split("\n\n")]
    found = [p for p in paragraphs if p.startswith(EXAMPLE)]
    rest = "\n\n".join(p for p in paragraphs if not p.startswith(EXAMPLE))
    return rest, "\n\n".join(found)


def _flowed(paragraph: str) -> str:
    """A paragraph of prose as one line, for the help to wrap at the terminal's width (its
    source line breaks would otherwise show); a list or an indented block keeps its lines."""
    lines = paragraph.split("\n")
    if any(line.startswith(("-", "*", " ")) for line in lines):
        return paragraph
    return " ".join(lines)


class App(typer.Typer):
    """`typer.Typer` whose commands are `Command`s, their example printed last."""

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[Any], Any]:
        def decorator(f: Callable[..., Any]) -> Any:
            described, example = split_example(f.__doc__)
            options = {"cls": Command, "help": described, **kwargs}
            if example:
                options.setdefault("epilog", example)
            return typer.Typer.command(self, name, **options)(f)
        return decorator
