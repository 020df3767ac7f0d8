"""Run every review rule over the open deals: one row per flag, with its evidence.

Each rule's Ibis expression is executed (flags are few: at most one per open deal and rule),
then its `evidence` function turns each row into the sentence a manager reads. A flag is
disqualifying when its rule is (see `rules.disqualifies`) and, for rules that decide deal by
deal, when the row says so. Flags come rule by rule in registration order and, within a rule,
by deal and evidence: the same data gives the same frame on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from funnelwise.formats import named
from funnelwise.frames import rows
from funnelwise.pipeline.rules import Context, Rule, Skip, disqualifies, rules

FLAG_COLUMNS = ["opportunity_id", "rule", "rule_label", "evidence", "value", "threshold",
                "disqualifying"]


@dataclass(frozen=True)
class Flags:
    """Every flag raised (one row each), the rules that could not run and why, the queries."""

    frame: pd.DataFrame
    skipped: tuple[str, ...]
    exprs: dict[str, ir.Table]


def _run(rule: Rule, ctx: Context) -> tuple[pd.DataFrame, ir.Table]:
    expr = rule.flag(ctx)
    # On the data's own connection: a rule over the fetched deals alone reads no table of it,
    # and Ibis would run it on its process-wide default connection, which DuckDB refuses to
    # share between the threads of a dashboard serving requests side by side.
    frame = ctx.crm.opportunities.get_backend().execute(expr)
    allowed = disqualifies(rule, ctx.config)
    per_deal = frame["disqualifying"].astype(bool) if "disqualifying" in frame else True
    out = pd.DataFrame({
        "opportunity_id": frame["opportunity_id"].astype(str),
        "rule": rule.name,
        "rule_label": rule.label,
        "evidence": [rule.evidence(r) for r in rows(frame)],
        "value": pd.to_numeric(frame["value"], errors="coerce").astype(float),
        "threshold": pd.to_numeric(frame["threshold"], errors="coerce").astype(float),
        "disqualifying": per_deal & allowed if len(frame) else pd.Series(dtype=bool),
    })
    out = out.sort_values(["opportunity_id", "evidence"])
    return out[FLAG_COLUMNS].reset_index(drop=True), expr


def run_rules(ctx: Context) -> Flags:
    """Flags of every registered rule on the context's open deals."""
    frames, skipped, exprs = [], [], {}
    for rule in rules():
        try:
            frame, exprs[rule.name] = _run(rule, ctx)
        except Skip as why:
            skipped.append(f"{named(rule.name, rule.label)} not checked: {why}")
            continue
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=FLAG_COLUMNS)
    frame["disqualifying"] = frame["disqualifying"].astype(bool)
    return Flags(frame=frame, skipped=tuple(skipped), exprs=exprs)
