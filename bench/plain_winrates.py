"""What `funnelwise winrates --by rep --format json` answers, as a plain Python + DuckDB script.

The baseline the command's latency is measured against: the same question over the same
workspace file, in one hand-written query and nothing but duckdb and json. Per rep, over the
closed deals (won or lost): won and lost counts and amounts, the win rate by count and by value,
the rep's team as the parent. It leaves out what funnelwise adds: the shrunk estimates, their
intervals and the parent's rate.

Run: python bench/plain_winrates.py WORKSPACE  (prints the rows as JSON)
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import duckdb

QUERY = """
SELECT key, parent, won, lost, won + lost AS closed, won / (won + lost) AS win_rate,
       won_value / nullif(won_value + lost_value, 0) AS value_win_rate, won_value, lost_value
FROM (
    SELECT o.owner_rep_id AS key, coalesce(r.team, '(all)') AS parent,
           count(*) FILTER (WHERE o.status = 'won') AS won,
           count(*) FILTER (WHERE o.status = 'lost') AS lost,
           coalesce(sum(o.amount) FILTER (WHERE o.status = 'won'), 0.0) AS won_value,
           coalesce(sum(o.amount) FILTER (WHERE o.status = 'lost'), 0.0) AS lost_value
    FROM opportunities o LEFT JOIN reps r ON o.owner_rep_id = r.rep_id
    WHERE o.status IN ('won', 'lost')
    GROUP BY ALL
)
ORDER BY key
"""


def differences(funnelwise: list[dict[str, Any]], plain: list[dict[str, Any]]) -> list[str]:
    """Where funnelwise's rows differ from this script's, on this script's columns (numbers
    within 1e-9); none when they give the same answer."""
    if [r["key"] for r in funnelwise] != [r["key"] for r in plain]:
        return [f"reps differ: {[r['key'] for r in funnelwise]} against "
                f"{[r['key'] for r in plain]}"]
    found = []
    for ours, theirs in zip(funnelwise, plain, strict=True):
        for column, value in theirs.items():
            got = ours.get(column)
            same = (got == value if not isinstance(value, float) or got is None
                    else math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-9))
            if not same:
                found.append(f"{theirs['key']} {column}: funnelwise {got}, plain {value}")
    return found


def main() -> None:
    with duckdb.connect(sys.argv[1], read_only=True) as con:
        cursor = con.execute(QUERY)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    json.dump(rows, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
