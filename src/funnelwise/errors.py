"""Errors: user errors (bad input, with a fix to propose) are kept apart from internal bugs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class FunnelwiseError(Exception):
    """Base class for every error funnelwise raises on purpose."""


class UserError(FunnelwiseError):
    """Something the user can fix: a bad file, flag, value or configuration."""


class InternalError(FunnelwiseError):
    """A bug in funnelwise: please report it."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located to the cell.

    `row` is the 1-based data row (the header is not counted), so row 1 is line 2 of a CSV.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""

    def render(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        text = f"{where}: "
        if self.value is not None:
            text += f"{self.value!r} "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ValidationError(UserError):
    """All the problems found in one import, numbered; nothing was written."""

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.total} problem(s) found; nothing was imported:"]
        lines += [f"  {i}. {p.render()}" for i, p in enumerate(self.problems, start=1)]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' hint for an unknown name, or '' when nothing is close."""
    options = list(choices)
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in options}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f"did you mean {close[0]!r}?" if close else ""


def unknown_name(kind: str, value: str, choices: Iterable[str]) -> UserError:
    """A user error for an unknown name, listing the known ones and the closest match."""
    options = sorted(choices)
    hint = did_you_mean(value, options)
    known = ", ".join(options)
    return UserError(f"unknown {kind} {value!r}; {hint + ' ' if hint else ''}known: {known}")
