"""Maven CRM sample, reviewed as of 2017-07-01, against plain SQL over the raw file."""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.asof import as_of
from funnelwise.pipeline.history import stage_thresholds
from funnelwise.pipeline.review import review
from tests.conftest import MAVEN, needs, raw_sql

pytestmark = needs(MAVEN)
AS_OF = dt.date(2017, 7, 1)
PIPELINE = MAVEN / "sales_pipeline.csv"
PRODUCTS = MAVEN / "products.csv"

OPEN_BY_AGENT = f"""
SELECT p.sales_agent, count(*),
       sum(CASE WHEN p.close_value > 0 THEN p.close_value ELSE pr.sales_price END)
FROM read_csv('{PIPELINE}') AS p
LEFT JOIN read_csv('{PRODUCTS}') AS pr
  ON replace(lower(pr.product), ' ', '') = replace(lower(p.product), ' ', '')
WHERE p.engage_date < DATE '2017-07-01'
  AND (p.close_date IS NULL OR p.close_date >= DATE '2017-07-01')
GROUP BY 1 ORDER BY 1
"""

WON_ENGAGING_P90 = f"""
SELECT count(*), quantile_cont(close_date - engage_date, 0.9)
FROM read_csv('{PIPELINE}')
WHERE deal_stage = 'Won' AND close_date < DATE '2017-07-01'
"""


@pytest.fixture(scope="module")
def maven_review(maven_path):
    with Workspace(maven_path, create=False) as ws:
        return review(ws.crm(), as_of=AS_OF)


def test_open_pipeline_per_agent_equals_plain_sql(maven_review):
    """Open on 2017-07-01: engaged before the date and not closed before it."""
    t = maven_review.totals
    reps = t[t["level"] == "rep"].sort_values("key")
    got = [(r.key, r.deals, r.raw_value) for r in reps.itertuples()]
    expected = raw_sql(OPEN_BY_AGENT)
    assert len(got) == len(expected) == 30
    for (agent, n, value), (e_agent, e_n, e_value) in zip(got, expected, strict=True):
        assert (agent, n) == (e_agent, e_n)
        assert value == pytest.approx(e_value)
    assert sum(n for _, n, _ in got) == 1686


def test_stage_threshold_equals_plain_sql_percentile(maven_path):
    """Days in Engaging of won deals: engage date to close (the next history row)."""
    with Workspace(maven_path, create=False) as ws:
        th = stage_thresholds(ws.crm(), as_of(ws.crm(), AS_OF), 0.9).to_pandas()
    ((won, p90),) = raw_sql(WON_ENGAGING_P90)
    (row,) = th.to_dict(orient="records")
    assert row["stage"] == "Engaging"
    assert (row["won_deals"], row["threshold_days"]) == (won, pytest.approx(p90))


def test_rules_without_data_are_reported_not_guessed(maven_review):
    """Maven has no activities, outcomes or close-date history: those rules say so."""
    notes = " ".join(maven_review.notes)
    for rule in ("no_customer_activity", "missing_outcomes", "close_date_pushed"):
        assert f"({rule}) not checked" in notes
    flagged = {f for flags in maven_review.deals["flags"] for f in (x["rule"] for x in flags)}
    assert flagged <= {"stalled_in_stage", "older_than_won_cycle", "amount_above_history"}
