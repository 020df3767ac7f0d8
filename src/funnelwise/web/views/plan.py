"""Plan: per rep, what the quota needs, from each rep's own rates, week by week and when.

`rows`, `rollup` and `notes` are what `funnelwise plan --period P --format json` prints for
the same look-back window (the page's since/until are the command's --since/--until); the
manager and team filters restrict the data as on every page (`metrics.scope`), so a filtered
plan is the command's over the scope's reps, their team figures and roll-up included. A
what-if (`?what_if=conversation=0.15, deal-size=30000`, the command's --what-if) adds the
scenario's rows after the base rows, as the command does.

Without `?period=` the page plans the quarter containing the page's as-of day (the end of the
period filter, else the latest date in the data) when a quota overlaps it, else the nearest
quarter with a quota (`plan.workspace.default_period`). A period with no quota, or a
look-back window with no won deals, gives the page with the reason instead of a plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.errors import UserError
from funnelwise.periods import Period, default_period, parse_period, quarter_of, why_default
from funnelwise.plan.estimate import Options
from funnelwise.plan.explicit import parse_pairs
from funnelwise.plan.groups import load_groups
from funnelwise.plan.whatif import DEAL_SIZE, WIN_RATE, WhatIf
from funnelwise.plan.workspace import NO_CHANGE, PlanSet, make_plans
from funnelwise.presentation import plan as records
from funnelwise.web.charts import plan as plan_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page

Row = dict[str, Any]
ONE_DAY = dt.timedelta(days=1)


def parse_what_if(text: str | None) -> WhatIf:
    """`conversation=0.15, deal-size=30000` (commas or semicolons between changes)."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    return WhatIf(parse_pairs(parts, "what_if"))


def choose_period(ctx: Context, asked: str | None) -> tuple[Period, str]:
    """The period to plan and why: `?period=`, else `periods.default_period` of the page's
    as-of day, as `funnelwise plan` chooses it."""
    if asked and asked.strip():
        return (ctx.span().check(parse_period(asked), "period", plan=True),
                "the period asked for")
    day = ctx.as_of()
    what = "the day after the until filter" if ctx.filters.until else "the data's today"
    return default_period(day), why_default(day, day=what)


def changes(plans: PlanSet) -> list[Row]:
    """Per rep and step: weekly need in the base plan and in the scenario, and the change."""
    out = []
    for b, w in zip(plans.base, plans.scenario, strict=True):
        for sb, sw in zip(b.steps, w.steps, strict=True):
            out.append({"rep": b.funnel.key, "step": sb.step, "base_per_week": sb.per_week,
                        "scenario_per_week": sw.per_week,
                        "change": sw.per_week / sb.per_week - 1 if sb.per_week else None})
    return out


def scope_plans(ctx: Context, period: Period, scenario: WhatIf = NO_CHANGE) -> PlanSet | str:
    """The plans of the scope's reps for `period` (and the what-if's), computed once per
    context, so the plan page and every rep page of a request or report share them; or why
    there are none (no quota, no won deals)."""
    def compute() -> PlanSet | str:
        opts = Options(since=ctx.filters.since, until=ctx.filters.until)
        try:
            groups = load_groups(ctx.crm, period, opts)
        except UserError as exc:
            return str(exc)
        return make_plans(list(groups.funnels), list(groups.targets), groups=groups,
                          what_if=scenario, by=opts.by, level=opts.level)
    return ctx.remember(("plans", period, scenario), compute)


def build(ctx: Context, *, period: str | None = None, what_if: str | None = None) -> Data:
    """The plan of every rep in scope with a quota in the period, and the what-if's."""
    scenario = parse_what_if(what_if)
    chosen, why = choose_period(ctx, period)
    made = scope_plans(ctx, chosen, scenario) if chosen else why
    plans, empty = (None, made) if isinstance(made, str) else (made, None)
    steps = [s.name for s in ctx.crm.funnel.steps]
    return {
        "title": f"Plan for {chosen.label}" if chosen else "Plan",
        "period": chosen.record() if chosen else None,
        "period_reason": why,
        "neighbours": [quarter_of(chosen.start - ONE_DAY).label,
                       quarter_of(chosen.end + ONE_DAY).label] if chosen else [],
        "as_of": ctx.as_of().isoformat(),
        "look_back": {"since": _iso(ctx.filters.since), "until": _iso(ctx.filters.until)},
        "what_if": scenario.label or None,
        "what_if_names": [*steps[:-1], WIN_RATE, DEAL_SIZE],
        "steps": steps,
        "names": {r["rep_id"]: r["name"] for r in ctx.reps()},
        "empty": empty,
        "rows": [records.plan_record(x, by=plans.by)
                 for x in (*plans.base, *plans.scenario)] if plans else [],
        "rollup": records.rollup_record(plans.rollup) if plans and plans.rollup else None,
        "notes": list(plans.notes) if plans else [],
        "changes": changes(plans) if plans and plans.scenario else [],
    }


def figures(data: Data) -> dict[str, go.Figure]:
    rows, names = data["rows"], data["names"]
    return {
        "volume": plan_charts.volume_figure(rows, names),
        "timing": plan_charts.timing_figure(rows, names, today=_day(data["as_of"])),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


PAGE = Page(name="plan", title="Plan", route="/plan", api_route="/plan", build=build,
            charts=figures)
