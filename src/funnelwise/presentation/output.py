"""What a command prints, in every format at once: `Output`.

A command builds one `Output` (or hands `cli.common.emit` a `MetricResult` or several, which
become one here) and `emit` prints the part the user asked for:

- `tables`: every table by name, at full precision, for `--format csv` (one table as plain
  CSV; several as one CSV with a first `table` column, or one file per table with `--out`);
- `doc`: the JSON document (`frames.plain` makes it JSON-safe; ids kept, labels beside them);
- `show`: what the terminal shows, in order: `tables.Grid`s, lines of text, notes;
- `explain`: the filters and SQL behind the figures (`--explain`), as text or as a function
  giving it: compiling a review's SQL takes seconds, so it is written only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.text import Text

from funnelwise.frames import csv_text, stacked_csv
from funnelwise.metrics.result import MetricResult
from funnelwise.presentation.tables import explain as explain_text
from funnelwise.presentation.tables import view

Named = tuple[str, pd.DataFrame]


@dataclass(frozen=True)
class Output:
    """One command's output: CSV tables, the JSON document, the terminal view, --explain."""

    tables: tuple[Named, ...]
    doc: Any
    show: tuple[RenderableType, ...]
    explain: str | Callable[[], str] = ""

    def explained(self) -> str:
        """The --explain text (compiled now if it was given as a function)."""
        return self.explain if isinstance(self.explain, str) else self.explain()

    def csv(self) -> str:
        """Every table as one CSV text: a lone table as it is, several stacked under a first
        `table` column naming each row's table."""
        if len(self.tables) == 1:
            return csv_text(self.tables[0][1])
        return stacked_csv(self.tables)

    def csv_files(self) -> dict[str, str]:
        """Every table as its own CSV text, by file name (`<table>.csv`)."""
        return {f"{name}.csv": csv_text(frame) for name, frame in self.tables}


def line(text: str, style: str = "") -> Text:
    """A line for the terminal, never read as markup (`[spark]` stays `[spark]`)."""
    return Text(text, style=style)


def notes(texts: Sequence[str]) -> tuple[Text, ...]:
    return tuple(line(t, "dim") for t in texts)


def of_result(result: MetricResult, *, names: Mapping[str, str] | None = None,
              title: str | None = None, laid_out: bool = True) -> Output:
    """One metric result: its rows as JSON, its frame as CSV, its view on the terminal and its
    SQL (compiled only if --explain reads it); the view is left out when not `laid_out`."""
    return Output(tables=((result.name, result.frame),), doc=result.records(),
                  show=(view(result, title=title, names=names),) if laid_out else (),
                  explain=partial(explain_text, result))


def results_doc(results: Sequence[MetricResult]) -> dict[str, Any]:
    """Several results as the one JSON object `--format json` prints: each result's rows
    under its name, then every note."""
    doc: dict[str, Any] = {r.name: r.records() for r in results}
    doc["notes"] = [n for r in results for n in r.notes]
    return doc


def of_results(results: Sequence[MetricResult], *, names: Mapping[str, str] | None = None,
               doc: Any = None, laid_out: bool = True) -> Output:
    """Several results: every table in CSV, one JSON object (`results_doc` unless `doc` is
    given), the views one after another (none when not `laid_out`) and the SQL, compiled only
    when read."""
    return Output(tables=tuple((r.name, r.frame) for r in results),
                  doc=results_doc(results) if doc is None else doc,
                  show=tuple(view(r, names=names) for r in results) if laid_out else (),
                  explain=lambda: "".join(explain_text(r) for r in results))
