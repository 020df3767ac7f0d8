"""History from repeated imports, and what changed in the pipeline between them.

Two exports of one simulated org a week apart, made in the test: the second is the simulator's
own export (without stage or close-date history, as most CRM exports come); the first is the
same org seven days earlier, where the deals of the last week are not yet created, the week's
wins and losses are still open, and planted deals were expected later (pulled in since),
expected in the period (pushed out since), valued lower (re-valued since), at a later stage
(moved back since) or owned by another rep (reassigned since). Each is imported with
`--as-of` its day; the waterfall's lines are checked against plain SQL over the two files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io.workspace import Workspace
from funnelwise.periods import default_period
from funnelwise.pipeline.changes import changes
from tests.conftest import raw_sql

runner = CliRunner()
KEEP = ("reps.csv", "accounts.csv", "opportunities.csv", "activities.csv", "outcomes.csv",
        "quotas.csv", "leads.csv")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def write(path: Path, data: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(data[0]))
        out.writeheader()
        out.writerows(data)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    root = tmp_path_factory.mktemp("exports")
    sim = root / "sim"
    write_org(simulate_org(SimConfig(reps=8, weeks=30, seed=5)), sim)
    second, first = root / "second", root / "first"
    for folder in (second, first):
        folder.mkdir()
        for name in KEEP:
            shutil.copy(sim / name, folder / name)
    deals = rows(second / "opportunities.csv")
    today = max(dt.date.fromisoformat(r[c][:10]) for r in deals for c in ("created_at",
                                                                           "closed_at")
                if r[c]) + dt.timedelta(days=1)
    d2, d1 = today, today - dt.timedelta(days=7)
    period = default_period(d2)
    plan = plant(deals, d1, period)
    write(second / "opportunities.csv", [dict(r) for r in deals])
    write(first / "opportunities.csv", earlier(deals, d1, plan))
    return {"first": first, "second": second, "d1": d1, "d2": d2, "period": period,
            "plan": plan}


def plant(deals: list[dict[str, str]], d1: dt.date, period) -> dict[str, str]:
    """Choose open deals to have changed during the week (one of each kind)."""
    open_ = [r for r in deals if r["status"] == "open" and r["created_at"][:10] < d1.isoformat()]
    kinds = ("pulled_in", "pushed_out", "revalued", "moved_back", "reassigned")
    plan = {open_[i]["opportunity_id"]: kind for i, kind in enumerate(kinds)}
    inside = period.start + dt.timedelta(days=20)
    for r in deals:
        kind = plan.get(r["opportunity_id"])
        if kind in ("pulled_in", "revalued", "moved_back", "reassigned"):
            r["expected_close_date"] = inside.isoformat()
        elif kind == "pushed_out":
            r["expected_close_date"] = (period.end + dt.timedelta(days=30)).isoformat()
        if kind == "moved_back":
            r["stage"] = "Proposal"
    return plan


def earlier(deals: list[dict[str, str]], d1: dt.date, plan: dict[str, str]) -> list[dict]:
    """The export of the same org seven days before: what differs, by the plan."""
    out = []
    other = sorted({r["owner_rep_id"] for r in deals})
    for r in deals:
        if r["created_at"][:10] >= d1.isoformat():
            continue
        r = dict(r)
        if r["closed_at"] and r["closed_at"][:10] >= d1.isoformat():
            r.update(status="open", closed_at="", stage="Negotiation")
        kind = plan.get(r["opportunity_id"])
        if kind == "pulled_in":
            r["expected_close_date"] = "2027-06-30"
        elif kind == "pushed_out":
            r["expected_close_date"] = (dt.date.fromisoformat(r["expected_close_date"])
                                        - dt.timedelta(days=60)).isoformat()
        elif kind == "revalued":
            r["amount"] = str(float(r["amount"]) * 0.8)
        elif kind == "moved_back":
            r["stage"] = "Negotiation"
        elif kind == "reassigned":
            r["owner_rep_id"] = next(o for o in other if o != r["owner_rep_id"])
        out.append(r)
    return out


@pytest.fixture(scope="module")
def ws(exports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ws") / "ws.duckdb"
    for name, day in (("first", "d1"), ("second", "d2")):
        result = runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(path), "--as-of",
                                     str(exports[day]), str(exports[name])])
        assert result.exit_code == 0, result.output
    return path


def sql_lines(exports, by_rep: bool) -> dict[tuple[str, str], tuple[int, float]]:
    """The waterfall in plain SQL over the two files: a deal is in a day's pipeline when open
    and expected to close by the period's end (in it, or overdue that day)."""
    p, d1, d2 = exports["period"], exports["d1"], exports["d2"]

    def inside(t: str, day: dt.date) -> str:
        e = f"CAST({t}.expected_close_date AS DATE)"
        return (f"({t}.status = 'open' AND {e} <= DATE '{p.end}' AND ({e} >= DATE '{p.start}' "
                f"OR {e} < DATE '{day}'))")

    k1 = "a.owner_rep_id" if by_rep else "'(all)'"
    k2 = "b.owner_rep_id" if by_rep else "'(all)'"
    a = f"read_csv('{exports['first'] / 'opportunities.csv'}', all_varchar=true)"
    b = f"read_csv('{exports['second'] / 'opportunities.csv'}', all_varchar=true)"
    query = f"""
    WITH j AS (
      SELECT coalesce(a.opportunity_id, b.opportunity_id) AS id, {k1} AS k1, {k2} AS k2,
             coalesce({inside('a', d1)}, false) AS in1, coalesce({inside('b', d2)}, false) AS in2,
             CASE WHEN {inside('a', d1)} THEN CAST(a.amount AS DOUBLE) ELSE 0 END AS v1,
             CASE WHEN {inside('b', d2)} THEN CAST(b.amount AS DOUBLE) ELSE 0 END AS v2,
             a.opportunity_id IS NULL AS new, b.status AS s2
      FROM {a} a FULL JOIN {b} b ON a.opportunity_id = b.opportunity_id),
    parts AS (
      SELECT k1 AS k, 'start' AS line, v1 AS v FROM j WHERE in1
      UNION ALL SELECT k2, 'end', v2 FROM j WHERE in2
      UNION ALL SELECT k2, 'amount_change', v2 - v1 FROM j WHERE in1 AND in2 AND k1 = k2
                AND v1 <> v2
      UNION ALL SELECT k1, 'moved_out', -v1 FROM j WHERE in1 AND in2 AND k1 <> k2
      UNION ALL SELECT k2, 'moved_in', v2 FROM j WHERE in1 AND in2 AND k1 <> k2
      UNION ALL SELECT k1, CASE WHEN s2 IN ('won', 'lost') THEN s2 ELSE 'pushed_out' END, -v1
                FROM j WHERE in1 AND NOT in2
      UNION ALL SELECT k2, CASE WHEN new THEN 'created' ELSE 'pulled_in' END, v2
                FROM j WHERE in2 AND NOT in1)
    SELECT k, line, count(*), sum(v) FROM parts GROUP BY ALL"""
    return {(k, line): (int(n), float(v)) for k, line, n, v in raw_sql(query)}


@pytest.mark.parametrize("by", ["all", "rep"])
def test_the_waterfall_equals_plain_sql_over_the_two_files(exports, ws, by):
    with Workspace(ws, read_only=True) as w:
        got = changes(w.crm(), start=exports["d1"], end=exports["d2"], by=by)
    assert got.period == exports["period"]
    expected = sql_lines(exports, by == "rep")
    lines = {(r.key, r.line): (r.deals, r.value) for r in got.lines.itertuples()}
    for key, (n, value) in expected.items():
        assert lines[key][0] == n, key
        assert lines[key][1] == pytest.approx(value), key
    assert {k: v for k, v in lines.items() if v[0]} == {
        k: (n, pytest.approx(v)) for k, (n, v) in expected.items() if n}
    # every planted kind shows on its line, and each group's lines add up
    plan = {v: k for k, v in exports["plan"].items()}
    deals = got.deals.set_index("opportunity_id")
    assert deals.loc[plan["pulled_in"], "line"] == "pulled_in"
    assert deals.loc[plan["pushed_out"], "line"] == "pushed_out"
    assert deals.loc[plan["revalued"], "line"] == "amount_change"
    for key, part in got.lines.groupby("key"):
        v = dict(zip(part["line"], part["value"], strict=True))
        moves = sum(val for line, val in v.items() if line not in ("start", "end"))
        assert v["start"] + moves == pytest.approx(v["end"]), key
    if by == "all":
        back = got.moves.set_index("move").loc["moved_back"]
        assert plan["moved_back"] in back["opportunities"]
        assert {"created", "won", "lost"} <= set(got.lines.loc[got.lines["deals"] > 0, "line"])
    else:
        assert deals.loc[plan["reassigned"], "line"].tolist() == ["moved_out", "moved_in"]


def test_start_and_end_are_the_reviews_totals_on_both_days(exports, ws):
    """The waterfall's ends are the review's open deals as of each day that are expected by
    the period's end (the pipeline coverage counts), deal for deal and in value."""
    with Workspace(ws, read_only=True) as w:
        got = changes(w.crm(), start=exports["d1"], end=exports["d2"])
    totals = got.lines.set_index("line")
    end = exports["period"].end.isoformat()
    for line, day in (("start", exports["d1"]), ("end", exports["d2"])):
        result = runner.invoke(app, ["review", "--workspace", str(ws), "--as-of", str(day),
                                     "--format", "json"])
        assert result.exit_code == 0, result.output
        deals = [d for d in json.loads(result.stdout)["opportunities"]
                 if d["expected_close_date"] is None or d["expected_close_date"] <= end]
        assert totals.loc[line, "deals"] == len(deals) > 0, line
        assert totals.loc[line, "value"] == pytest.approx(
            sum(d["amount"] or 0.0 for d in deals)), line


def test_snapshots_give_a_past_review_the_first_days_stages(exports, ws):
    """No stage history in either export: as of the first day, the review reads each deal's
    stage from the first import's snapshot, not from today's data."""
    result = runner.invoke(app, ["review", "--workspace", str(ws), "--as-of",
                                 str(exports["d1"]), "--format", "json"])
    assert result.exit_code == 0, result.output
    seen = {r["opportunity_id"]: r["stage"]
            for r in rows(exports["first"] / "opportunities.csv") if r["status"] == "open"}
    shown = {d["opportunity_id"]: d["stage"] for d in json.loads(result.stdout)["opportunities"]}
    assert shown == seen
    moved = {v: k for k, v in exports["plan"].items()}["moved_back"]
    assert shown[moved] == "Negotiation"


def test_each_import_records_only_what_changed(exports, ws):
    with Workspace(ws, read_only=True) as w:
        counts = dict(w.con.execute("SELECT captured_at, count(*) FROM snapshots GROUP BY 1"
                                    ).fetchall())
    first = sum(r["status"] == "open" for r in rows(exports["first"] / "opportunities.csv"))
    assert counts[exports["d1"]] == first
    assert 0 < counts[exports["d2"]] < sum(
        r["status"] == "open" for r in rows(exports["second"] / "opportunities.csv"))


def test_the_command_at_its_defaults_is_the_last_week_to_the_latest_record(exports, ws):
    """`changes` with no days: the week to the day after the latest record (the second
    export's), as JSON, CSV and a table that names every line."""
    with Workspace(ws, read_only=True) as w:
        crm = w.crm()
        from funnelwise.metrics.span import data_span

        today = data_span(crm).today
        expected = changes(crm, start=today - dt.timedelta(days=7), end=today)
    result = runner.invoke(app, ["changes", "--workspace", str(ws), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == (str(today - dt.timedelta(days=7)), str(today))
    assert [(r["line"], r["deals"], r["value"]) for r in doc["lines"]] == [
        (r.line, r.deals, pytest.approx(r.value)) for r in expected.lines.itertuples()]
    assert len(doc["deals"]) == len(expected.deals)
    table = runner.invoke(app, ["changes", "--workspace", str(ws), "--from", str(exports["d1"]),
                                "--to", str(exports["d2"]), "--deals"], env={"COLUMNS": "100"})
    assert table.exit_code == 0, table.output
    for words in ("Open value at the start", "+ Pulled into the period", "- Pushed out of it",
                  "- Won", "- Lost", "Open value at the end", "moved back a stage"):
        assert words in table.stdout, words
    planted = {v: k for k, v in exports["plan"].items()}
    assert planted["pulled_in"] in table.stdout and planted["pushed_out"] in table.stdout
    csv_out = runner.invoke(app, ["changes", "--workspace", str(ws), "--from", str(exports["d1"]),
                                  "--to", str(exports["d2"]), "--format", "csv"])
    tables = {row["table"] for row in csv.DictReader(csv_out.stdout.splitlines())}
    assert tables == {"lines", "moves", "deals"}


def test_days_the_other_way_round_are_refused(exports, ws):
    result = runner.invoke(app, ["changes", "--workspace", str(ws), "--from", str(exports["d2"]),
                                 "--to", str(exports["d1"])])
    assert result.exit_code == 2
    assert f"--from {exports['d2']} is not before --to {exports['d1']}" in result.output


def test_check_reports_the_days_of_history_the_imports_kept(exports, ws):
    result = runner.invoke(app, ["check", "--workspace", str(ws), "--format", "json"])
    assert result.exit_code == 0, result.output
    holds = {h["what"]: h for h in json.loads(result.stdout)["holds"]}
    with Workspace(ws, read_only=True) as w:
        (kept,) = w.con.execute("SELECT count(*) FROM snapshots").fetchall()[0]
    days = (exports["d2"] - exports["d1"]).days
    assert holds["history from imports"] == {
        "what": "history from imports", "present": True,
        "detail": f"2 imports from {exports['d1']} to {exports['d2']}, {days} days of history: "
                  f"{kept:,} deal states kept"}
