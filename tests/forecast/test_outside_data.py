"""Questions outside the data exit 2 naming its span; a forecast reaching past what the history
can teach says so in the table and the JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.validate import Settings
from funnelwise.io.workspace import Workspace
from tests.conftest import SALESFORCE, TINY, needs, raw_sql

runner = CliRunner()
TINY_SPAN = "records from 2026-01-01 to 2026-04-01"  # o6 created, o6 closed


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [TINY], presets.get("canonical"))
    return str(path)


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sf") / "sf.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [SALESFORCE], presets.get("salesforce"),
                   settings=Settings(accept=frozenset({"closed-before-created"})))
    return str(path)


def said(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(("args", "message"), [
    (["coach", "--week", "2030-01-05"], "week 2030-W01 starts after the data's today "
                                        "(2026-04-02) plus one period"),
    (["forecast", "--period", "2019-Q1"], "period 2019-Q1 ends before the data begins"),
    (["forecast", "--period", "2027-Q1"], "period 2027-Q1 starts after the data's today"),
    (["review", "--as-of", "2020-01-01"], "as-of day 2020-01-01 ends before the data begins"),
    (["coverage", "--as-of", "2030-01-01"], "as-of day 2030-01-01 starts after"),
    (["plan", "--period", "2028"], "period 2028 starts after the data's today"),
])
def test_a_question_outside_the_data_exits_2_naming_its_span(tiny, args, message):
    code, text = said(*args, "--workspace", tiny)
    assert code == 2, text
    assert message in text and TINY_SPAN in text


def test_a_plan_may_look_one_period_further_than_other_questions(tiny):
    """2026-Q4 starts 2026-10-01: more than a quarter after the data's today (2026-04-02),
    less than two. Its plan's work starts a sales cycle before it, so a plan answers; a year
    two years on is still too far."""
    code, text = said("forecast", "--period", "2026-Q4", "--workspace", tiny)
    assert code == 2 and "plus one period" in text
    code, text = said("plan", "--period", "2026-Q4", "--workspace", tiny)
    # the period is taken; this workspace has no quota for it, which is what it says
    assert "starts after" not in text and "no quota overlaps 2026-Q4" in text, text
    code, text = said("plan", "--period", "2027-Q1", "--workspace", tiny)
    assert code == 2 and ("starts after the data's today (2026-04-02) plus one period and a "
                          "quarter") in text


def test_a_period_inside_the_span_or_just_after_it_is_answered(tiny):
    # the data's today is 2026-04-02: the quarter after it is still a fair question
    assert said("forecast", "--period", "2026-Q3", "--workspace", tiny)[0] == 0
    assert said("review", "--as-of", "2026-02-15", "--workspace", tiny)[0] == 0


@needs(SALESFORCE)
def test_salesforce_sample_refuses_a_quarter_years_after_its_data(salesforce):
    (last,) = raw_sql(f"SELECT max(CAST(CreatedDate AS DATE)) FROM read_csv("
                      f"'{SALESFORCE / 'Opportunity.csv'}')")[0]
    code, text = said("forecast", "--period", "2026-Q2", "--workspace", salesforce)
    assert code == 2
    assert "starts after the data's today (2018-10-14) plus one period" in text
    assert str(last) == "2018-10-13" and "records from 2018-06-26 to 2018-10-13" in text


@needs(SALESFORCE)
def test_salesforce_forecast_says_deals_to_come_reach_past_their_history(salesforce):
    """Every deal of the sample was created on 2018-10-13, the day it was loaded: one day of
    creation history to project 2018-Q4's 79 remaining days from."""
    result = runner.invoke(app, ["forecast", "--workspace", salesforce, "--format", "json"])
    rows = json.loads(result.stdout)
    assert {r["period"] for r in rows} == {"2018-Q4"}
    assert rows[0]["caveat"] == (
        "the period ends 79 days after 2018-10-14, but deals have been created for only 1 "
        "days before it: deals to come are extrapolated further ahead than the history "
        "shows, so read them with care")
    table = said("forecast", "--workspace", salesforce)[1]
    assert "deals have been created for only 1 days before it" in table
