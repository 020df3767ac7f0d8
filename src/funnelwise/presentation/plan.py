"""Plans and projections as JSON-ready dicts, CSV rows and terminal tables."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from funnelwise.plan.project import Projection
from funnelwise.plan.reverse import RepPlan, StepNeed
from funnelwise.plan.rollup import Rollup
from funnelwise.presentation import formats as fmt
from funnelwise.presentation.tables import compact

Record = dict[str, Any]


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def step_record(s: StepNeed) -> Record:
    return {
        "step": s.step, "rate": s.rate, "rate_lo": s.rate_lo, "rate_hi": s.rate_hi,
        "total_needed": s.total_needed, "total_lo": s.total_lo, "total_hi": s.total_hi,
        "per_week": s.per_week, "per_week_lo": s.per_week_lo, "per_week_hi": s.per_week_hi,
        "lead_days": s.lead_days, "start_week": _iso(s.start_week),
        "end_week": _iso(s.end_week), "earliest_week": _iso(s.earliest_week),
    }


def plan_record(p: RepPlan, *, by: str | None = None) -> Record:
    f, t = p.funnel, p.target
    return {
        "rep": f.key, "by": by, "period": t.period.label if t.period else None,
        "scenario": p.scenario, "quota": t.quota, "weeks": t.weeks,
        "deal_size": f.deal_size.mean, "win_rate": f.win_rate, "wins_needed": p.wins_needed,
        "opportunities_needed": p.opportunities_needed, "rates_from": f.source,
        "parent": f.parent or None, "note": f.note or None,
        "cycle_days": f.timing.cycle_days, "cycle_p90_days": f.timing.cycle_late_days,
        "interval_level": p.level, "steps": [step_record(s) for s in p.steps],
    }


def rollup_record(r: Rollup) -> Record:
    return {
        "reps": r.reps, "quota": r.quota, "weeks": r.weeks,
        "team_deal_size": r.team.funnel.deal_size.mean, "team_win_rate": r.team.funnel.win_rate,
        "steps": [{"step": s.step, "sum_of_reps": s.sum_of_reps, "team_average": s.team_average,
                   "difference": s.difference, "difference_pct": s.difference_pct}
                  for s in r.steps],
    }


def projection_record(p: Projection, *, by: str | None = None) -> Record:
    t = p.target
    return {
        "rep": p.key, "by": by, "period": t.period.label if t.period else None,
        "quota": t.quota, "weeks": t.weeks, "deal_size": p.deal_size,
        "start_step": p.start_step, "start_volume": p.start_volume,
        "expected_wins": p.expected_wins, "expected_revenue": p.expected_revenue,
        "attainment": p.attainment, "p10": p.p10, "p50": p.p50, "p90": p.p90,
        "prob_target": p.prob_target, "binding_step": p.binding_step,
        "binding_rate": p.binding_rate, "rate_needed": _num(p.rate_needed),
        "start_volume_needed": _num(p.start_volume_needed),
        "extra_start_volume": _num(p.start_volume_needed - p.start_volume),
        "steps": [{"step": s.step, "rate": s.rate, "reference_rate": s.reference_rate,
                   "planned_per_week": s.planned_per_week,
                   "expected_per_week": s.expected_per_week} for s in p.steps],
    }


def flat_rows(records: Sequence[Record]) -> list[Record]:
    """One row per (record, step) for CSV: record fields repeated beside each step's."""
    rows = []
    for r in records:
        head = {k: v for k, v in r.items() if k != "steps"}
        rows += [{**head, **{f"step_{k}" if k == "rate" else k: v for k, v in s.items()}}
                 for s in r.get("steps", [])] or [head]
    return rows


def _weeks(s: StepNeed) -> str:
    if s.start_week is None or s.end_week is None:
        return "–" if s.lead_days is None else f"{s.lead_days / 7:.1f} wk before"
    return f"{s.start_week:%d %b}–{s.end_week:%d %b}"


def qty(v: float) -> str:
    """A volume: two decimals below 10 (0.25 wins a week), whole numbers from 100."""
    if abs(v) < 10:
        return f"{v:,.2f}"
    return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def _end(v: float) -> str:
    return f"{v:,.1f}" if abs(v) < 10 else f"{v:,.0f}"


def _with_range(v: float, lo: float, hi: float) -> str:
    return qty(v) if lo == hi else f"{qty(v)} ({_end(lo)}–{_end(hi)})"


def plan_table(plans: Sequence[RepPlan], title: str) -> Table:
    """One block per rep: each step's rate, per-week need with its interval, and when.

    The rep's quota sits under their id; "When" is the weeks the step must happen in for the
    revenue to land in the period, "Start by" the earliest start that slow deals need.
    """
    table = compact(title, ("Rep", "Step", "Rate", "Per week", "Total", "When",
                                   "Start by"), left=("Rep", "Step"))
    for p in plans:
        for j, s in enumerate(p.steps):
            label = (p.funnel.key, fmt.money(p.target.quota))[j] if j < 2 else ""
            table.add_row(
                label, s.step, fmt.pct(s.rate), _with_range(s.per_week, s.per_week_lo,
                                                            s.per_week_hi),
                qty(s.total_needed), _weeks(s),
                f"{s.earliest_week:%d %b %y}" if s.earliest_week else "–",
                end_section=j == len(p.steps) - 1)
    return table


def what_if_table(base: Sequence[RepPlan], scenario: Sequence[RepPlan], label: str) -> Table:
    table = Table(title=f"What if {label}", title_justify="left")
    for header in ("Rep", "Step", "Base per week", "What-if per week", "Change"):
        table.add_column(header, justify="left" if header in ("Rep", "Step") else "right")
    for b, w in zip(base, scenario, strict=True):
        for j, (sb, sw) in enumerate(zip(b.steps, w.steps, strict=True)):
            change = sw.per_week / sb.per_week - 1 if sb.per_week else math.nan
            table.add_row(b.funnel.key if j == 0 else "", sb.step, qty(sb.per_week),
                          qty(sw.per_week), f"{change:+.0%}",
                          end_section=j == len(b.steps) - 1)
    return table


def rollup_table(r: Rollup) -> Table:
    table = Table(title=f"Team roll-up: {r.reps} plans summed against one team-average plan, "
                        f"quota {fmt.money(r.quota)}",
                  title_justify="left")
    for header in ("Step", "Sum of per-rep plans", "Team-average plan", "Difference", "%"):
        table.add_column(header, justify="left" if header == "Step" else "right")
    for s in r.steps:
        pct = "–" if s.difference_pct is None else f"{s.difference_pct:+.1%}"
        table.add_row(s.step, f"{s.sum_of_reps:,.1f}", f"{s.team_average:,.1f}",
                      f"{s.difference:+,.1f}", pct)
    return table


def projection_table(projections: Sequence[Projection], title: str) -> Table:
    """Per rep: expected revenue and attainment, P10-P90, the binding step, two ways to close.

    "Rate → needed" is the binding step's rate now and the rate that would reach target;
    "Or top/wk" the weekly volume at the top step that would reach it at today's rates.
    """
    table = compact(title, ("Rep", "Expected", "Att.", "P10–P90", "P(≥T)", "Binds at",
                                   "Rate → needed", "Or top/wk"), left=("Rep", "Binds at"))
    for p in projections:
        table.add_row(
            p.key, fmt.money_short(p.expected_revenue), f"{p.attainment:.0%}",
            f"{fmt.money_short(p.p10)}–{fmt.money_short(p.p90)}", f"{p.prob_target:.0%}",
            p.binding_step, f"{p.binding_rate:.1%}→{fmt.pct(p.rate_needed)}",
            f"{p.start_volume_needed:,.0f}")
    return table


def flow_table(p: Projection) -> Table:
    table = Table(title=f"{p.key}: the plan against the rates", title_justify="left")
    for header in ("Step", "Rate", "Reference rate", "Planned/wk", "Expected/wk"):
        table.add_column(header, justify="left" if header == "Step" else "right")
    for s in p.steps:
        table.add_row(s.step, fmt.pct(s.rate), fmt.pct(s.reference_rate),
                      "–" if s.planned_per_week is None else f"{s.planned_per_week:,.1f}",
                      "–" if s.expected_per_week is None else f"{s.expected_per_week:,.2f}")
    return table


def print_notes(console: Console, notes: Sequence[str]) -> None:
    for note in notes:
        console.print(f"[dim]{note}[/dim]", highlight=False)
