"""Rep page: the rep's funnel beside their team's, weekly activity volume and yield, their
win rate with its interval, and their open deals.

Funnel and win-rate rows are the CLI's JSON rows for the same filters (`funnel --by rep`,
`funnel --by team`, `winrates --by rep`, `winrates --by team`, `cycle --by rep`), selected
for this rep and their team.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from funnelwise.errors import did_you_mean
from funnelwise.metrics.dimensions import NONE
from funnelwise.report import charts
from funnelwise.web import queries
from funnelwise.web.context import Context, frame_rows
from funnelwise.web.page import Data, NotFound, Page, Params


def find_rep(ctx: Context, rep_id: str) -> dict[str, Any]:
    """The rep's row, or a 404 naming the closest rep id in scope."""
    reps = {r["rep_id"]: r for r in ctx.reps()}
    if rep_id in reps:
        return reps[rep_id]
    hint = did_you_mean(rep_id, reps)
    where = "" if ctx.filters.scope.is_everyone else f" in {ctx.filters.scope.describe()}"
    raise NotFound(f"no rep {rep_id!r}{where}" + (f"; {hint}" if hint else ""))


def weekly(ctx: Context, rep_id: str) -> Data:
    """Weekly volume at the funnel's first activity step and the yield into the next step."""
    steps = queries.volume_steps(ctx.crm.funnel)
    if steps is None:
        return {"volume_step": None, "output_step": None, "weeks": []}
    volume, output = steps
    expr = queries.weekly_activity(ctx.crm, rep_id=rep_id, volume=volume, output=output,
                                   since=ctx.filters.since, until=ctx.filters.until)
    weeks = frame_rows(expr.to_pandas())
    for w in weeks:
        w["yield"] = w["output"] / w["volume"] if output and w["volume"] else None
    return {"volume_step": volume.name, "output_step": output.name if output else None,
            "weeks": weeks}


def open_deals(ctx: Context, rep_id: str) -> list[dict[str, Any]]:
    """Open deals, largest first; `flags` are filled in by pipeline review."""
    deals = frame_rows(queries.open_deals(ctx.crm, rep_id, ctx.as_of()).to_pandas())
    return [d | {"flags": []} for d in deals]


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def build(ctx: Context, rep_id: str) -> Data:
    """One rep's figures for the page's filters (a 404 for a rep not in scope)."""
    rep = find_rep(ctx, rep_id)
    team = rep["team"] if rep["team"] is not None else NONE
    return {
        "title": rep["name"],
        "rep": rep,
        "as_of": ctx.as_of().isoformat(),
        "winrate": _first(ctx.records("winrates", by="rep", key=rep_id)),
        "team_winrate": _first(ctx.records("winrates", by="team", key=team)),
        "cycle": _first(ctx.records("cycle", by="rep", key=rep_id)),
        "funnel": ctx.records("funnel", by="rep", key=rep_id),
        "team_funnel": ctx.records("funnel", by="team", key=team),
        "activity": weekly(ctx, rep_id),
        "open_deals": open_deals(ctx, rep_id),
    }


def figures(data: Data) -> dict[str, go.Figure]:
    rep, act = data["rep"], data["activity"]
    return {
        "rates": charts.rates_vs_team_figure(data["funnel"], data["team_funnel"],
                                             rep["name"], str(rep["team"])),
        "activity": charts.weekly_figure(act["weeks"], act["volume_step"] or "activities",
                                         act["output_step"]),
    }


def instances(ctx: Context) -> list[Params]:
    return [{"rep_id": r["rep_id"]} for r in ctx.reps()]


PAGE = Page(name="rep", title="Rep", route="/reps/{rep_id}", api_route="/reps/{rep_id}",
            build=build, charts=figures, instances=instances, in_nav=False)
