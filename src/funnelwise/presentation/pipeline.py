"""Coverage, pipeline review and calibration as terminal tables, JSON-ready dicts and CSV text."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
from rich.table import Table

from funnelwise.metrics.result import MetricResult
from funnelwise.pipeline.calibration import Calibration
from funnelwise.pipeline.review import Review
from funnelwise.presentation import formats as fmt
from funnelwise.presentation.tables import Col, compact, field, register_view

Record = dict[str, Any]


def _ratio(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.1f}x"


def _required(r: Record) -> str:
    if r.get("required_coverage") is None:
        return "–"
    return (f"{_ratio(r['required_coverage'])} "
            f"({_ratio(r.get('required_lo'))}–{_ratio(r.get('required_hi'))})")


def _group(r: Record) -> str:
    return fmt.text(next((r[k] for k in ("rep", "team", "manager") if k in r), None))


COVERAGE = (
    Col("Group", _group, False),
    Col("To go", field("remaining_target", fmt.money_short)),
    Col("Pipeline", field("open_pipeline", fmt.money_short)),
    Col("Cover", field("coverage", _ratio)),
    Col("Needs (interval)", _required),
    Col("Gap", field("gap", fmt.money_short)),
    Col("Proj.", field("projected_attainment", lambda v: fmt.pct(v).replace(".0%", "%"))),
    Col("Status", field("status", fmt.text), False),
)
BLANKET = Col("Blanket says", lambda r: fmt.text(r.get("blanket_view")) + (
    " (wrong)" if r.get("blanket_misjudges") else ""), False)
register_view("coverage", "Pipeline coverage against each rep's own win rate", COVERAGE)


def coverage_table(result: MetricResult) -> Table:
    """The coverage view, with the blanket multiple's verdict when it was asked for."""
    blanket = "blanket" in result.frame.columns
    cols = (*COVERAGE, BLANKET) if blanket else COVERAGE
    multiple = f", blanket {result.frame['blanket'].iloc[0]:g}x" if blanket and len(
        result.frame) else ""
    table = compact(f"Pipeline coverage against each rep's own win rate "
                    f"({result.filters.get('period')}{multiple})", [c.header for c in cols],
                    left=[c.header for c in cols if not c.numeric])
    for row in result.records():
        table.add_row(*(c.render(row) for c in cols))
    return table


def coverage_reasons(result: MetricResult) -> list[str]:
    """One line per group that is not healthy: what the status rests on."""
    return [f"{_group(r)} {r['status']}: {r['reason']}" for r in result.records()
            if r["status"] != "healthy"]


QUALIFY_OUT = ["opportunity_id", "rep", "team", "stage", "amount", "probability",
               "realistic_value", "flags"]


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    return v


def records(frame: pd.DataFrame) -> list[Record]:
    """Rows as plain values: None for missing, ISO text for dates and times."""
    out = frame.astype(object).where(frame.notna(), None)
    return [{k: _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def review_payload(rv: Review, *, limit: int | None = None) -> Record:
    """The review as one JSON-ready dict: deals with flags, totals, the qualify-out list."""
    out = rv.qualify_out()
    out = out.head(limit) if limit else out
    return {
        "as_of": rv.at.day.isoformat(), "reconstructed": not rv.at.now,
        "opportunities": records(rv.deals), "totals": records(rv.totals),
        "qualify_out": records(out[QUALIFY_OUT]), "notes": list(rv.notes),
    }


def review_csv(rv: Review) -> str:
    """One row per open deal; flags as `rule: evidence` joined by ` | `."""
    d = rv.deals.copy()
    d["flags"] = [" | ".join(f"{f['rule']}: {f['evidence']}" for f in flags)
                  for flags in d["flags"]]
    buf = io.StringIO()
    d.to_csv(buf, index=False)
    return buf.getvalue()


def _flag_text(flags: list[Record]) -> str:
    return "\n".join(("✗ " if f["disqualifying"] else "• ") + f"{f['rule']}: {f['evidence']}"
                     for f in flags) or "–"


def deals_table(deals: pd.DataFrame, title: str) -> Table:
    table = compact(title, ("Deal", "Rep", "Stage", "Amount", "Age", "P(win)", "Flags"),
                    left=("Deal", "Rep", "Stage", "Flags"))
    table.show_lines = True
    table.columns[-1].no_wrap = False
    for r in records(deals):
        table.add_row(r["opportunity_id"], fmt.text(r["rep"]), fmt.text(r["stage"]),
                      fmt.money_short(r["amount"]), f"{r['age_days']:.0f}d",
                      fmt.pct(r["probability"]), _flag_text(r["flags"]))
    return table


def totals_table(totals: pd.DataFrame) -> Table:
    table = compact("Pipeline value: raw, qualified (no disqualifying flag), realistic "
                    "(amount x win probability)", ("Level", "Group", "Deals", "Raw", "Qualified",
                                                   "Realistic", "Disq.", "Flagged"),
                    left=("Level", "Group"))
    for r in records(totals):
        table.add_row(r["level"], fmt.text(r["key"]), fmt.count(r["deals"]),
                      fmt.money(r["raw_value"]), fmt.money(r["qualified_value"]),
                      fmt.money(r["realistic_value"]), fmt.count(r["disqualified_deals"]),
                      fmt.count(r["flagged_deals"]), end_section=r["level"] != "rep")
    return table


def calibration_payload(c: Calibration) -> Record:
    return {"brier": c.brier, "baseline_brier": c.baseline_brier, "skill": c.skill,
            "resolved_deals": c.resolved, "dates": records(c.dates),
            "reliability": records(c.reliability)}


def calibration_tables(c: Calibration) -> list[Table]:
    dates = compact("Realistic value on past dates against what closed",
                    ("As of", "Open", "Resolved", "Raw", "Realistic", "Won", "Still open",
                     "Brier", "Team rate", "Skill"), left=("As of",))
    for r in records(c.dates):
        dates.add_row(str(r["as_of"]), fmt.count(r["open_deals"]), fmt.count(r["resolved_deals"]),
                      fmt.money_short(r["raw_value"]), fmt.money_short(r["realistic_value"]),
                      fmt.money_short(r["won_value"]), fmt.money_short(r["still_open_value"]),
                      f"{r['brier']:.3f}", f"{r['baseline_brier']:.3f}", fmt.pct(r["skill"]))
    rel = compact("Reliability: predicted probability against share won",
                  ("Probability", "Deals", "Mean predicted", "Share won"), left=("Probability",))
    for r in records(c.reliability):
        rel.add_row(r["bucket"], fmt.count(r["deals"]), fmt.pct(r["mean_probability"]),
                    fmt.pct(r["share_won"]))
    return [dates, rel]
