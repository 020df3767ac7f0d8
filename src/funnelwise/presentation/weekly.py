"""The weekly views: what changed in the pipeline (`changes`) and the reps' forecast calls
against the model and their record (`calls`), for the terminal, JSON and CSV."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from funnelwise import formats as fmt
from funnelwise.frames import records
from funnelwise.metrics.dimensions import ALL
from funnelwise.pipeline.calls import Calls
from funnelwise.pipeline.changes import Changes
from funnelwise.presentation.output import Output, line, notes
from funnelwise.presentation.tables import Col, Row, field, grid

LINE_WORDS = {
    "start": "Open value at the start", "created": "+ Created",
    "pulled_in": "+ Pulled into the period", "pushed_out": "- Pushed out of it",
    "won": "- Won", "lost": "- Lost", "amount_change": "+/- Amount changes",
    "moved_in": "+ Moved in (new owner)", "moved_out": "- Moved out (new owner)",
    "end": "Open value at the end",
}
"""Each waterfall line in words, with the sign it adds with."""
SHORT = {"start": "Start", "created": "Created", "pulled_in": "Pulled in",
         "pushed_out": "Pushed out", "won": "Won", "lost": "Lost", "amount_change": "Amount",
         "moved_in": "Moved in", "moved_out": "Moved out", "end": "End"}
"""The same lines as column headers and in the list of deals (values carry their sign)."""
MOVE_WORDS = {"moved_forward": "moved forward a stage", "moved_back": "moved back a stage"}


def _who(key: Any, names: Mapping[str, str]) -> str:
    return fmt.named(key, names.get(str(key))) if key != ALL else "Everyone"


# --------------------------------------------------------------------------- changes


def _wide(c: Changes) -> pd.DataFrame:
    """One row per group, one column per waterfall line (values)."""
    table = c.lines.pivot(index="key", columns="line", values="value")
    return table.reindex(columns=list(LINE_WORDS)).reset_index()


def _lines_grid(c: Changes, names: Mapping[str, str]) -> Any:
    used = c.lines.groupby("line")["deals"].sum()
    shown = [ln for ln in LINE_WORDS if ln in ("start", "end") or used.get(ln, 0) > 0]
    if c.by == "all":
        rows = [{"line": LINE_WORDS[r["line"]], "deals": r["deals"], "value": r["value"]}
                for r in c.lines.to_dict(orient="records") if r["line"] in shown]
        return grid("", (Col("", field("line", fmt.text), False),
                         Col("Deals", field("deals", fmt.count)),
                         Col("Value", field("value", fmt.money))), rows)
    wide = _wide(c)
    cols = [Col(c.by.capitalize(), lambda r: _who(r["key"], names), False, wrap=True)]
    # a waterfall with a line left out does not add up: all or, too narrow, one block per group
    cols += [Col(SHORT[ln], field(ln, fmt.money)) for ln in shown]
    return grid("", cols, records(wide))


DEALS = (
    Col("Line", lambda r: SHORT.get(r["line"], str(r["line"])), False),
    Col("Deal", field("opportunity_id", fmt.text), False),
    Col("Value", field("value", fmt.money)),
    Col("Stage", lambda r: _change(r, "stage", fmt.text), False, priority=1, wrap=True),
    Col("Amount", lambda r: _change(r, "amount", fmt.money), False, priority=2),
    Col("Expected close", lambda r: _change(r, "expected_close", fmt.date), False, priority=1),
)


def _change(r: Row, name: str, f: Any) -> str:
    before = r.get(f"{name}_from")
    after = r.get(f"{name}_to")
    a, b = f(before), f(after)
    if fmt.missing(before):
        return b
    if fmt.missing(after) or a == b:
        return a
    return f"{a} -> {b}"


def changes_doc(c: Changes) -> dict[str, Any]:
    return {"from": c.start.isoformat(), "to": c.end.isoformat(), "period": c.period.record(),
            "by": c.by, "lines": records(c.lines), "moves": records(c.moves),
            "deals": records(c.deals)}


def changes_view(c: Changes, *, names: Mapping[str, str], deals: bool = False) -> Output:
    """The waterfall (one table for everyone, or one row per group), the stage moves beside
    it and, with `deals`, every deal behind every line."""
    show: list[Any] = [line(f"The pipeline of {c.period.label} from {fmt.date(c.start)} to "
                            f"{fmt.date(c.end)}", "bold"), _lines_grid(c, names)]
    for r in c.moves.to_dict(orient="records"):
        who = "" if c.by == "all" else f"{_who(r['key'], names)}: "
        show.append(line(f"{who}{fmt.count(r['deals'])} deals worth {fmt.money(r['value'])} "
                         f"{MOVE_WORDS[r['move']]}"))
    if deals and len(c.deals):
        order = c.deals["line"].map({ln: i for i, ln in enumerate(LINE_WORDS)})
        rows = records(c.deals.assign(_o=order).sort_values(["_o", "value"]).drop(columns="_o"))
        show.append(grid("The deals behind each line", DEALS, rows))
    elif len(c.deals):
        show.append(line(f"{fmt.count(len(c.deals))} deal movements: --deals lists them"))
    show += notes([f"the pipeline of {c.period.label}: open deals expected to close by "
                   f"{fmt.date(c.period.end)}, as of the start of each day"])
    return Output(tables=(("lines", c.lines), ("moves", c.moves), ("deals", c.deals)),
                  doc=changes_doc(c), show=tuple(show))


# --------------------------------------------------------------------------- calls


def band(r: Row, name: str) -> str:
    """The model's P50 (P10-P90) of a row's `name` deals (commit or best_case), in money."""
    p10, p50, p90 = (r.get(f"model_{name}_{q}") for q in ("p10", "p50", "p90"))
    if fmt.missing(p50):
        return fmt.MISSING
    return f"{fmt.money(p50)} ({fmt.money(p10)}-{fmt.money(p90)})"


SOURCES = {"crm": "deal categories", "submitted": "submitted", "none": "no call"}
NEEDS = "calls need forecast categories kept by repeated imports or a forecast_calls table"
"""What a call is read from, said wherever there is none."""
NO_RECORD = f"No past calls to compare with what was won: {NEEDS}"

CALLS = (
    Col("Who", field("who", fmt.text), False, wrap=True),
    Col("Call from", lambda r: SOURCES.get(str(r.get("source")), ""), False, priority=2),
    Col("Won so far", field("won_so_far", fmt.money)),
    Col("Commit", field("commit", fmt.money)),
    Col("Model: commit deals P50 (P10-P90)", lambda r: band(r, "commit"), priority=1),
    Col("Best case", field("best_case", fmt.money), priority=1),
    Col("Model: best case P50 (P10-P90)", lambda r: band(r, "best_case"), priority=2),
)
RECORD = (
    Col("Rep", field("who", fmt.text), False, wrap=True),
    Col("Periods", field("periods", fmt.count)),
    Col("Called / won", lambda r: f"{fmt.multiple(r['bias']).rstrip('x')} "
        f"({fmt.multiple(r['bias_lo']).rstrip('x')}-{fmt.multiple(r['bias_hi'])})"),
    Col("Commit reached", field("hit_rate", fmt.pct), priority=1),
    Col("Reading", field("reading", fmt.text), False, wrap=True),
)


def off_record(record: pd.DataFrame, names: Mapping[str, str]) -> str:
    """The reps whose record reads optimistic or sandbagging, in words ('' when none)."""
    flagged = record[record["reading"] != "calls what is won"]
    return ", ".join(f"{_who(r.rep, names)} {r.reading}" for r in flagged.itertuples())


def calls_doc(c: Calls) -> dict[str, Any]:
    return {"period": c.period.record(), "as_of": c.as_of.isoformat(),
            "calls": records(c.calls), "record": records(c.record), "notes": list(c.notes)}


def calls_view(c: Calls, *, names: Mapping[str, str]) -> Output:
    """The calls per rep (and roll-ups) beside the model's view of the same deals, then each
    rep's record: called / won with its interval, and who sandbags or is optimistic."""
    rows = [{**r, "who": _who(r["key"], names)} for r in records(c.calls)]
    title = f"Calls for {c.period.label} as of {fmt.date(c.as_of)}"
    reps = [r for r in rows if r["level"] == "rep"]
    last = reps[-1] if reps else None
    show: list[Any] = [grid(title, CALLS, rows, ends=lambda r: r is last)]
    if len(c.record):
        rec = [{**r, "who": _who(r["rep"], names)} for r in records(c.record)]
        show.append(grid("Each rep's record: commit called against what was won", RECORD, rec))
        if flagged := off_record(c.record, names):
            show.append(line(flagged))
    else:
        show.append(line(NO_RECORD))
    show += notes(c.notes)
    return Output(tables=(("calls", c.calls), ("record", c.record)), doc=calls_doc(c),
                  show=tuple(show))
