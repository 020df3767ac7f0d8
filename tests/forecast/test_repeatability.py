"""`funnelwise repeatability` on tests/fixtures/repeat (12 deals), checked by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.periods import next_periods, parse_period
from tests.conftest import HERE

runner = CliRunner()
FIXTURE = HERE / "fixtures" / "repeat"


@pytest.fixture
def doc(tmp_path) -> dict:
    path = tmp_path / "repeat.duckdb"
    assert runner.invoke(app, ["import", "--workspace", str(path), str(FIXTURE)]).exit_code == 0
    result = runner.invoke(app, ["repeatability", "--workspace", str(path), "--period",
                                 "2026-Q1", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_top_deal_shares(doc):
    """Won in 2026-Q1: d3 3,000, d2 500, d5 300, d4 200, d6 100 = 4,100.
    Top 1: 3,000 / 4,100 = 73.2%; top 3: 3,800 / 4,100 = 92.7%; top 10: all 5 deals."""
    rows = doc["repeatability_concentration"]
    assert [(r["top"], r["deals"], r["revenue"]) for r in rows] == [
        (1, 1, 3000), (3, 3, 3800), (10, 5, 4100)]
    assert [r["share"] for r in rows] == pytest.approx([3000 / 4100, 3800 / 4100, 1.0])
    assert "the largest brought 73%" in doc["notes"][0]


def test_new_and_existing_accounts(doc):
    """acme won d1 in December 2025, so d2 (500) is existing business; bolt (d3), cask (d4, d5,
    its first win inside the quarter) are new: 3,500; d6 has no account: 100. bolt's lost
    deal of December does not make it a customer."""
    rows = {r["kind"]: r for r in doc["repeatability_accounts"]}
    assert {k: (r["deals"], r["revenue"]) for k, r in rows.items()} == {
        "new": (3, 3500), "existing": (1, 500), "(no account)": (1, 100)}
    assert rows["existing"]["share"] == pytest.approx(500 / 4100)


def test_revenue_by_product(doc):
    rows = {r["product"]: (r["deals"], r["revenue"]) for r in doc["repeatability_products"]}
    assert rows == {"Plus": (2, 3300), "Core": (3, 800)}


def test_next_quarters_pipeline_against_the_need(doc):
    """Open as of 2026-03-26 (the day after the last record): d9 2,000 and d12 400 expected in
    Q2, d10 1,000 in Q3, d11 700 undated. Value win rate over the year before: won 1,000 +
    4,100, lost 800 + 400, so 5,100 / 6,300; needed = 4,100 / (5,100 / 6,300) = 5,064.7;
    Q2 covers 2,400 / 5,064.7 = 47.4% of it."""
    rows = {r["period"]: r for r in doc["repeatability_pipeline"]}
    assert list(rows) == ["2026-Q2", "2026-Q3", "(no close date)"]
    assert (rows["2026-Q2"]["open_deals"], rows["2026-Q2"]["pipeline"]) == (2, 2400)
    assert rows["2026-Q3"]["pipeline"] == 1000 and rows["(no close date)"]["pipeline"] == 700
    assert rows["2026-Q2"]["needed_pipeline"] == pytest.approx(4100 * 6300 / 5100)
    assert rows["2026-Q2"]["coverage_of_need"] == pytest.approx(2400 / (4100 * 6300 / 5100))
    assert rows["(no close date)"]["coverage_of_need"] is None


def test_next_periods_follow_the_period_length():
    assert [p.label for p in next_periods(parse_period("2026-Q4"), 2)] == ["2027-Q1", "2027-Q2"]
    assert [p.label for p in next_periods(parse_period("2026"), 1)] == ["2027"]
    assert next_periods(parse_period("2026-12"), 1)[0].end.isoformat() == "2027-01-31"
