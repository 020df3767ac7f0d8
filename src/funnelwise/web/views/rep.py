"""Rep page: this week's red flags on the rep with the questions to ask, their plan, their
funnel beside their team's, weekly activity volume and yield against the plan, their win rate
with its interval, and their open deals with the review's flags.

`week.flags` are the rep's rows of `funnelwise coach --format json` for the same week
(`?week=YYYY-MM-DD`, the command's --week; default: the last week with data through its
Friday), from the coaching page's run (`views.coaching`), each with its evidence and questions.

Funnel and win-rate rows are the CLI's JSON rows for the same filters (`funnel --by rep`,
`funnel --by team`, `winrates --by rep`, `winrates --by team`, `cycle --by rep`), selected
for this rep and their team. Each open deal's `flags` are the pipeline review's for that deal
(`review --as-of D`, D = `?as_of=` or the page's as-of day, as on the pipeline page). `plan` is
the rep's row of `plan --period P --format json` (the page's since/until are the command's
--since/--until); P = `?period=`, else the quarter the plan page picks
(`periods.default_period`). Its need at the weekly chart's activity step is drawn over
the weeks the plan asks for that activity, and each of those weeks carries it as `plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.errors import did_you_mean
from funnelwise.frames import records
from funnelwise.metrics.dimensions import NONE
from funnelwise.periods import Period, default_period, parse_period
from funnelwise.presentation import plan as plan_records
from funnelwise.web import queries
from funnelwise.web.charts import base as charts
from funnelwise.web.charts import pipeline as pipeline_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, NotFound, Page, Params
from funnelwise.web.views import coaching
from funnelwise.web.views.pipeline import review_day, reviewed
from funnelwise.web.views.plan import scope_plans

Row = dict[str, Any]


def find_rep(ctx: Context, rep_id: str) -> dict[str, Any]:
    """The rep's row, or a 404 naming the closest rep id in scope."""
    reps = {r["rep_id"]: r for r in ctx.reps()}
    if rep_id in reps:
        return reps[rep_id]
    hint = did_you_mean(rep_id, reps)
    where = "" if ctx.filters.scope.is_everyone else f" in {ctx.filters.scope.describe()}"
    raise NotFound(f"no rep {rep_id!r}{where}" + (f"; {hint}" if hint else ""))


def _in_window(week: str, need: Row | None) -> bool:
    """True when the plan asks for its activity in the week starting `week`."""
    if need is None or need["start_week"] is None or need["end_week"] is None:
        return False
    return bool(need["start_week"] <= week <= need["end_week"])


def _planned(week: str, need: Row | None) -> float | None:
    return float(need["per_week"]) if need is not None and _in_window(week, need) else None


def weekly(ctx: Context, rep_id: str, plan: Row | None = None) -> Data:
    """Weekly volume at the funnel's first activity step, the yield into the next step, and
    the plan's weekly need at that step in the weeks the plan asks for it (`plan`, `vs_plan`:
    volume / need)."""
    steps = queries.volume_steps(ctx.crm.funnel)
    if steps is None:
        return {"volume_step": None, "output_step": None, "weeks": [], "plan": None}
    volume, output = steps
    expr = queries.weekly_activity(ctx.crm, rep_id=rep_id, volume=volume, output=output,
                                   since=ctx.filters.since, until=ctx.filters.until)
    weeks = records(expr.to_pandas())
    need = step_need(plan, volume.name)
    for w in weeks:
        w["yield"] = w["output"] / w["volume"] if output and w["volume"] else None
        w["plan"] = _planned(w["week"], need)
        w["vs_plan"] = w["volume"] / w["plan"] if w["plan"] else None
    return {"volume_step": volume.name, "output_step": output.name if output else None,
            "weeks": weeks, "plan": need}


def step_need(plan: Row | None, step: str) -> Row | None:
    """The plan's need at `step` (the activity the weekly chart counts), with the interval."""
    if plan is None:
        return None
    found = [s for s in plan["steps"] if s["step"] == step]
    return found[0] | {"interval_level": plan["interval_level"]} if found else None


def choose_period(ctx: Context, day: dt.date, asked: str | None) -> Period:
    """`?period=` (a bad one is a user error; as far ahead as a plan may look), else the
    period the plan page plans for the review day (`periods.default_period`)."""
    if asked and asked.strip():
        return ctx.span().check(parse_period(asked), "period", plan=True)
    return default_period(day)


def rep_plan(ctx: Context, rep_id: str, period: Period | None) -> tuple[Row | None, str | None]:
    """The rep's row of `plan --period P --format json`, or None and why there is none."""
    if period is None:
        return None, f"No quota in {ctx.filters.scope.describe()}, so no plan"
    plans = scope_plans(ctx, period)
    if isinstance(plans, str):
        return None, f"No plan for {period.label}: {plans}"
    mine = [p for p in plans.base if p.funnel.key == rep_id]
    if not mine:
        return None, f"No quota in {period.label}, so no plan to measure activity against"
    return plan_records.plan_record(mine[0], by=plans.by), None


def open_deals(ctx: Context, rep_id: str, day: dt.date) -> list[dict[str, Any]]:
    """Open deals, largest first, each with its pipeline-review flags as of `day` (the same
    flags and wording as `funnelwise review`; none for a deal not open on that day)."""
    at = reviewed(ctx, day).at
    deals = records(queries.open_deals(ctx.crm, rep_id, at).to_pandas())
    rv = reviewed(ctx, day).deals
    mine = rv[rv["rep"] == rep_id]
    flags = dict(zip(mine["opportunity_id"], mine["flags"], strict=True))
    return [d | {"flags": flags.get(str(d["opportunity_id"]), [])} for d in deals]


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def week_flags(ctx: Context, rep_id: str, week: str | None) -> Data:
    """The rep's red flags of the week (`coach --week W` rows for this rep), ranked by money
    at stake, with the week they judge and why that week; `empty` says why there are none."""
    found = coaching.build(ctx, week=week)
    return {"week": found["week"], "week_label": found.get("week_label"),
            "week_reason": found.get("week_reason"), "empty": found["empty"],
            "flags": [f for f in found["flags"] if f["rep"] == rep_id]}


def build(ctx: Context, rep_id: str, *, as_of: str | None = None,
          period: str | None = None, week: str | None = None) -> Data:
    """One rep's figures for the page's filters (a 404 for a rep not in scope)."""
    rep = find_rep(ctx, rep_id)
    team = rep["team"] if rep["team"] is not None else NONE
    day = review_day(ctx, as_of)
    plan, plan_note = rep_plan(ctx, rep_id, choose_period(ctx, day, period))
    return {
        "title": rep["name"],
        "rep": rep,
        "week": week_flags(ctx, rep_id, week),
        "as_of": ctx.as_of().isoformat(),
        "review_as_of": day.isoformat(),
        "winrate": _first(ctx.records("winrates", by="rep", key=rep_id)),
        "team_winrate": _first(ctx.records("winrates", by="team", key=team)),
        "cycle": _first(ctx.records("cycle", by="rep", key=rep_id)),
        "funnel": ctx.records("funnel", by="rep", key=rep_id),
        "team_funnel": ctx.records("funnel", by="team", key=team),
        "activity": weekly(ctx, rep_id, plan),
        "plan": plan,
        "plan_note": plan_note,
        "open_deals": open_deals(ctx, rep_id, day),
    }


def figures(data: Data) -> dict[str, go.Figure]:
    rep, act = data["rep"], data["activity"]
    return {
        "rates": charts.rates_vs_team_figure(data["funnel"], data["team_funnel"],
                                             rep["name"], str(rep["team"])),
        "activity": pipeline_charts.weekly_plan_figure(
            act["weeks"], act["volume_step"] or "activities", act["output_step"], act["plan"]),
    }


def instances(ctx: Context) -> list[Params]:
    return [{"rep_id": r["rep_id"]} for r in ctx.reps()]


PAGE = Page(name="rep", title="Rep", route="/reps/{rep_id}", api_route="/reps/{rep_id}",
            build=build, charts=figures, instances=instances, in_nav=False)
