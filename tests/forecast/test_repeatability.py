"""`funnelwise repeatability` on tests/fixtures/repeat (14 deals), checked by hand, and the
new/repeat split of the Maven sample against plain SQL over its raw files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.repeatability import account_split
from funnelwise.periods import next_periods, parse_period
from tests.conftest import HERE, MAVEN, needs, raw_sql

runner = CliRunner()
FIXTURE = HERE / "fixtures" / "repeat"

# The fixture's won deals, by account, in close order (amount):
#   acme  d1 2025-12-10 (1,000) first win, before 2026-Q1; d2 2026-01-15 (500)
#   bolt  d3 2026-02-01 (3,000) first win (its lost d8 of 2025-12-01 does not count)
#   cask  d4 2026-02-20 (200) first win; d5 2026-03-05 (300)
#   hale  d13 and d14 both 2026-03-10: d13 (50) comes first by opportunity_id although d14
#         (250) was created earlier and is larger
#   none  d6 2026-03-20 (100)
# 2026-Q1, as of 2026-03-26 (the day after the last record):
#   new          d3 3,000 + d4 200 + d13 50  = 3 deals, 3,250 (bolt, cask, hale)
#   repeat       d2 500 + d5 300 + d14 250   = 3 deals, 1,050 (acme, cask, hale)
#   (no account) d6 100                      = 1 deal,    100
#   total                                      7 deals, 4,400
# As of 2026-03-06 (d13, d14 and d6 not yet won): new d3 + d4 = 2 deals, 3,200; repeat
# d2 + d5 = 2 deals, 800.


def repeat_json(ws: Path, *args: str) -> dict:
    result = runner.invoke(app, ["repeatability", "--workspace", str(ws), "--format", "json",
                                 *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def split(doc: dict) -> dict[str, tuple[int, float]]:
    return {r["kind"]: (r["deals"], r["revenue"]) for r in doc["repeatability_accounts"]}


@pytest.fixture
def fixture_ws(tmp_path) -> Path:
    path = tmp_path / "repeat.duckdb"
    assert runner.invoke(app, ["import", "--workspace", str(path), str(FIXTURE)]).exit_code == 0
    return path


@pytest.fixture
def doc(fixture_ws) -> dict:
    return repeat_json(fixture_ws, "--period", "2026-Q1")


def test_top_deal_shares(doc):
    """Won in 2026-Q1: d3 3,000, d2 500, d5 300, d14 250, d4 200, d6 100, d13 50 = 4,400.
    Top 1: 3,000 / 4,400 = 68.2%; top 3: 3,800 / 4,400 = 86.4%; top 10: all 7 deals."""
    rows = doc["repeatability_concentration"]
    assert [(r["top"], r["deals"], r["revenue"]) for r in rows] == [
        (1, 1, 3000), (3, 3, 3800), (10, 7, 4400)]
    assert [r["share"] for r in rows] == pytest.approx([3000 / 4400, 3800 / 4400, 1.0])
    assert doc["notes"][0] == "7 won deals, 4.4k in 2026-Q1; the largest brought 68.2%"


def test_new_and_repeat_business(doc):
    """The split written out at the top of this file."""
    rows = {r["kind"]: r for r in doc["repeatability_accounts"]}
    assert split(doc) == {"new": (3, 3250), "repeat": (3, 1050), "(no account)": (1, 100)}
    assert [r["kind"] for r in doc["repeatability_accounts"]] == [
        "new", "repeat", "(no account)"]  # by revenue
    assert (rows["new"]["accounts"], rows["repeat"]["accounts"]) == (3, 3)
    assert rows["repeat"]["share"] == pytest.approx(1050 / 4400)
    assert any(n.startswith("new = an account's first won deal ever") and
               "3 new and 3 repeat won deals" in n for n in doc["notes"])


def test_json_names_the_period_and_the_as_of_day(doc):
    assert doc["period"]["label"] == "2026-Q1"
    assert (doc["period"]["start"], doc["period"]["end"]) == ("2026-01-01", "2026-03-31")
    assert doc["as_of"] == "2026-03-26"


def test_as_of_inside_the_period_counts_only_deals_won_before_it(fixture_ws):
    doc = repeat_json(fixture_ws, "--period", "2026-Q1", "--as-of", "2026-03-06")
    assert doc["as_of"] == "2026-03-06"
    assert split(doc) == {"new": (2, 3200), "repeat": (2, 800)}
    assert doc["repeatability_concentration"][-1]["revenue"] == 4000


def test_first_win_before_the_period_is_new_in_its_own_period(fixture_ws):
    """2025: acme's d1 (1,000) is its first win: new business of 2025, as of 2026-01-01."""
    doc = repeat_json(fixture_ws, "--period", "2025")
    assert split(doc) == {"new": (1, 1000)}
    assert (doc["period"]["label"], doc["as_of"]) == ("2025", "2026-01-01")


def test_revenue_by_product(doc):
    rows = {r["product"]: (r["deals"], r["revenue"]) for r in doc["repeatability_products"]}
    assert rows == {"Plus": (3, 3550), "Core": (4, 850)}


def test_next_quarters_pipeline_against_the_need(doc):
    """Open as of 2026-03-26 (the day after the last record): d9 2,000 and d12 400 expected in
    Q2, d10 1,000 in Q3, d11 700 undated. Value win rate over the year before: won 1,000 +
    4,400, lost 800 + 400, so 5,400 / 6,600; needed = 4,400 / (5,400 / 6,600) = 5,377.8;
    Q2 covers 2,400 / 5,377.8 = 44.6% of it."""
    rows = {r["period"]: r for r in doc["repeatability_pipeline"]}
    assert list(rows) == ["2026-Q2", "2026-Q3", "(no close date)"]
    assert (rows["2026-Q2"]["open_deals"], rows["2026-Q2"]["pipeline"]) == (2, 2400)
    assert rows["2026-Q3"]["pipeline"] == 1000 and rows["(no close date)"]["pipeline"] == 700
    assert rows["2026-Q2"]["needed_pipeline"] == pytest.approx(4400 * 6600 / 5400)
    assert rows["2026-Q2"]["coverage_of_need"] == pytest.approx(2400 / (4400 * 6600 / 5400))
    assert rows["(no close date)"]["coverage_of_need"] is None


def test_next_periods_follow_the_period_length():
    assert [p.label for p in next_periods(parse_period("2026-Q4"), 2)] == ["2027-Q1", "2027-Q2"]
    assert [p.label for p in next_periods(parse_period("2026"), 1)] == ["2027"]
    assert next_periods(parse_period("2026-12"), 1)[0].end.isoformat() == "2027-01-31"


# Maven's 2017 won deals by kind, in plain SQL over the raw files: a win is repeat when its
# account has another win closed earlier, or the same day with a smaller opportunity_id.
# Amounts as the maven preset reads them: close_value, or the product's list price where it
# is missing or 0 (products matched ignoring spaces and case).
MAVEN_SPLIT = f"""
WITH won AS (
  SELECT s.opportunity_id, s.account, s.close_date,
         CASE WHEN TRY_CAST(s.close_value AS DOUBLE) > 0 THEN s.close_value::DOUBLE
              ELSE p.sales_price END AS amount
  FROM read_csv('{MAVEN / "sales_pipeline.csv"}') AS s
  LEFT JOIN read_csv('{MAVEN / "products.csv"}') AS p
    ON replace(lower(p.product), ' ', '') = replace(lower(s.product), ' ', '')
  WHERE s.deal_stage = 'Won'
)
SELECT CASE WHEN w.account IS NULL THEN '(no account)'
            WHEN EXISTS (SELECT 1 FROM won AS e WHERE e.account = w.account
                         AND (e.close_date < w.close_date
                              OR (e.close_date = w.close_date
                                  AND e.opportunity_id < w.opportunity_id)))
            THEN 'repeat' ELSE 'new' END AS kind,
       count(*), sum(w.amount), count(DISTINCT w.account)
FROM won AS w
WHERE w.close_date >= DATE '2017-01-01' AND w.close_date < DATE '2018-01-01'
GROUP BY kind ORDER BY kind
"""


@pytest.fixture(scope="module")
def maven_split() -> dict[str, tuple]:
    return {kind: rest for kind, *rest in raw_sql(MAVEN_SPLIT)}


@needs(MAVEN)
def test_maven_2017_split_equals_plain_sql(maven_path, maven_split):
    """85 accounts won 4,238 deals in 2017 (Maven's first win closed 2017-03-01): each
    account's first is new, the other 4,153 repeat."""
    with Workspace(maven_path, create=False) as ws:
        got = account_split(ws.crm(), parse_period("2017")).to_pandas()
    rows = {r.kind: (r.deals, r.revenue, r.accounts) for r in got.itertuples()}
    assert set(rows) == set(maven_split) == {"new", "repeat"}
    for kind, (deals, revenue, accounts) in maven_split.items():
        assert rows[kind][0] == deals and rows[kind][2] == accounts
        assert rows[kind][1] == pytest.approx(revenue)
    assert (maven_split["new"][0], maven_split["repeat"][0]) == (85, 4153)


@needs(MAVEN)
@pytest.mark.parametrize("args", [("--period", "2017"), ()], ids=["period-2017", "default"])
def test_maven_cli_json_gives_the_same_split(maven_path, maven_split, args):
    """Without --period the year of the data's last day (2017-12-31) is asked: the same."""
    doc = repeat_json(maven_path, *args)
    assert (doc["period"]["label"], doc["as_of"]) == ("2017", "2018-01-01")
    got = {r["kind"]: r for r in doc["repeatability_accounts"]}
    assert set(got) == set(maven_split)
    for kind, (deals, revenue, _) in maven_split.items():
        assert got[kind]["deals"] == deals
        assert got[kind]["revenue"] == pytest.approx(revenue)
