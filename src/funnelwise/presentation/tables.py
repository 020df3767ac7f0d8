"""Terminal tables that fit the terminal without cutting a number or an id.

A view is a tuple of `Col`s: a header, how to render a row (with `funnelwise.formats`), and
how the column behaves when the terminal is narrow. `Grid` lays the rows out at print time:

1. every column gets the width of its widest cell: numbers, ids and money never wrap and are
   never shortened; text columns marked `wrap` (names, flags, reasons) wrap at spaces, never
   inside a word, and keep at least `COMFORT` characters; headers wrap at spaces;
2. when even that does not fit, columns with a `priority` above 0 step aside, the highest
   first, and a note under the table names them (`--format csv` has every column);
3. when the essential columns alone do not fit, each row is shown as a block of
   `Header: value` lines instead.

JSON and CSV carry every column at full precision; see `presentation.output`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from funnelwise import formats as fmt
from funnelwise.metrics.result import MetricResult

Row = dict[str, Any]
GAP = 2  # the space between two columns: one padding, one divider
COMFORT = 12  # wrapped text is given at least this width before optional columns step aside


@dataclass(frozen=True)
class Col:
    """A displayed column: header, how to render a row, right-aligned (`numeric`) or not, its
    `priority` (0: always shown; higher numbers step aside first on a narrow terminal),
    whether its text may `wrap` at spaces, and for wrapped text the width it keeps before
    optional columns step aside (`room`, default `COMFORT`)."""

    header: str
    render: Callable[[Row], str]
    numeric: bool = True
    priority: int = 0
    wrap: bool = False
    room: int = 0


def field(name: str, f: Callable[[Any], str]) -> Callable[[Row], str]:
    return lambda r: f(r.get(name))


def _widest(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


@dataclass(frozen=True)
class Layout:
    """Which columns are shown and how wide each is; `dropped` are the headers left out."""

    shown: tuple[int, ...]
    widths: tuple[int, ...]
    dropped: tuple[str, ...]


def layout(cols: Sequence[Col], cells: Sequence[Sequence[str]], width: int) -> Layout | None:
    """The widths that fit `width`, or None when the essential columns alone do not."""
    n = len(cols)
    data = [[row[i] for row in cells] for i in range(n)]
    natural = [max([cell_len(c.header), *map(_widest, data[i])]) for i, c in enumerate(cols)]
    least = [max([_longest_word(c.header),
                  *(map(_longest_word, data[i]) if c.wrap else map(_widest, data[i])),
                  min(natural[i], c.room or COMFORT) if c.wrap else 0])
             for i, c in enumerate(cols)]
    shown = list(range(n))

    def total(ws: Iterable[int]) -> int:
        return sum(ws) + GAP * (len(shown) - 1)

    while total(least[i] for i in shown) > width:
        optional = [i for i in shown if cols[i].priority > 0]
        if not optional:
            return None
        shown.remove(max(optional, key=lambda i: (cols[i].priority, i)))
    widths = {i: least[i] for i in shown}
    spare = width - total(widths.values())
    # headers on one line first, then text unwrapped: the cheapest columns first, so that as
    # few columns as possible wrap
    for wrap in (False, True):
        for i in sorted((i for i in shown if cols[i].wrap == wrap),
                        key=lambda i: (natural[i] - least[i], i)):
            give = min(spare, natural[i] - widths[i])
            widths[i] += give
            spare -= give
    dropped = tuple(cols[i].header for i in range(n) if i not in widths)
    return Layout(tuple(shown), tuple(widths[i] for i in shown), dropped)


@dataclass(frozen=True)
class Grid:
    """A titled table of rendered cells, laid out when printed (`layout`)."""

    title: str
    cols: tuple[Col, ...]
    cells: tuple[tuple[str, ...], ...]
    ends: frozenset[int] = frozenset()
    lines: bool = False
    notes: tuple[str, ...] = ()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        fitted = layout(self.cols, self.cells, width)
        if fitted is None:
            yield from self._blocks()
        else:
            yield self._table(fitted)
            if fitted.dropped:
                yield Text(f"Not shown at {width} columns: {', '.join(fitted.dropped)} (a "
                           "wider terminal shows them; --format csv has every column)",
                           style="dim")
        for note in self.notes:
            yield Text(note, style="dim")

    def _table(self, fitted: Layout) -> Table:
        table = Table(title=self.title or None, title_justify="left", box=box.SIMPLE_HEAD,
                      pad_edge=False, collapse_padding=True, show_edge=False,
                      show_lines=self.lines)
        for i, w in zip(fitted.shown, fitted.widths, strict=True):
            c = self.cols[i]
            table.add_column(c.header, justify="right" if c.numeric else "left", width=w,
                             overflow="fold")
        for j, row in enumerate(self.cells):
            table.add_row(*(Text(row[i]) for i in fitted.shown), end_section=j in self.ends)
        return table

    def _blocks(self) -> Iterator[Text]:
        """Each row as its first cell, then `Header: value` lines: a table too wide for the
        terminal even with its optional columns left out."""
        if self.title:
            yield Text(self.title, style="italic")
        for row in self.cells:
            yield Text(row[0], style="bold")
            for c, value in zip(self.cols[1:], row[1:], strict=True):
                if value:
                    yield Text(f"  {c.header}: {value}")


def grid(title: str, cols: Sequence[Col], rows: Iterable[Row], *,
         ends: Callable[[Row], bool] | None = None, lines: bool = False,
         notes: Sequence[str] = ()) -> Grid:
    """Render `rows` through `cols` into a `Grid` (`ends`: rows that close a section)."""
    rows = list(rows)
    cells = tuple(tuple(c.render(r) for c in cols) for r in rows)
    last = frozenset(j for j, r in enumerate(rows) if ends and ends(r))
    return Grid(title=title, cols=tuple(cols), cells=cells, ends=last, lines=lines,
                notes=tuple(notes))


def with_names(rows: Iterable[Row], names: Mapping[str, str], keys: Sequence[str]) -> list[Row]:
    """The rows with the rep ids in `keys` shown as 'Name (id)' (rows are copied)."""
    out = []
    for r in rows:
        r = dict(r)
        for k in keys:
            if k in r and r[k] is not None and str(r[k]) in names:
                r[k] = fmt.named(r[k], names[str(r[k])])
        out.append(r)
    return out


def rep_keys(result: MetricResult) -> tuple[str, ...]:
    """The columns of a result that hold rep ids: `rep`, and `key` when grouped by rep."""
    return ("rep", "key") if result.filters.get("by") == "rep" else ("rep",)


GROUP = Col("Group", field("key", fmt.text), False, wrap=True)

VIEWS: dict[str, Sequence[Col]] = {
    "winrates": (
        GROUP,
        Col("Won", field("won", fmt.count)), Col("Lost", field("lost", fmt.count)),
        Col("Win rate", field("win_rate", fmt.pct), priority=2),
        Col("Estimate (interval)", lambda r: fmt.estimate(
            r["win_rate_est"], r["win_rate_lo"], r["win_rate_hi"]), wrap=True),
        Col("By value", field("value_win_rate", fmt.pct), priority=1),
        Col("Won value", field("won_value", fmt.money)),
    ),
    "funnel": (
        GROUP,
        Col("Step", field("step", fmt.words), False, wrap=True),
        Col("Count", field("count", fmt.count)),
        Col("Rate to next", field("rate", fmt.pct), priority=2),
        Col("Estimate (interval)", lambda r: fmt.estimate(
            r["rate_est"], r["rate_lo"], r["rate_hi"]), wrap=True),
        Col("Open", field("open", fmt.count), priority=1),
        Col("Method", field("method", fmt.words), False, priority=3, wrap=True),
    ),
    "cycle": (
        GROUP,
        Col("Won deals", field("won", fmt.count)),
        Col("p25 days", field("p25_days", fmt.days)),
        Col("Median days", field("median_days", fmt.days)),
        Col("p75 days", field("p75_days", fmt.days)),
        Col("p90 days", field("p90_days", fmt.days)),
    ),
}

TITLES = {
    "winrates": "Win rates (closed deals)",
    "funnel": "Funnel: counts per step and rate into the next",
    "cycle": "Sales cycle of won deals (days from creation to win)",
}


def register_view(name: str, title: str, cols: Sequence[Col]) -> None:
    """How the terminal shows results named `name` (JSON and CSV always carry every column)."""
    VIEWS[name] = tuple(cols)
    TITLES[name] = title


def view(result: MetricResult, *, title: str | None = None,
         names: Mapping[str, str] | None = None) -> Grid:
    """A result as the terminal shows it: its registered view (every column as text for a
    result without one), reps as 'Name (id)', its notes beneath."""
    if result.name not in VIEWS:
        _load_views()
    cols = VIEWS.get(result.name) or [Col(c, field(c, fmt.text), wrap=True)
                                      for c in result.frame.columns]
    rows = with_names(result.records(), names or {}, rep_keys(result))
    return grid(title or TITLES.get(result.name, result.name), cols, rows, notes=result.notes)


def _load_views() -> None:
    """The views the other presentation modules register (as a third party's would)."""
    from funnelwise.presentation import coach, forecast, pipeline  # noqa: F401


def explain(result: MetricResult) -> str:
    """The filters and the SQL behind a result (`--explain`)."""
    lines = [f"-- {result.name}: filters"]
    lines += [f"--   {k}: {v}" for k, v in result.filters.items()]
    lines += [f"-- {n}" for n in result.notes]
    return "\n".join(lines) + "\n" + result.sql + "\n"
