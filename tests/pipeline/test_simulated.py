"""The simulated org (80 reps x 52 weeks, seed 11) with planted stale and inflated deals."""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.asof import as_of
from funnelwise.pipeline.probability import fit
from tests.conftest import raw_sql


def flagged_shares(rv, truth):
    """Share of planted and of healthy open deals with a disqualifying flag (qualify out)."""
    planted = set(truth["planted"]["stale"]) | set(truth["planted"]["inflated"])
    d = rv.deals.assign(planted=rv.deals["opportunity_id"].isin(planted))
    out = ~d["qualified"]
    return out[d["planted"]].mean(), out[~d["planted"]].mean(), int(d["planted"].sum())


def test_the_review_qualifies_out_planted_deals_and_few_healthy_ones(simulated,
                                                                     simulated_review):
    recall, false_rate, planted = flagged_shares(simulated_review, simulated.truth)
    assert planted == len(simulated.truth["planted"]["stale"]) + len(
        simulated.truth["planted"]["inflated"])
    assert recall >= 0.8
    assert false_rate <= 0.10


def test_each_planted_kind_is_caught_by_its_own_evidence(simulated, simulated_review):
    """Stale deals have had no customer activity for over 60 days; inflated ones are 4.2x or
    more the rep's usual deal."""
    flags = simulated_review.flags
    by_rule = {r: set(flags.loc[flags["rule"] == r, "opportunity_id"]) for r in flags["rule"]}
    stale, inflated = (set(simulated.truth["planted"][k]) for k in ("stale", "inflated"))
    assert len(stale & by_rule["no_customer_activity"]) / len(stale) >= 0.9
    assert len(inflated & by_rule["amount_above_history"]) / len(inflated) >= 0.9


def test_pushed_close_dates_come_from_history(simulated, simulated_review):
    """Every deal with a later date in close_date_history than its first one is flagged."""
    data = simulated.data / "close_date_history.csv"
    (pushed,) = raw_sql(f"""
        SELECT count(DISTINCT opportunity_id) FROM (
          SELECT opportunity_id, expected_close_date > lag(expected_close_date)
                 OVER (PARTITION BY opportunity_id ORDER BY changed_at) AS later
          FROM read_csv('{data}')) WHERE later""")[0]
    flags = simulated_review.flags
    assert (flags["rule"] == "close_date_pushed").sum() == pushed > 0


def test_missing_outcome_evidence_equals_plain_sql(simulated, simulated_review):
    """Of the deals closed by the data end that reached Negotiation, the win rate of those with
    and without a sponsor_engaged outcome."""
    d = simulated.data
    reached = f"""
        SELECT o.opportunity_id, o.status = 'won' AS won,
               EXISTS (SELECT 1 FROM read_csv('{d / "outcomes.csv"}') AS x
                       WHERE x.opportunity_id = o.opportunity_id
                         AND x.kind = 'sponsor_engaged') AS has
        FROM read_csv('{d / "opportunities.csv"}') AS o
        WHERE o.status <> 'open' AND (o.status = 'won' OR EXISTS (
            SELECT 1 FROM read_csv('{d / "stage_history.csv"}') AS h
            WHERE h.opportunity_id = o.opportunity_id AND h.stage = 'Negotiation'))"""
    ((without, with_),) = raw_sql(
        f"SELECT avg(won::int) FILTER (NOT has), avg(won::int) FILTER (has) FROM ({reached})")
    text = next(f for f in simulated_review.flags["evidence"]
                if f.startswith("no sponsor engaged, required at Negotiation"))
    assert f"without it won {without:.1%}" in text and f"with it {with_:.1%}" in text


def test_probabilities_learn_only_from_deals_closed_before_the_date(simulated):
    day = dt.date(2026, 1, 1)
    with Workspace(simulated.path, create=False) as ws:
        model = fit(ws.crm(), as_of(ws.crm(), day))
    ((share,),) = raw_sql(f"""SELECT avg((status = 'won')::int)
        FROM read_csv('{simulated.data / "opportunities.csv"}')
        WHERE status <> 'open' AND closed_at < TIMESTAMP '2026-01-01'""")
    assert model.p_all == pytest.approx(share)

