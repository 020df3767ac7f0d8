"""A simulated org whose deals were loaded in a burst: derived from the simulator's CSV files.

Another generator (or an import from an older CRM) can date a batch of deals in the first weeks
of the data, without the meetings that led to them. `add_burst` copies a simulated org's
canonical files and adds, for every rep and each of the first `weeks` weeks, one lost deal
more than the meetings the rep held that week, created on the week's Wednesday without a lead.
Early on every rep then has more qualified opportunities than meetings held: counted by week,
meeting -> qualified is above 100%. `strip_leads` removes the lead and deal ids from the
activities, so no rate can follow the same leads.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace

CSV = "(HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')"


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def add_burst(src: Path, out: Path, *, weeks: int = 6) -> int:
    """Copy `src` (CSV files and truth.json) to `out` and add the burst; how many deals."""
    out.mkdir(parents=True, exist_ok=True)
    for f in [*src.glob("*.csv"), src / "truth.json"]:
        shutil.copy(f, out / f.name)
    start = json.loads((src / "truth.json").read_text())["start"]
    reps, acts = _sql_path(out / "reps.csv"), _sql_path(out / "activities.csv")
    opps, history = _sql_path(out / "opportunities.csv"), _sql_path(out / "stage_history.csv")
    with duckdb.connect() as con:
        con.execute(f"""
            CREATE TABLE burst AS
            WITH held AS (
                SELECT rep_id, date_diff('day', DATE '{start}', occurred_at::DATE) // 7 AS w,
                       count(*) AS n
                FROM read_csv({acts}) WHERE type = 'meeting' AND output = 'held' GROUP BY ALL)
            SELECT 'BURST' || lpad(row_number() OVER (ORDER BY r.rep_id, w.w, i.i)::VARCHAR,
                                   5, '0') AS opportunity_id,
                   r.rep_id AS owner_rep_id,
                   DATE '{start}' + to_days(w.w::INT * 7 + 2) + INTERVAL 10 HOUR AS created_at,
                   DATE '{start}' + to_days(w.w::INT * 7 + 50) + INTERVAL 11 HOUR AS closed_at,
                   (DATE '{start}' + to_days(w.w::INT * 7 + 60))::DATE AS expected_close_date
            FROM read_csv({reps}) r CROSS JOIN range({weeks}) w(w)
            LEFT JOIN held h ON h.rep_id = r.rep_id AND h.w = w.w
            CROSS JOIN LATERAL range(coalesce(h.n, 0) + 1) i(i)""")
        cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM read_csv({opps})").fetchall()]
        added = {"account_id": "NULL", "lead_id": "NULL", "source": "'outbound'",
                 "product": "'Platform'", "stage": "'Closed Lost'", "amount": "10000.0",
                 "status": "'lost'", "forecast_category": "'closed'"}
        select = ", ".join(f"{added.get(c, c)} AS {c}" for c in cols)
        con.execute(f"COPY (SELECT * FROM read_csv({opps}) UNION ALL BY NAME "
                    f"SELECT {select} FROM burst) TO {opps} {CSV}")
        con.execute(f"""COPY (SELECT * FROM read_csv({history}) UNION ALL
            SELECT opportunity_id, 'Qualified', created_at FROM burst UNION ALL
            SELECT opportunity_id, 'Closed Lost', closed_at FROM burst) TO {history} {CSV}""")
        added_rows = con.execute("SELECT count(*) FROM burst").fetchall()
        return int(added_rows[0][0])


def strip_leads(data: Path) -> None:
    """Activities without their lead and deal ids."""
    acts = _sql_path(data / "activities.csv")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * REPLACE (NULL::VARCHAR AS lead_id, NULL::VARCHAR AS "
                    f"opportunity_id) FROM read_csv({acts})) TO {acts} {CSV}")


def imported(data: Path) -> Path:
    """A workspace with the canonical files of `data` imported."""
    path = data / "ws.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path
