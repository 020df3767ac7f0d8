"""stalled_deals: open deals stuck in their stage, from the evidence-based pipeline review.

The review (`funnelwise.pipeline.review`) flags a deal `stalled_in_stage` when it has been in
its current stage longer than the 90th percentile of the time won deals spent there (learnt
only from deals closed before the review date). The review runs as of the Monday after the
coached week (the latest data when that is the current week). One flag per rep lists their
stalled deals, largest expected value first.

Money at stake: the sum of amount x win probability over the rep's stalled deals, the
probability being the review's (learnt from past deals at the same stage and age, per rep).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from funnelwise.coach.context import CoachContext
from funnelwise.coach.questions import STALLED
from funnelwise.coach.rules import Flag, Rule, register
from funnelwise.formats import money
from funnelwise.metrics.asof import as_of
from funnelwise.pipeline.review import review

STALE_RULE = "stalled_in_stage"
SHOWN = 3


def stalled(ctx: CoachContext) -> pd.DataFrame:
    """Stalled open deals with rep, stage, days in stage, amount, probability and evidence."""
    after = ctx.week + dt.timedelta(weeks=1)
    rv = review(ctx.crm, at=as_of(ctx.crm, after if ctx.latest >= after else None))
    f = rv.flags[rv.flags["rule"] == STALE_RULE][["opportunity_id", "evidence"]]
    d = rv.deals.merge(f, on="opportunity_id")
    d["at_stake"] = d["amount"] * d["probability"].fillna(0.0)
    return d.sort_values(["at_stake", "opportunity_id"], ascending=[False, True])


def _deal(r: pd.Series) -> dict[str, object]:
    return {"opportunity_id": r["opportunity_id"], "stage": r["stage"],
            "amount": float(r["amount"]), "probability": float(r["probability"]),
            "stage_days": float(r["stage_days"]), "at_stake": float(r["at_stake"]),
            "evidence": r["evidence"]}


def _flag(rep: str, deals: pd.DataFrame) -> Flag:
    items = tuple(_deal(r) for _, r in deals.iterrows())
    total = float(deals["at_stake"].sum())
    lines = tuple(f"{r.opportunity_id} ({money(float(r.amount))}, {r.stage}): {r.evidence}"
                  for r in deals.head(SHOWN).itertuples())
    more = (f"and {len(items) - SHOWN} more",) if len(items) > SHOWN else ()
    return Flag(
        rep=rep, rule="stalled_deals", step=None,
        title=f"{len(items)} stalled deal{'s' if len(items) > 1 else ''}, "
              f"{money(float(deals['amount'].sum()))} in pipeline",
        evidence=(*lines, *more, f"expected value (amount x win probability): {money(total)}"),
        money=total, questions=STALLED, deals=items,
        figures={"deals": len(items), "amount": float(deals["amount"].sum())},
    )


def run(ctx: CoachContext) -> list[Flag]:
    d = stalled(ctx)
    return [_flag(str(rep), part) for rep, part in d.groupby("rep", sort=True)]


RULE = register(Rule(
    name="stalled_deals", summary="open deals stuck in their stage (pipeline review)", run=run,
    label="Stalled deals"))
