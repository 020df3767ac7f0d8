"""Coaching brief: per manager, who needs a conversation this week, what to ask, with the
evidence; bright spots to share; deals to review.

`flags`, `settings`, `notes` and `week` are what `funnelwise coach --format json` prints for
the same week (`?week=YYYY-MM-DD`, the command's --week; default: the last week with data
through its Friday) and the page's manager (--manager); `managers` holds the sections of
`funnelwise brief` for the same week. The rules run over the whole organisation, as the
commands run them; the manager and team filters choose whose flags are shown. The since and
until filters do not apply: a brief judges one week against each rep's own history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.coach.brief import Conversation, ManagerBrief
from funnelwise.coach.config import coach_config, targets_config
from funnelwise.coach.rules import Flag
from funnelwise.coach.scoped import Coaching, coaching, gauge
from funnelwise.errors import UserError
from funnelwise.formats import date
from funnelwise.frames import plain
from funnelwise.periods import containing
from funnelwise.presentation.brief import footer, title
from funnelwise.presentation.coach import flag_record
from funnelwise.web.charts import coach as coach_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page

Row = dict[str, Any]


def parse_week(text: str | None) -> dt.date | None:
    """A day of the week to coach, YYYY-MM-DD; None when not given."""
    if not text or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"week={text!r} is not a date (expected YYYY-MM-DD, any day of the "
                        "week to coach)") from None


def _conversation(c: Conversation, ranks: dict[int, Row]) -> Row:
    return {"rep": c.rep, "name": c.name, "money": c.money, "opener": c.opener,
            "title": c.flags[0].title, "flags": [ranks[id(f)] for f in c.flags]}


def _section(m: ManagerBrief, ranks: dict[int, Row], names: dict[str, str]) -> Row:
    return {
        "manager": m.manager, "reps": m.reps, "status": list(m.status),
        "conversations": [_conversation(c, ranks) for c in m.conversations],
        "more_flagged": m.more_flagged,
        "bright_spots": [{"rep": s.rep, "name": names.get(s.rep, s.rep), "kind": s.kind,
                          "title": s.title, "evidence": list(s.evidence)}
                         for s in m.bright_spots],
        "deals": [{**d, "name": names.get(d["rep"], d["rep"])} for d in m.deals],
    }


def _gauges(c: Coaching, records: list[Row]) -> list[Row]:
    out = []
    for f, r in zip(c.flags, records, strict=True):
        g = gauge(f, c.config)
        if g is not None:
            out.append({"rank": r["rank"], "rep": f.rep, "name": r["name"], "rule": f.rule,
                        **g})
    return out


def _reason(c: Coaching, asked: dt.date | None) -> str:
    if asked is not None:
        return f"the week that contains {asked.isoformat()}, as asked"
    return (f"the last week with data through its Friday (the latest activity is on "
            f"{c.latest.isoformat()})")


def _records(flags: tuple[Flag, ...], names: dict[str, str]) -> tuple[list[Row], dict[int, Row]]:
    records = [flag_record(f, names[f.rep], i) for i, f in enumerate(flags, start=1)]
    return records, {id(f): r for f, r in zip(flags, records, strict=True)}


def data_of(c: Coaching, asked: dt.date | None) -> Data:
    """The page's figures from one coaching run."""
    records, ranks = _records(c.flags, c.names)
    return plain({
        "title": "Coaching brief",
        "heading": title(c.brief),
        "week": c.week.isoformat(),
        "week_label": date(c.week),
        "week_reason": _reason(c, asked),
        "latest_activity": c.latest.isoformat(),
        "settings": c.settings,
        "notes": list(c.notes),
        "flags": records,
        "gauges": _gauges(c, records),
        "managers": [_section(m, ranks, c.names) for m in c.brief.briefs],
        "footer": footer(c.brief),
        "empty": None,
    })


def build(ctx: Context, *, week: str | None = None) -> Data:
    """The brief and ranked flags of the week for the reps in the page's scope."""
    asked = parse_week(week)
    if asked is not None:
        ctx.span().check(containing(asked, "week"), "week")
    reps = None if ctx.filters.scope.is_everyone else [r["rep_id"] for r in ctx.reps()]
    funnel = ctx.org.funnel
    try:  # one run per week and scope, shared with the overview's and rep pages' actions
        c = ctx.remember(("coaching", asked), lambda: coaching(
            ctx.org, week=asked, reps=reps, config=coach_config(funnel),
            targets=targets_config(funnel), accuracy=ctx.accuracy()))
    except UserError as exc:
        return {"title": "Coaching brief", "heading": "Coaching brief", "week": None,
                "empty": str(exc), "flags": [], "gauges": [], "managers": [], "notes": []}
    return data_of(c, asked)


def figures(data: Data) -> dict[str, go.Figure]:
    return {
        "stake": coach_charts.stake_figure(data["flags"]),
        "evidence": coach_charts.evidence_figure(data["gauges"]),
    }


PAGE = Page(name="coaching", title="Coaching brief", route="/coaching",
            api_route="/coaching", build=build, charts=figures)
