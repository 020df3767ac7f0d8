"""`funnelwise check`: what the workspace holds, what is worth a warning before a figure is
trusted, and which commands its data supports. One record serves the terminal table, the
JSON and the dashboard's Data page.

    tables     rows of each canonical table          span       first and last day, today
    holds      stage history, close-date history, activities with outputs, outcomes, leads,
               quotas (and the quarters they cover)
    records    dated records per month, first and last day
    warnings   owners missing from reps, deals without the dates metrics need, references
               to records the workspace does not have (the import's warnings, read again)
    commands   each command: supported yes, partly or no, and why (`metrics.readiness`)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnelwise.errors import Problem
from funnelwise.metrics.holdings import Holdings, Series, holdings
from funnelwise.metrics.readiness import COMMANDS, Facts, Verdict, facts, verdict
from funnelwise.periods import Period, following
from funnelwise.schema.crm import Crm

OWNERS = ("opportunities", "owner_rep_id")
UNDATED = {("opportunities", "created_at"), ("opportunities", "closed_at")}


def kind_of(problem: Problem) -> str:
    """`owners`, `undated` or `reference`: which warning a problem is."""
    where = (problem.file, problem.column)
    return "owners" if where == OWNERS else "undated" if where in UNDATED else "reference"


def _warning(column: str, message: str) -> Problem:
    return Problem(file="opportunities", row=None, column=column, value=None, warning=True,
                   message=message)


def warnings(held: Holdings) -> tuple[Problem, ...]:
    """Owners without reps, deals without the dates metrics need, unknown references."""
    d, out = held.deals, []
    if d.owners and not held.has("reps"):
        out.append(_warning("owner_rep_id", f"names {d.owners:,} owners and the workspace "
                            "has no reps: each is its own team (import reps.csv)"))
    if d.open_undated:
        out.append(_warning("created_at", f"{d.open_undated:,} open deals have no creation "
                            "date: they cannot be aged and are in no past view"))
    if d.closed_undated:
        out.append(_warning("closed_at", f"{d.closed_undated:,} closed deals have no close "
                            "date: they count in no date window"))
    return (*out, *held.references)


def quarter_ranges(found: tuple[Period, ...]) -> str:
    """`2025-Q3..2026-Q4`, runs of consecutive quarters joined by commas; `none`."""
    runs: list[list[Period]] = []
    for p in found:
        if runs and following(runs[-1][-1]) == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(r[0].label if len(r) == 1 else f"{r[0].label}..{r[-1].label}"
                     for r in runs) or "none"


def _count(n: int | None, what: str, none: str) -> str:
    return f"{n:,} {what}" if n else none


def holds(held: Holdings) -> list[dict[str, Any]]:
    """Whether the records the commands lean on exist, each with a line on what is there."""
    rows = held.rows
    steps = ", ".join(held.output_steps)
    activities = rows["activities"] or 0
    outputs = (f"{held.with_outputs:,} of {activities:,} activities count at the output "
               f"steps {steps}" if held.with_outputs else
               "none: no activities" if not activities else
               "none: the funnel has no output steps" if not steps else
               f"none of {activities:,} activities count at the output steps {steps}")
    items = [
        ("stage history", rows["stage_history"],
         _count(rows["stage_history"], "stage changes", "none: past stages are unknown")),
        ("close-date history", rows["close_date_history"],
         _count(rows["close_date_history"], "changes of expected close dates",
                "none: pushed close dates are unknown")),
        ("history from imports", held.imports, _kept(held)),
        ("activities with outputs", held.with_outputs, outputs),
        ("outcomes", rows["outcomes"], _count(rows["outcomes"], "outcomes", "none")),
        ("leads", rows["leads"], _count(rows["leads"], "leads", "none")),
        ("quotas", len(held.quota_quarters), quarter_ranges(held.quota_quarters)),
    ]
    return [{"what": w, "present": bool(n), "detail": d} for w, n, d in items]


def _kept(held: Holdings) -> str:
    """How many days of history repeated imports have kept, and from when to when."""
    kept = next((s for s in held.series if s.table == "snapshots"), None)
    if not held.imports or kept is None or kept.first is None or kept.last is None:
        return "none: import again on later days to keep what changes in the open deals"
    if held.imports == 1:
        return (f"1 import, on {kept.first}: {kept.rows:,} open deals as they stood; the next "
                "import adds what changed")
    days = (kept.last - kept.first).days
    return (f"{held.imports:,} imports from {kept.first} to {kept.last}, {days:,} days of "
            f"history: {kept.rows:,} deal states kept")


def _series(s: Series) -> dict[str, Any]:
    return {"name": s.name, "table": s.table, "column": s.column, "rows": s.rows,
            "first": s.first.isoformat() if s.first else None,
            "last": s.last.isoformat() if s.last else None,
            "months": [{"month": m, "rows": n} for m, n in s.months]}


def _problem(p: Problem) -> dict[str, Any]:
    return {"kind": kind_of(p), "table": p.file, "column": p.column, "text": p.render()}


@dataclass(frozen=True)
class DataCheck:
    """The workspace's holdings, its warnings and each command's verdict."""

    held: Holdings
    facts: Facts | None
    warnings: tuple[Problem, ...]
    verdicts: tuple[Verdict, ...]

    def record(self) -> dict[str, Any]:
        """The check as JSON-ready values: what `check --format json` prints and the Data
        page's twin carries."""
        span, d, f = self.held.span, self.held.deals, self.facts
        return {
            "span": None if span is None else {
                "first": span.first.isoformat(), "last": span.last.isoformat(),
                "today": span.today.isoformat(), "days": span.days},
            "default_period": f.period.record() if f else None,
            "tables": [{"table": t, "rows": n} for t, n in self.held.rows.items()],
            "holds": holds(self.held),
            "quota_quarters": [p.label for p in self.held.quota_quarters],
            "deals": {"open": d.open, "won": d.won, "lost": d.lost,
                      "open_without_created_at": d.open_undated,
                      "closed_without_closed_at": d.closed_undated},
            "records": [_series(s) for s in self.held.series],
            "warnings": [_problem(p) for p in self.warnings],
            "commands": [v.record() for v in self.verdicts],
        }


def run_check(crm: Crm) -> DataCheck:
    """Everything `funnelwise check` reports, read over the tables."""
    held = holdings(crm)
    known = facts(crm, held)
    return DataCheck(held=held, facts=known, warnings=warnings(held),
                     verdicts=tuple(verdict(c, known) for c in COMMANDS))
