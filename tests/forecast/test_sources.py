"""`funnelwise sources`: a hand-checked lead/opportunity fixture and the Olist funnel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io.importer import run_import
from funnelwise.io.mapping import load_mapping
from funnelwise.io.workspace import Workspace
from tests.conftest import HERE, SHARED, needs, raw_sql

runner = CliRunner()
FIXTURE = HERE / "fixtures" / "sources"
OLIST = SHARED / "olist-marketing-funnel"
MAPPING = HERE.parent / "docs" / "examples" / "olist" / "mapping.toml"
MQL = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS = OLIST / "olist_closed_deals_dataset.csv"


def sources_json(ws: Path, *args: str) -> dict[str, dict]:
    result = runner.invoke(app, ["sources", "--workspace", str(ws), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return {r["key"]: r for r in json.loads(result.stdout)}


@pytest.fixture
def fixture_ws(tmp_path) -> Path:
    path = tmp_path / "sources.duckdb"
    result = runner.invoke(app, ["import", "--workspace", str(path), str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return path


def counts(row):
    return (row["leads"], row["opportunities"], row["pipeline_value"], row["won"],
            row["won_revenue"], row["converted"], row["median_days_to_win"])


def test_sources_by_source_equal_the_hand_computation(fixture_ws):
    """7 leads, 6 opportunities (L2 has two).

    web:    L1, L2, L3; O1 (1000 won), O2 (500 lost), O3 (700 won): pipeline 2,200, won 1,700;
            converted L1, L2 = 2 of 3; days to win 30 (O1: 01-05 to 02-04) and 73 (O3: 01-06
            to 03-20), median 51.5
    event:  L4, L5; O4 (2000 open), O5 (300 won, 02-01 to 04-01 = 59 days): 1 of 2
    (none): L6 (blank source); O6 (100 won after 20 days)
    partner: L7, no opportunity: nothing
    """
    rows = sources_json(fixture_ws)
    assert counts(rows["web"]) == (3, 3, 2200, 2, 1700, 2, 51.5)
    assert counts(rows["event"]) == (2, 2, 2300, 1, 300, 1, 59.0)
    assert counts(rows["(none)"]) == (1, 1, 100, 1, 100, 1, 20.0)
    assert counts(rows["partner"]) == (1, 0, 0, 0, 0, 0, None)
    web = rows["web"]
    assert web["conversion"] == pytest.approx(2 / 3)
    assert web["conversion_lo"] < web["conversion_est"] < web["conversion_hi"]
    assert list(rows) == ["web", "event", "(none)", "partner"]  # by won revenue


def test_sources_by_sdr_and_landing_page(fixture_ws):
    """s1 qualified O1 (L1, won 1000) and O2 (L2, lost 500); s2 qualified O3 (L2, won 700),
    O4 (L4) and O5 (L5, won 300); leads without an opportunity (L3, L7) and O6 (no SDR) are
    (none). Landing pages: /pricing = L1, L2; /blog = L3, L6; /booth = L4, L5; L7 none."""
    sdr = sources_json(fixture_ws, "--by", "sdr")
    assert counts(sdr["s1"])[:6] == (2, 2, 1500, 1, 1000, 1)
    assert counts(sdr["s2"])[:6] == (3, 3, 3000, 2, 1000, 2)
    assert counts(sdr["(none)"])[:6] == (3, 1, 100, 1, 100, 1)
    page = sources_json(fixture_ws, "--by", "landing_page")
    assert counts(page["/pricing"])[:6] == (2, 3, 2200, 2, 1700, 2)
    assert counts(page["/blog"])[:6] == (2, 1, 100, 1, 100, 1)
    assert counts(page["(none)"])[:6] == (1, 0, 0, 0, 0, 0)


def test_sources_window_is_on_the_lead_creation_date(fixture_ws):
    """Since 2026-02-01: L5 (event), L6 (none), L7 (partner)."""
    rows = sources_json(fixture_ws, "--since", "2026-02-01")
    assert {k: r["leads"] for k, r in rows.items()} == {"event": 1, "(none)": 1, "partner": 1}


def test_unknown_grouping_is_a_user_error(fixture_ws):
    result = runner.invoke(app, ["sources", "--workspace", str(fixture_ws), "--by", "sources"])
    assert result.exit_code == 2
    assert "did you mean 'source'" in result.output


@pytest.fixture(scope="module")
def olist_ws(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("olist") / "olist.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [OLIST], load_mapping(MAPPING))
    return path


@needs(OLIST)
def test_olist_conversion_per_source_equals_plain_sql(olist_ws):
    """Per origin (blank = (none)): MQLs, those with a closed (won) deal, declared revenue and
    the median days from first contact to the win, straight from the raw files."""
    expected = raw_sql(f"""
        SELECT coalesce(nullif(trim(l.origin), ''), '(none)') AS source, count(*) AS leads,
               count(d.mql_id) AS won, coalesce(sum(d.declared_monthly_revenue), 0) AS revenue,
               quantile_cont(epoch(d.won_date::TIMESTAMP)
                             - epoch(l.first_contact_date::TIMESTAMP), 0.5) / 86400 AS days
        FROM read_csv('{MQL}') AS l LEFT JOIN read_csv('{DEALS}') AS d USING (mql_id)
        GROUP BY 1""")
    rows = sources_json(olist_ws)
    assert len(rows) == len(expected) == 11
    for source, leads, won, revenue, days in expected:
        row = rows[source]
        assert (row["leads"], row["converted"], row["won"]) == (leads, won, won)
        assert row["conversion"] == pytest.approx(won / leads)
        assert row["won_revenue"] == pytest.approx(revenue)
        assert row["median_days_to_win"] == pytest.approx(days)
    assert sum(r["leads"] for r in rows.values()) == 8000
    assert sum(r["won"] for r in rows.values()) == 842


@needs(OLIST)
def test_olist_by_sdr_counts_every_deal_once(olist_ws):
    expected = dict(raw_sql(f"SELECT sdr_id, count(*) FROM read_csv('{DEALS}') GROUP BY 1"))
    rows = sources_json(olist_ws, "--by", "sdr")
    assert {k: r["won"] for k, r in rows.items() if k != "(none)"} == expected
    assert rows["(none)"]["leads"] == 8000 - 842 and rows["(none)"]["won"] == 0
