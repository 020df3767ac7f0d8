"""Plans and projections as JSON-ready dicts, CSV rows and terminal tables.

Weekly needs read as whole activities and deals, rounded up (a plan needing 8.2 meetings a
week asks for 9); JSON and CSV carry the figures unrounded.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from rich.console import RenderableType

from funnelwise import formats as fmt
from funnelwise.metrics.span import too_far
from funnelwise.periods import Period, default_period, following
from funnelwise.plan.project import Projection
from funnelwise.plan.reverse import RepPlan, StepNeed, moved
from funnelwise.plan.rollup import Rollup
from funnelwise.presentation.output import Output, notes
from funnelwise.presentation.tables import Col, Grid, field, grid

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
        "won_already": p.won, "open_expected": p.pipeline_expected - p.won,
        "flow_expected": p.expected_revenue - p.pipeline_expected, "flow_weeks": p.flow_weeks,
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


Names = Mapping[str, str]


def _who(key: str, names: Names | None) -> str:
    return fmt.named(key, (names or {}).get(key))


def _need(v: float, lo: float, hi: float) -> str:
    """A weekly need, whole and rounded up, with its interval: `9 (7–12)`."""
    shown = fmt.count(v, up=True)
    if lo == hi:
        return shown
    return f"{shown} ({fmt.count(lo, up=True)}–{fmt.count(hi, up=True)})"


def _span(s: StepNeed, period: Period | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day the step must happen on: the period moved back by its lead
    (the table shows the Mondays of their weeks)."""
    if period is None or s.lead_days is None:
        return None
    return moved(period.start, s.lead_days), moved(period.end, s.lead_days)


def _mark(s: StepNeed, period: Period | None, as_of: dt.date | None) -> str:
    """" (past)" when the step's days ended before the day the plan is read as of,
    " (begun)" when they started before it."""
    span = _span(s, period)
    if as_of is None or span is None or span[0] >= as_of:
        return ""
    return PAST if span[1] < as_of else " (begun)"


def _weeks(s: StepNeed, period: Period | None = None, as_of: dt.date | None = None) -> str:
    """The weeks a step must happen in, marked as `_mark` says."""
    if s.start_week is None or s.end_week is None:
        return "–" if s.lead_days is None else f"{fmt.days(s.lead_days, unit=True)} before"
    return f"{fmt.span(s.start_week, s.end_week)}{_mark(s, period, as_of)}"


PLAN = (
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Step", field("step", fmt.text), False, wrap=True),
    Col("Rate", field("rate", fmt.text)),
    Col("Per week", field("per_week", fmt.text), wrap=True),
    Col("Total", field("total", fmt.text), priority=1),
    Col("When", field("when", fmt.text), False, wrap=True),
    Col("Start by", field("start_by", fmt.text), False, priority=2),
)


PAST = " (past)"


def _late_start(day: dt.date | None, as_of: dt.date | None) -> bool:
    return day is not None and as_of is not None and day < as_of


def _by(day: dt.date | None, as_of: dt.date | None) -> str:
    """A start date, marked when it is before the day the plan is read as of."""
    return fmt.date(day) + (PAST if _late_start(day, as_of) else "")


def plan_rows(plans: Sequence[RepPlan], names: Names | None = None,
              as_of: dt.date | None = None) -> list[Record]:
    rows = []
    for p in plans:
        for j, s in enumerate(p.steps):
            head = (_who(p.funnel.key, names), f"quota {fmt.money(p.target.quota)}")
            rows.append({
                "rep": head[j] if j < 2 else "", "step": fmt.words(s.step),
                "rate": fmt.pct(s.rate),
                "per_week": _need(s.per_week, s.per_week_lo, s.per_week_hi),
                "total": fmt.count(s.total_needed, up=True),
                "when": _weeks(s, p.target.period, as_of),
                "start_by": _by(s.earliest_week, as_of), "_end": j == len(p.steps) - 1})
    return rows


def late_note(plans: Sequence[RepPlan], as_of: dt.date | None) -> tuple[str, ...]:
    """When steps had to start before the day the plan is read as of: how many, and what
    that means for the period."""
    if as_of is None:
        return ()
    late = [p for p in plans if any(_mark(s, p.target.period, as_of)
                                    or _late_start(s.earliest_week, as_of) for s in p.steps)]
    if not late:
        return ()
    period = plans[0].target.period
    head = (f"{fmt.count(len(late))} of {fmt.count(len(plans))} plans ask for activity before "
            f"the data's today ({fmt.date(as_of)}), marked (past) or (begun)")
    if period is None:
        return (f"{head}: what those days brought is already in the pipeline",)
    over = period.end < as_of
    after = _ahead(period, as_of, over)
    if over:
        return (f"{head}: {period.label} is over by then" + (f"; {after}" if after else ""),)
    return (f"{head}: what those days brought is already in the pipeline; `funnelwise project` "
            f"audits {period.label} with it" + (f" ({after})" if after else ""),)


def _ahead(period: Period, as_of: dt.date, over: bool) -> str:
    """Where to plan next: the period after this one, or for a period over the one a plan
    picks by default; nothing when it lies past what a plan may look at (`metrics.span`)."""
    nxt = following(period)
    if over and nxt.end < as_of:
        nxt = default_period(as_of)
    if too_far(as_of, nxt, plan=True):
        return ""
    what = "the next one" if nxt == following(period) else "one still ahead"
    return f"`--period {nxt.label}` plans {what}"


def plan_table(plans: Sequence[RepPlan], title: str, names: Names | None = None,
               as_of: dt.date | None = None) -> Grid:
    """One block per rep: each step's rate, per-week need with its interval, and when.

    The rep's quota sits under their name; "When" is the weeks the step must happen in for
    the revenue to land in the period, "Start by" the earliest start that slow deals need
    (marked "(past)" before the day the plan is read as of).
    """
    return grid(title, PLAN, plan_rows(plans, names, as_of), ends=lambda r: bool(r["_end"]),
                notes=late_note(plans, as_of))


WHAT_IF = (
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Step", field("step", fmt.words), False, wrap=True),
    Col("Base per week", field("base", lambda v: fmt.count(v, up=True))),
    Col("What-if per week", field("scenario", lambda v: fmt.count(v, up=True))),
    Col("Change", field("change", lambda v: fmt.pct(v, signed=True))),
)


def what_if_table(base: Sequence[RepPlan], scenario: Sequence[RepPlan], label: str,
                  names: Names | None = None) -> Grid:
    rows = []
    for b, w in zip(base, scenario, strict=True):
        for j, (sb, sw) in enumerate(zip(b.steps, w.steps, strict=True)):
            rows.append({"rep": _who(b.funnel.key, names) if j == 0 else "", "step": sb.step,
                         "base": sb.per_week, "scenario": sw.per_week,
                         "change": sw.per_week / sb.per_week - 1 if sb.per_week else math.nan,
                         "_end": j == len(b.steps) - 1})
    return grid(f"What if {label}", WHAT_IF, rows, ends=lambda r: bool(r["_end"]))


ROLLUP = (
    Col("Step", field("step", fmt.words), False, wrap=True),
    Col("Sum of per-rep plans", field("sum_of_reps", lambda v: fmt.count(v, up=True))),
    Col("Team-average plan", field("team_average", lambda v: fmt.count(v, up=True))),
    Col("Difference", field("difference", lambda v: fmt.count(v, signed=True))),
    Col("%", field("difference_pct", lambda v: fmt.pct(v, signed=True))),
)


def rollup_table(r: Rollup) -> Grid:
    rows = [{"step": s.step, "sum_of_reps": s.sum_of_reps, "team_average": s.team_average,
             "difference": s.difference, "difference_pct": s.difference_pct} for s in r.steps]
    return grid(f"Team roll-up: {r.reps} plans summed against one team-average plan, "
                f"quota {fmt.money(r.quota)}", ROLLUP, rows)


PROJECTION = (
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Expected", field("expected", fmt.money)),
    Col("Att.", field("attainment", fmt.pct)),
    Col("P10–P90", field("range", fmt.text)),
    Col("P(≥T)", field("prob_target", fmt.pct), priority=1),
    Col("Binds at", field("binding_step", fmt.words), False, wrap=True),
    Col("Rate → needed", field("rates", fmt.text), wrap=True),
    Col("Or top/wk", field("top", lambda v: fmt.count(v, up=True)), priority=2),
)


def projection_table(projections: Sequence[Projection], title: str,
                     names: Names | None = None) -> Grid:
    """Per rep: expected revenue and attainment, P10-P90, the binding step, two ways to close.

    "Rate → needed" is the binding step's rate now and the rate that would reach target;
    "Or top/wk" the weekly volume at the top step that would reach it at today's rates.
    """
    rows = [{"rep": _who(p.key, names), "expected": p.expected_revenue,
             "attainment": p.attainment, "range": f"{fmt.money(p.p10)}–{fmt.money(p.p90)}",
             "prob_target": p.prob_target, "binding_step": p.binding_step,
             "rates": f"{fmt.pct(p.binding_rate)} → {_needed(p.rate_needed)}",
             "top": p.start_volume_needed} for p in projections]
    notes = [n for n, shown in (
        (f"{NO_RATE}: what is won and open covers the target without the flow",
         any(p.rate_needed <= 0 for p in projections)),
        ("over 100%: no rate at the binding step alone reaches the target; the weekly volume "
         "at the top (Or top/wk) can", any(1 < p.rate_needed < math.inf for p in projections)),
        (f"{NO_FLOW}: none of the plan's wins would land inside the period, so no rate or "
         "volume closes the gap", any(p.rate_needed == math.inf for p in projections)),
    ) if shown]
    return grid(title, PROJECTION, rows, notes=notes)


NO_RATE = "none needed"
NO_FLOW = "no flow in time"


def _needed(rate: float) -> str:
    """The rate that would reach target, in words where no rate is one to aim at."""
    if rate <= 0:
        return NO_RATE
    if rate == math.inf:
        return NO_FLOW
    return "over 100%" if rate > 1 else fmt.pct(rate)


FLOW = (
    Col("Step", field("step", fmt.words), False, wrap=True),
    Col("Rate", field("rate", fmt.pct)),
    Col("Reference rate", field("reference_rate", fmt.pct)),
    Col("Planned/wk", field("planned_per_week", lambda v: fmt.count(v, up=True))),
    Col("Expected/wk", field("expected_per_week", fmt.count)),
)


def flow_table(p: Projection, names: Names | None = None) -> Grid:
    rows = [{"step": s.step, "rate": s.rate, "reference_rate": s.reference_rate,
             "planned_per_week": s.planned_per_week, "expected_per_week": s.expected_per_week}
            for s in p.steps]
    return grid(f"{_who(p.key, names)}: the plan against the rates", FLOW, rows)


def plan_output(base: Sequence[RepPlan], scenario: Sequence[RepPlan], rollup: Rollup | None,
                *, doc: Any, title: str, what_if: str, plan_notes: Sequence[str],
                names: Names | None = None, by: str | None = None,
                as_of: dt.date | None = None) -> Output:
    """A plan: JSON as given, one CSV row per (rep, step), the plan, what-if and roll-up."""
    records = [plan_record(x, by=by) for x in (*base, *scenario)]
    show: list[RenderableType] = [plan_table(base, title, names, as_of)]
    if scenario:
        show.append(what_if_table(base, scenario, what_if, names))
    if rollup:
        show.append(rollup_table(rollup))
    return Output(tables=(("plan", pd.DataFrame(flat_rows(records))),), doc=doc,
                  show=(*show, *notes(plan_notes)))


def projection_output(result: Sequence[Projection], *, doc: Any, by: str | None,
                      projection_notes: Sequence[str], names: Names | None = None) -> Output:
    """A forward audit: JSON as given, one CSV row per (rep, step), the audit table (and the
    flow of a single rep)."""
    records = [projection_record(x, by=by) for x in result]
    show: list[RenderableType] = [projection_table(result, "Forward audit of the plan", names)]
    if len(result) == 1:
        show.append(flow_table(result[0], names))
    return Output(tables=(("projection", pd.DataFrame(flat_rows(records))),), doc=doc,
                  show=(*show, *notes(projection_notes)))
