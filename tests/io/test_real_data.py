"""Real public CRM data: figures equal plain SQL over the raw files, computed independently."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.mapping import load_mapping
from funnelwise.io.validate import Settings
from funnelwise.io.workspace import Workspace
from tests.conftest import MAVEN, SALESFORCE, SPARKLE, needs, raw_sql

runner = CliRunner()
DOCS = Path(__file__).parents[2] / "docs" / "examples"
PIPELINE = f"read_csv('{MAVEN / 'sales_pipeline.csv'}', all_varchar=true)"


def cli_json(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@needs(MAVEN)
def test_maven_import_counts_and_idempotence(maven_path):
    with Workspace(maven_path) as ws:
        first = ws.counts()
        assert first["opportunities"] == 8800
        assert first["reps"] == 35  # 30 agents with deals + 5 without
        again = run_import(ws, [MAVEN], presets.get("maven"))
        assert again.after == first
        assert again.staged["opportunities"] == 8800


@needs(MAVEN)
def test_maven_win_rate_per_agent_equals_plain_sql(maven_path):
    expected = {
        agent: (won, lost) for agent, won, lost in raw_sql(
            f"SELECT sales_agent, count(*) FILTER (deal_stage = 'Won'), "
            f"count(*) FILTER (deal_stage = 'Lost') FROM {PIPELINE} "
            "WHERE deal_stage IN ('Won', 'Lost') GROUP BY 1")
    }
    rows = cli_json("winrates", "--workspace", str(maven_path), "--by", "rep")
    got = {r["key"]: r for r in rows}
    assert len(expected) == 30 and set(got) == set(expected)
    for agent, (won, lost) in expected.items():
        assert (got[agent]["won"], got[agent]["lost"]) == (won, lost)
        assert got[agent]["win_rate"] == pytest.approx(won / (won + lost), abs=1e-12)
        assert got[agent]["win_rate_lo"] <= got[agent]["win_rate_est"] <= got[agent]["win_rate_hi"]


@needs(MAVEN)
def test_maven_amount_uses_list_price_where_close_value_is_missing_or_zero(maven_path):
    products = f"read_csv('{MAVEN / 'products.csv'}')"
    (expected,) = raw_sql(
        f"SELECT sum(CASE WHEN TRY_CAST(s.close_value AS DOUBLE) > 0 THEN s.close_value::DOUBLE "
        f"ELSE p.sales_price END) FROM {PIPELINE} s JOIN {products} p "
        "ON replace(p.product, ' ', '') = replace(s.product, ' ', '')")[0]
    with Workspace(maven_path) as ws:
        (got,) = ws.con.execute("SELECT sum(amount) FROM opportunities").fetchall()[0]
    assert got == pytest.approx(expected)


@needs(MAVEN)
def test_maven_funnel_json_equals_plain_sql(maven_path):
    expected = {
        r[0]: r[1:] for r in raw_sql(
            "SELECT sales_agent, count(*), count(*) FILTER (deal_stage <> 'Prospecting'), "
            "count(*) FILTER (deal_stage = 'Prospecting'), count(*) FILTER (deal_stage = 'Won'), "
            "count(*) FILTER (deal_stage = 'Lost'), count(*) FILTER (deal_stage = 'Engaging') "
            f"FROM {PIPELINE} GROUP BY 1")
    }
    rows = cli_json("funnel", "--workspace", str(maven_path), "--by", "rep")
    got = {(r["key"], r["step"]): r for r in rows}
    for agent, (total, engaged, prospecting, won, lost, engaging) in expected.items():
        p, e, w = (got[(agent, s)] for s in ("prospecting", "engaging", "won"))
        assert (p["count"], p["advanced"], p["dropped"], p["open"]) == (total, engaged, 0,
                                                                       prospecting)
        assert (e["count"], e["advanced"], e["dropped"], e["open"]) == (engaged, won, lost,
                                                                       engaging)
        assert e["rate"] == pytest.approx(won / (won + lost), abs=1e-12)
        assert w["count"] == won


@needs(MAVEN)
def test_maven_cycle_json_equals_plain_sql(maven_path):
    expected = {
        r[0]: r[1:] for r in raw_sql(
            "WITH d AS (SELECT sales_agent, date_diff('day', engage_date::DATE, "
            f"close_date::DATE) AS days FROM {PIPELINE} WHERE deal_stage = 'Won') "
            "SELECT sales_agent, count(*), quantile_cont(days, 0.25), quantile_cont(days, 0.5), "
            "quantile_cont(days, 0.75), quantile_cont(days, 0.9) FROM d GROUP BY 1")
    }
    rows = cli_json("cycle", "--workspace", str(maven_path), "--by", "rep")
    got = {r["key"]: r for r in rows}
    assert set(got) == set(expected)
    for agent, (n, p25, p50, p75, p90) in expected.items():
        row = got[agent]
        assert row["won"] == n
        assert [row["p25_days"], row["median_days"], row["p75_days"], row["p90_days"]] == (
            pytest.approx([p25, p50, p75, p90], abs=1e-9))


SPARKLE_PIPELINE = f"read_csv('{SPARKLE / 'sales-pipeline.csv'}', all_varchar=true)"
SPARKLE_PRODUCTS = f"read_csv('{SPARKLE / 'products.csv'}', all_varchar=true)"


@pytest.fixture(scope="module")
def sparkle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sparklesquad export imported with the example mapping, through the CLI."""
    path = tmp_path_factory.mktemp("sparkle") / "sq.duckdb"
    result = runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(path), "--mapping",
                                 str(DOCS / "sparklesquad" / "mapping.toml"), str(SPARKLE)])
    assert result.exit_code == 0, result.output
    return path


@needs(SPARKLE)
def test_sparklesquad_mapping_win_rates_equal_plain_sql(sparkle_path):
    ws_path = str(sparkle_path)
    raw = SPARKLE_PIPELINE
    expected = {
        agent: (won, lost) for agent, won, lost in raw_sql(
            "SELECT Sales_Agent, count(*) FILTER (Deal_Stage = 'Won'), "
            f"count(*) FILTER (Deal_Stage = 'Lost') FROM {raw} "
            "WHERE Deal_Stage IN ('Won', 'Lost') GROUP BY 1")
    }
    got = {r["key"]: r for r in cli_json("winrates", "--workspace", ws_path)}
    assert set(got) == set(expected) and len(expected) == 30
    for agent, (won, lost) in expected.items():
        assert (got[agent]["won"], got[agent]["lost"]) == (won, lost)
        assert got[agent]["win_rate"] == pytest.approx(won / (won + lost), abs=1e-12)
    (open_deals,) = raw_sql(f"SELECT count(*) FROM {raw} WHERE Deal_Stage = 'In_Progress'")[0]
    with Workspace(Path(ws_path)) as ws:
        assert ws.con.execute("SELECT count(*) FROM opportunities WHERE status = 'open'"
                              ).fetchall()[0][0] == open_deals


def sparkle_amounts(select: str) -> list[tuple]:
    """Plain SQL over the raw files: Close_Value where it is a number other than 0, else the
    list price of the product in products.csv (whose names are the pipeline's, as written)."""
    return raw_sql(
        "WITH d AS (SELECT s.*, CASE WHEN TRY_CAST(s.Close_Value AS DOUBLE) <> 0 "
        "THEN TRY_CAST(s.Close_Value AS DOUBLE) ELSE TRY_CAST(p.Sales_Price AS DOUBLE) END "
        f"AS amount FROM {SPARKLE_PIPELINE} s LEFT JOIN {SPARKLE_PRODUCTS} p "
        f"ON p.Product = s.Product) {select}")


@needs(SPARKLE)
def test_sparklesquad_amounts_are_close_value_or_list_price_as_plain_sql(sparkle_path):
    (not_numbers,) = raw_sql(f"SELECT count(*) FROM {SPARKLE_PIPELINE} WHERE Close_Value "
                             "IS NOT NULL AND TRY_CAST(Close_Value AS DOUBLE) IS NULL")[0]
    assert not_numbers == 0  # so "a number other than 0" and the mapping's rule agree here
    expected = dict(sparkle_amounts("SELECT Opportunity_ID, amount FROM d"))
    by_stage = {stage: (n, total) for stage, n, total in sparkle_amounts(
        "SELECT Deal_Stage, count(amount), sum(amount) FROM d GROUP BY 1")}
    with Workspace(sparkle_path) as ws:
        got = dict(ws.con.execute("SELECT opportunity_id, amount FROM opportunities").fetchall())
        by_status = {status: (n, total) for status, n, total in ws.con.execute(
            "SELECT status, count(amount), sum(amount) FROM opportunities GROUP BY 1").fetchall()}
    assert len(got) == len(expected) == 14277
    assert got == pytest.approx(expected)
    assert set(by_stage) == {"Won", "Lost", "In_Progress"}
    for stage, status in (("Won", "won"), ("Lost", "lost"), ("In_Progress", "open")):
        assert by_status[status][0] == by_stage[stage][0]
        assert by_status[status][1] == pytest.approx(by_stage[stage][1])
    assert sum(n for n, _ in by_status.values()) == 14277  # every deal has an amount


@needs(SALESFORCE)
def test_salesforce_export_imports_with_ids_kept(tmp_path):
    accept = Settings(accept=frozenset({"closed-before-created"}))
    with Workspace(tmp_path / "sf.duckdb") as ws:
        result = run_import(ws, [SALESFORCE], presets.get("salesforce"), settings=accept)
        assert result.after["opportunities"] == 31
        # no User.csv: the reps are the 1 distinct opportunity owner
        assert result.after["reps"] == raw_sql(
            f"SELECT count(DISTINCT OwnerId) FROM read_csv('{SALESFORCE / 'Opportunity.csv'}')"
        )[0][0]
        # the sample was loaded at 2018-10-13 17:16:45, after every closed deal's CloseDate
        (warning,) = [w for w in result.warnings if w.column == "closed_at"]
        assert warning.count == 18 and "accepted with --accept" in warning.hint
        assert result.after["stage_history"] == 31  # 62 rows, each written twice at load time
        (won,) = ws.con.execute("SELECT count(*) FROM opportunities WHERE status = 'won'"
                                ).fetchall()[0]
        ids = {r[0] for r in ws.con.execute("SELECT opportunity_id FROM opportunities").fetchall()}
        categories = dict(ws.con.execute(
            "SELECT opportunity_id, forecast_category FROM opportunities").fetchall())
    raw = f"read_csv('{SALESFORCE / 'Opportunity.csv'}', all_varchar=true)"
    assert won == raw_sql(f"SELECT count(*) FROM {raw} WHERE IsWon = '1'")[0][0]
    assert ids == {r[0] for r in raw_sql(f"SELECT Id FROM {raw}")}
    # ForecastCategoryName in the canonical words: Closed 18, Pipeline 13
    expected = dict(raw_sql(f"SELECT Id, lower(ForecastCategoryName) FROM {raw}"))
    assert categories == expected
    assert sorted(Counter(expected.values()).items()) == [("closed", 18), ("pipeline", 13)]


def test_mapping_example_in_docs_is_the_one_tested():
    guide = (DOCS.parent / "importing.md").read_text()
    for name in ("mapping.toml", "funnel.toml"):
        assert (DOCS / "sparklesquad" / name).read_text() in guide
    preset = load_mapping(DOCS / "sparklesquad" / "mapping.toml")
    assert [s.table for s in preset.specs] == ["opportunities", "reps", "accounts"]
    assert preset.lookups == ("products.csv",)
