"""The core metric set every engine must agree on, as (id, function of a `Crm`) pairs.

The set: win rates, funnel, cycle, coverage, the pipeline review (deals, flags, totals), the
inputs `funnelwise plan` reads, activity effectiveness and its decompositions between periods.
Each case returns the frame a user sees, or several named frames when one call gives them.
Add a case here when a metric joins the core set: the Parquet and Spark tests pick it up.
`ROWS` states the row count of each frame on the simulated org of `conftest.org`, so engines
that agree on nothing (empty frames) still fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TypeAlias

import ibis
import pandas as pd

from funnelwise.metrics.cycle import cycle
from funnelwise.metrics.decompose import compare_steps, compare_types
from funnelwise.metrics.effectiveness import effectiveness
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.winrates import winrates
from funnelwise.periods import parse_period
from funnelwise.pipeline.coverage import CoverageOptions, coverage
from funnelwise.pipeline.review import review
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import parse_funnel

SINCE, UNTIL = dt.date(2025, 8, 1), dt.date(2025, 11, 30)
AS_OF = dt.date(2025, 11, 3)
Q3, Q4 = parse_period("2025-Q3"), parse_period("2025-Q4")

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

Frames: TypeAlias = pd.DataFrame | dict[str, pd.DataFrame]
Case = Callable[[Crm], Frames]


def _stages(crm: Crm) -> Crm:
    return dataclasses.replace(crm, funnel=STAGES_AND_OUTCOMES)


def review_frames(crm: Crm) -> dict[str, pd.DataFrame]:
    """The pipeline at the latest data with win probabilities: deals, flags, totals.

    A deal's `flags` column is the flags frame nested per deal, so it is compared there.
    """
    rv = review(crm)
    return {"deals": rv.deals.drop(columns="flags"), "flags": rv.flags, "totals": rv.totals}


def undated(crm: Crm) -> Crm:
    """Open deals created on an odd day lose their creation date, as Maven's Prospecting rows
    have none: their age and, without stage history, their days in stage are unknown, and no
    engine may read unknown as a number."""
    o = crm.opportunities
    odd = (o.status == "open") & (o.created_at.day() % 2 == 1)
    return dataclasses.replace(crm, opportunities=o.mutate(
        created_at=ibis.ifelse(odd, ibis.null("timestamp"), o.created_at)))


def plan_inputs(crm: Crm) -> dict[str, pd.DataFrame]:
    """What `funnelwise plan --period 2025-Q4` reads per rep (and for the whole team).

    groups: target, deal size, cycle, source and note; steps: each step's rate posterior,
    benchmark and lead time.
    """
    g = load_groups(crm, Q4, Options())
    rows = [(f, t.quota, b) for f, t, b in zip(g.funnels, g.targets, g.benchmarks, strict=True)]
    rows.append((g.team, g.team_target.quota, None))
    groups = pd.DataFrame([
        {"key": f.key, "parent": f.parent, "source": f.source, "note": f.note, "quota": quota,
         "deal_size": f.deal_size.mean, "deal_size_se": f.deal_size.se, "deal_cv": f.deal_size.cv,
         "wins": f.deal_size.wins, "win_rate": f.win_rate, "cycle_days": f.timing.cycle_days,
         "cycle_late_days": f.timing.cycle_late_days}
        for f, quota, _ in rows])
    nan = float("nan")
    steps = pd.DataFrame([
        {"key": f.key, "step": step,
         "rate": f.rates[j].value if j < len(f.rates) else nan,
         "alpha": f.rates[j].alpha if j < len(f.rates) else nan,
         "beta": f.rates[j].beta if j < len(f.rates) else nan,
         "benchmark": bench[j] if bench is not None and j < len(bench) else nan,
         "lead_days": f.timing.lead_days[j], "late_lead_days": f.timing.late_lead_days[j]}
        for f, _, bench in rows for j, step in enumerate(f.steps)])
    return {"groups": groups, "steps": steps}


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
    "coverage-rep-as-of-blanket": lambda crm: coverage(
        crm, as_of=AS_OF, by="rep", opts=CoverageOptions(blanket=3.0)).frame,
    "review-latest": review_frames,
    "review-undated-open-deals": lambda crm: review_frames(undated(crm)),
    "plan-inputs-rep": plan_inputs,
    "effectiveness-rep": lambda crm: effectiveness(crm, by="rep").frame,
    "compare-steps-rep": lambda crm: compare_steps(crm, Q3, Q4, by="rep").frame,
    "compare-types-team": lambda crm: compare_types(crm, Q3, Q4, by="team").frame,
}

# 20 reps in 3 teams (3 managers, 3 regions), 4 products, 6 activity types; the default funnel
# has 5 steps, the stages-and-outcomes one 6.
ROWS: dict[str, dict[str, int]] = {
    "winrates-rep": {"": 20},
    "winrates-team": {"": 3},
    "winrates-product-window": {"": 4},
    "funnel-rep": {"": 20 * 5},
    "funnel-all-window": {"": 5},
    "funnel-stages-and-outcomes-manager": {"": 3 * 6},
    "cycle-rep": {"": 20},
    "cycle-region-window": {"": 3},
    "coverage-rep-as-of-blanket": {"": 20},
    "review-latest": {"deals": 440, "flags": 429, "totals": 20 + 3 + 1},
    "review-undated-open-deals": {"deals": 440, "flags": 386, "totals": 20 + 3 + 1},
    "plan-inputs-rep": {"groups": 20 + 1, "steps": (20 + 1) * 5},
    "effectiveness-rep": {"": 20 * 6},
    "compare-steps-rep": {"": 20 * 4},
    "compare-types-team": {"": 3 * 6},
}


def named(frames: Frames) -> dict[str, pd.DataFrame]:
    """A case's frames by name ("" for a case that returns one frame)."""
    return frames if isinstance(frames, dict) else {"": frames}


def _one_resolution(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps at nanoseconds: DuckDB hands them to pandas in microseconds, Spark in ns."""
    stamps = frame.select_dtypes(include=["datetime64"]).columns
    return frame.astype(dict.fromkeys(stamps, "datetime64[ns]"))


def assert_same(left: Frames, right: Frames) -> None:
    """Same frames; in each, the same rows in the same order, the same columns and types
    (timestamps at one resolution), floats within 1e-9."""
    a, b = named(left), named(right)
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(_one_resolution(a[name]).reset_index(drop=True),
                                      _one_resolution(b[name]).reset_index(drop=True),
                                      check_exact=False, rtol=1e-9, atol=1e-9,
                                      obj=f"{name} frame" if name else "DataFrame")
