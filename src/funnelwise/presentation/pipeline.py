"""Coverage, pipeline review and calibration as terminal views, JSON-ready dicts and CSV tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import pandas as pd
from rich.text import Text

from funnelwise import formats as fmt
from funnelwise.frames import records
from funnelwise.metrics.result import MetricResult
from funnelwise.pipeline.calibration import Calibration
from funnelwise.pipeline.review import Review
from funnelwise.presentation.output import Output, line, notes
from funnelwise.presentation.tables import Col, field, grid, register_view, with_names
from funnelwise.presentation.tables import explain as explain_text

Record = dict[str, Any]
Names = Mapping[str, str]


def _group(r: Record) -> str:
    return fmt.text(next((r[k] for k in ("rep", "team", "manager") if k in r), None))


def _interval(r: Record) -> str:
    lo, hi = r.get("required_lo"), r.get("required_hi")
    return "–" if fmt.missing(lo) or fmt.missing(hi) else (
        f"{fmt.multiple(lo)}–{fmt.multiple(hi)}")


COVERAGE = (
    Col("Group", _group, False, wrap=True),
    Col("To go", field("remaining_target", fmt.money), priority=2),
    Col("Pipeline", field("open_pipeline", fmt.money), priority=1),
    Col("Cover", field("coverage", fmt.multiple)),
    Col("Needs", field("required_coverage", fmt.multiple)),
    Col("Interval", _interval, priority=4),
    Col("Gap", field("gap", fmt.money)),
    Col("Proj.", field("projected_attainment", fmt.pct), priority=3),
    Col("Status", field("status", fmt.text), False, wrap=True),
)
BLANKET = Col("Blanket says", lambda r: fmt.text(r.get("blanket_view")) + (
    " (wrong)" if r.get("blanket_misjudges") else ""), False, wrap=True)
register_view("coverage", "Pipeline coverage against each rep's own win rate", COVERAGE)


def coverage_view(result: MetricResult, names: Names | None = None) -> Output:
    """The coverage table (with the blanket multiple's verdict when it was asked for), a line
    per group that is not healthy saying what the status rests on, and the notes."""
    blanket = "blanket" in result.frame.columns
    cols = (*COVERAGE, BLANKET) if blanket else COVERAGE
    multiple = f", blanket {fmt.multiple(result.frame['blanket'].iloc[0])}" if blanket and len(
        result.frame) else ""
    rows = with_names(result.records(), names or {}, ("rep",))
    table = grid(f"Pipeline coverage against each rep's own win rate "
                 f"({result.filters.get('period')}{multiple})", cols, rows)
    reasons = tuple(line(f"{_group(r)} {r['status']}: {r['reason']}") for r in rows
                    if r["status"] != "healthy")
    return Output(tables=((result.name, result.frame),), doc=result.records(),
                  show=(table, *reasons, *notes(result.notes)),
                  explain=partial(explain_text, result))


QUALIFY_OUT = ["opportunity_id", "rep", "team", "stage", "amount", "probability",
               "realistic_value", "flags"]


def review_payload(rv: Review, *, limit: int | None = None) -> Record:
    """The review as one JSON-ready dict: deals with flags, totals, the qualify-out list."""
    out = rv.qualify_out()
    out = out.head(limit) if limit else out
    return {
        "as_of": rv.at.day.isoformat(), "reconstructed": not rv.at.now,
        "opportunities": records(rv.deals), "totals": records(rv.totals),
        "qualify_out": records(out[QUALIFY_OUT]), "notes": list(rv.notes),
    }


def _flags_cell(flags: list[Record]) -> str:
    """A deal's flags in one CSV cell: `rule: evidence`, joined by ` | `."""
    return " | ".join(f"{f['rule']}: {f['evidence']}" for f in flags)


def review_tables(rv: Review) -> tuple[tuple[str, pd.DataFrame], ...]:
    """Every table of the review for CSV: open deals (flags as `rule: evidence` joined by
    ` | `), totals, and the deals to qualify out."""
    deals = rv.deals.assign(flags=[_flags_cell(f) for f in rv.deals["flags"]])
    out = rv.qualify_out()
    return (("opportunities", deals), ("totals", rv.totals),
            ("qualify_out", deals.loc[out.index, QUALIFY_OUT]))


def _flag_text(flags: list[Record]) -> str:
    return "\n".join(("✗ " if f["disqualifying"] else "• ") + f"{f['rule_label']}: "
                     f"{f['evidence']}" for f in flags) or "–"


DEALS = (
    Col("Deal", field("opportunity_id", fmt.text), False),
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Stage", field("stage", fmt.text), False, priority=1, wrap=True),
    Col("Amount", field("amount", fmt.money)),
    Col("Age (days)", field("age_days", fmt.days), priority=2),
    Col("P(win)", field("probability", fmt.pct)),
    Col("Flags", lambda r: _flag_text(r["flags"]), False, wrap=True, room=28),
)


def deals_view(deals: pd.DataFrame, title: str, names: Names | None = None, *,
               total: int | None = None, one_rep: bool = False) -> Any:
    """Deals with their flags (`total`: how many there are when `deals` is the first few;
    `one_rep`: all of one rep's, who is then not repeated on every row)."""
    cols = tuple(c for c in DEALS if not (one_rep and c.header == "Rep"))
    left = (total or 0) - len(deals)
    more = (f"{fmt.count(left)} smaller {'deal' if left == 1 else 'deals'} not shown: "
            "--limit 0 shows every one",) if left > 0 else ()
    return grid(title, cols, with_names(records(deals), names or {}, ("rep",)), lines=True,
                notes=more)


TOTALS = (
    Col("Level", field("level", fmt.text), False, priority=1),
    Col("Group", field("key", fmt.text), False, wrap=True),
    Col("Deals", field("deals", fmt.count)),
    Col("Raw", field("raw_value", fmt.money)),
    Col("Qualified", field("qualified_value", fmt.money)),
    Col("Realistic", field("realistic_value", fmt.money)),
    Col("Disq.", field("disqualified_deals", fmt.count), priority=2),
    Col("Flagged", field("flagged_deals", fmt.count), priority=2),
)


def totals_view(totals: pd.DataFrame, names: Names | None = None) -> Any:
    rows = records(totals)
    rows = [with_names([r], names or {}, ("key",))[0] if r["level"] == "rep" else r
            for r in rows]
    return grid("Pipeline value: raw, qualified (no disqualifying flag), realistic (amount x "
                "win probability)", TOTALS, rows, ends=lambda r: r["level"] != "rep")


def review_view(rv: Review, *, limit: int, names: Names | None = None) -> Output:
    """The review: open deals largest first, the totals, the deals to qualify out, notes."""
    deals = rv.deals.sort_values(["amount", "opportunity_id"], ascending=[False, True])
    shown = deals.head(limit) if limit else deals
    out = rv.qualify_out()
    whose = f" of {fmt.named(rv.rep, (names or {}).get(rv.rep))}" if rv.rep else ""
    whose += f" as of {fmt.date(rv.at.day)}" + ("" if rv.at.now else " (from history)")
    show = (
        deals_view(shown, f"Open deals{whose}, largest first ({fmt.count(len(shown))} of "
                          f"{fmt.count(len(deals))}; ✗ disqualifying, • warning)", names,
                   total=len(deals), one_rep=rv.rep is not None),
        totals_view(rv.totals, names),
        deals_view(out.head(limit) if limit else out,
                   f"Qualify out: {fmt.count(len(out))} deals with a disqualifying flag, "
                   f"{fmt.money(out['amount'].sum())} at stake", names, total=len(out),
                   one_rep=rv.rep is not None),
        *notes(rv.notes),
    )

    def explain() -> str:
        return ("".join(f"-- {name}\n{sql}\n\n" for name, sql in rv.sql().items())
                + "".join(f"-- {n}\n" for n in rv.notes))

    return Output(tables=review_tables(rv), doc=review_payload(rv), show=show, explain=explain)


def calibration_payload(c: Calibration) -> Record:
    return {"brier": c.brier, "baseline_brier": c.baseline_brier, "skill": c.skill,
            "resolved_deals": c.resolved, "without_history": c.bare, "dates": records(c.dates),
            "reliability": records(c.reliability), "notes": list(bare_note(c))}


def bare_note(c: Calibration) -> tuple[str, ...]:
    """How many scored (deal, date) pairs had no stage history before their date."""
    if not c.bare:
        return ()
    return (f"{fmt.count(c.bare)} of the {fmt.count(c.resolved)} resolved (deal, date) pairs "
            "had no stage history before their date: each was scored at the funnel's first "
            "open stage",)


DATES = (
    Col("As of", field("as_of", fmt.date), False),
    Col("Open", field("open_deals", fmt.count)),
    Col("Resolved", field("resolved_deals", fmt.count), priority=2),
    Col("Raw", field("raw_value", fmt.money), priority=1),
    Col("Realistic", field("realistic_value", fmt.money)),
    Col("Won", field("won_value", fmt.money)),
    Col("Still open", field("still_open_value", fmt.money), priority=1),
    Col("Brier", field("brier", fmt.score)),
    Col("Team rate", field("baseline_brier", fmt.score)),
    Col("Skill", field("skill", fmt.pct)),
)
RELIABILITY = (
    Col("Probability", field("bucket", fmt.text), False),
    Col("Deals", field("deals", fmt.count)),
    Col("Mean predicted", field("mean_probability", fmt.pct)),
    Col("Share won", field("share_won", fmt.pct)),
)


def calibration_view(c: Calibration) -> Output:
    """Realistic value on past dates against what closed, the reliability of the win
    probabilities, and the Brier score against the team's constant rate."""
    summary = (f"Brier score {fmt.score(c.brier)} over {fmt.count(c.resolved)} resolved (deal, "
               f"date) pairs; constant team win rate {fmt.score(c.baseline_brier)}; skill "
               f"{fmt.pct(c.skill)}")
    show: Sequence[Any] = (
        grid("Realistic value on past dates against what closed", DATES, records(c.dates)),
        grid("Reliability: predicted probability against share won", RELIABILITY,
             records(c.reliability)),
        Text(summary),
        *notes(bare_note(c)),
    )
    return Output(tables=(("dates", c.dates), ("reliability", c.reliability)),
                  doc=calibration_payload(c), show=tuple(show))
