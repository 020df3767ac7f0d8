"""What `funnelwise review --explain` prints runs on its own and gives the review's figures.

The rules read the open deals fetched once, as an in-memory table, and a query reads a small
lookup table (required outcomes): the SQL shown reads the open-deal query again
and the lookups from their rows, so it runs on a connection that never saw those tables.
"""

from __future__ import annotations

import duckdb

from funnelwise.io.workspace import Workspace
from funnelwise.pipeline.review import review


def test_every_query_shown_runs_alone_and_gives_the_flags(simulated):
    con = duckdb.connect(str(simulated.path), read_only=True)
    try:
        with Workspace(simulated.path, read_only=True) as ws:
            rv = review(ws.crm())
        sql = rv.sql()
        assert {"open_deals", "won_cycle", "win_outcomes", "missing_outcomes"} <= set(sql)
        assert len(con.execute(sql["open_deals"]).fetchall()) == len(rv.deals)
        per_rule = rv.flags.groupby("rule").size()
        for rule, count in per_rule.items():
            assert len(con.execute(sql[rule]).fetchall()) == count, rule
        assert per_rule.min() > 0 and len(per_rule) >= 5
        assert con.execute(sql["win_outcomes"]).fetchall()
    finally:
        con.close()
