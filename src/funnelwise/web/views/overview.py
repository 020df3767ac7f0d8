"""Team overview: this week's actions first, then the funnel with drop-off, win rates with
intervals, and cycle times.

`actions` is the week's coaching agenda for the page's scope, from the same run as the
coaching page (`views.coaching`): `flags`, `notes`, `settings` and `week` are what
`funnelwise coach --format json` prints at its defaults (the last week with data through its
Friday), `managers` the sections of `funnelwise brief`: per manager, the reps who need a
conversation (costliest first, each with the question to open with and the evidence) and the
deals to review (the stalled deals the pipeline review finds, largest expected value first).
`deal_questions` are the questions the stalled-deals rule asks of each of those deals. The
date filters do not change the actions (a week is judged against each rep's own history);
manager and team choose whose they are.

Every other figure is a metric's JSON rows, exactly as the CLI prints them for the same
filters: `funnel --by all`, `winrates --by all` and `--by rep`, `cycle --by all` and
`--by rep`.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from funnelwise.coach.brief import DEAL_RULE
from funnelwise.web.charts import base as charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page
from funnelwise.web.views import coaching

Row = dict[str, Any]
ACTION_FIELDS = ("heading", "week", "week_label", "week_reason", "empty", "settings", "notes",
                 "flags", "managers", "footer")


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def deal_questions(flags: list[Row]) -> list[str]:
    """What to ask about a deal to review: the stalled-deals rule's questions."""
    return next((list(f["questions"]) for f in flags if f["rule"] == DEAL_RULE), [])


def counts(flags: list[Row], managers: list[Row]) -> dict[str, int]:
    """How many conversations and deals the sections list, and how many there are in all:
    flagged reps (stalled deals aside) and stalled deals in scope."""
    return {
        "conversations": sum(len(m["conversations"]) for m in managers),
        "flagged_reps": len({f["rep"] for f in flags if f["rule"] != DEAL_RULE}),
        "deals": sum(len(m["deals"]) for m in managers),
        "stalled_deals": sum(len(f["deals"]) for f in flags if f["rule"] == DEAL_RULE),
    }


def actions(ctx: Context) -> Data:
    """The week's actions for the page's scope: the coaching page's run at its defaults."""
    week = coaching.build(ctx)
    shown = {k: week.get(k) for k in ACTION_FIELDS}
    return shown | {"deal_questions": deal_questions(week["flags"]),
                    "counts": counts(week["flags"], week["managers"])}


def build(ctx: Context) -> Data:
    """The week's actions and the team's figures for the page's filters."""
    return {
        "title": "Team overview",
        "actions": actions(ctx),
        "reps": ctx.reps(),
        "winrate_all": _first(ctx.records("winrates", by="all")),
        "cycle_all": _first(ctx.records("cycle", by="all")),
        "funnel": ctx.records("funnel", by="all"),
        "winrates": ctx.records("winrates", by="rep"),
        "cycle": ctx.records("cycle", by="rep"),
        "notes": [*ctx.metric("winrates", by="rep").notes,
                  *ctx.metric("funnel", by="all").notes],
    }


def names(data: Data) -> dict[str, str]:
    return {r["rep_id"]: r["name"] for r in data["reps"]}


def figures(data: Data) -> dict[str, go.Figure]:
    overall = data["winrate_all"]["win_rate"] if data["winrate_all"] else None
    return {
        "funnel": charts.funnel_figure(data["funnel"]),
        "winrates": charts.winrate_figure(data["winrates"], names(data), overall),
        "cycle": charts.cycle_figure(data["cycle"], names(data)),
    }


PAGE = Page(name="overview", title="Team overview", route="/", api_route="/overview",
            build=build, charts=figures)
