"""close_date_passed: still open after its expected close date.

Flag when the expected close date (as it stood on the review date) is before that date. A
warning: the forecast is out of date, which is evidence the deal is not being managed.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import date, days
from funnelwise.metrics.asof import days_between
from funnelwise.pipeline.rules import Context, Row, Rule, register


def flag(ctx: Context) -> ir.Table:
    d = ctx.deals
    expected = d.expected_close_date.cast("timestamp")
    d = d.filter(expected < ctx.snap.cut)
    return d.select("opportunity_id", "expected_close_date",
                    value=days_between(ctx.snap.cut, expected), threshold=ibis.literal(0.0))


def evidence(r: Row) -> str:
    return (f"expected close {date(r['expected_close_date'])} passed "
            f"{days(r['value'], unit=True)} before the review date")


RULE = register(Rule(
    name="close_date_passed", summary="open after its expected close date",
    disqualifying=False, flag=flag, evidence=evidence, label="Close date passed"))
