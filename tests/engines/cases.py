"""The core metric set every engine must agree on, as (id, function of a `Crm`) pairs.

Each case returns the frame a user sees. Add a case here when a metric joins the core set
(coverage, plan inputs, effectiveness): the Parquet and Spark tests pick it up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd

from funnelwise.metrics.cycle import cycle
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.winrates import winrates
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import parse_funnel

SINCE, UNTIL = dt.date(2025, 8, 1), dt.date(2025, 11, 30)

STAGES_AND_OUTCOMES = parse_funnel("""
name = "stages-and-outcomes"
stages = ["Qualified", "Proposal", "Negotiation"]
closed_stages = ["Closed Won", "Closed Lost"]
[[steps]]
name = "outreach"
kind = "activity"
types = ["call", "email", "linkedin"]
[[steps]]
name = "goals"
kind = "outcome"
kinds = ["goals_agreed"]
[[steps]]
name = "qualified"
kind = "stage"
stage = "Qualified"
[[steps]]
name = "proposal"
kind = "stage"
stage = "Proposal"
[[steps]]
name = "negotiation"
kind = "stage"
stage = "Negotiation"
[[steps]]
name = "won"
kind = "status"
status = "won"
""", where="stages-and-outcomes funnel")

Case = Callable[[Crm], pd.DataFrame]


def _stages(crm: Crm) -> Crm:
    return dataclasses.replace(crm, funnel=STAGES_AND_OUTCOMES)


CASES: dict[str, Case] = {
    "winrates-rep": lambda crm: winrates(crm, by="rep").frame,
    "winrates-team": lambda crm: winrates(crm, by="team").frame,
    "winrates-product-window": lambda crm: winrates(crm, by="product", since=SINCE,
                                                    until=UNTIL).frame,
    "funnel-rep": lambda crm: funnel(crm, by="rep").frame,
    "funnel-all-window": lambda crm: funnel(crm, by="all", since=SINCE, until=UNTIL).frame,
    "funnel-stages-and-outcomes-manager": lambda crm: funnel(_stages(crm), by="manager").frame,
    "cycle-rep": lambda crm: cycle(crm, by="rep").frame,
    "cycle-region-window": lambda crm: cycle(crm, by="region", since=SINCE, until=UNTIL).frame,
}


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Same rows in the same order, same columns and types; floats within 1e-9."""
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  check_exact=False, rtol=1e-9, atol=1e-9)
