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
    """A problem in an input file, located to the cell, or one kind of problem in one column
    of one file over many rows (`count` rows, the first `rows`, the commonest `values` of
    `distinct` different ones): one entry, one fix.

    `row` is the 1-based data row (the header is not counted), so row 1 is line 2 of a CSV.
    A `warning` is said and imported; anything else refuses the import.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str = ""
    count: int = 1
    rows: tuple[int, ...] = ()
    values: tuple[str, ...] = ()
    distinct: int = 0
    warning: bool = False

    def render(self) -> str:
        if self.count > 1:
            return self._render_group()
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        text = f"{where}: "
        if self.value is not None:
            text += f"{self.value!r} "
        return text + self.message + (f" ({self.hint})" if self.hint else "")

    def _render_group(self) -> str:
        where = f"{self.count:,} rows of {self.file}"
        if self.column:
            where += f", column {self.column}"
        shown = ""
        if self.rows:
            more = ", ..." if self.count > len(self.rows) else ""
            shown = f" (rows {', '.join(map(str, self.rows))}{more})"
        if not self.values:
            subject = "the value" if self.rows else ""
        elif self.distinct <= 1:
            subject = repr(self.values[0])
        else:
            others = self.distinct - len(self.values)
            listed = ", ".join(map(repr, self.values)) + (f" and {others:,} other values"
                                                           if others > 0 else "")
            subject = f"{listed}: each"
        text = f"{where}{shown}: {subject} {self.message}".replace(":  ", ": ")
        return text + (f" ({self.hint})" if self.hint else "")


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


def did_you_mean(value: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """A 'did you mean ...?' hint for an unknown name, or '' when nothing is close.

    `cutoff` is difflib's similarity (0.6 for names; a higher one where a near miss would
    mislead, such as `closed` for `Closed Won`)."""
    options = list(choices)
    close = difflib.get_close_matches(value, options, n=1, cutoff=cutoff)
    if not close:
        lowered = {c.lower(): c for c in options}
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
        close = [lowered[c] for c in close]
    return f"did you mean {close[0]!r}?" if close else ""


def unknown_name(kind: str, value: str, choices: Iterable[str]) -> UserError:
    """A user error for an unknown name, listing the known ones and the closest match."""
    options = sorted(choices)
    hint = did_you_mean(value, options)
    known = ", ".join(options)
    return UserError(f"unknown {kind} {value!r}; {hint + ' ' if hint else ''}known: {known}")
