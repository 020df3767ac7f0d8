"""The numbers on each page equal the CLI's JSON for the same filters.

Period filters are compared with the `funnelwise` commands themselves; manager and team
filters with the metrics over `metrics.scope.restrict`, the helper both sides use.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.cycle import cycle
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.scope import Scope, restrict
from funnelwise.metrics.winrates import winrates

PERIODS = [
    ("", []),
    ("since=2026-02-01", ["--since", "2026-02-01"]),
    ("since=2026-01-12&until=2026-02-22", ["--since", "2026-01-12", "--until", "2026-02-22"]),
]
SINCE = dt.date(2026, 1, 19)
OVERVIEW = [("funnel", "all", "funnel"), ("winrates", "all", "winrate_all"),
            ("winrates", "rep", "winrates"), ("cycle", "all", "cycle_all"),
            ("cycle", "rep", "cycle")]


def cli_json(workspace, metric, by, period_args):
    result = CliRunner().invoke(cli, [metric, "--by", by, "--format", "json",
                                      "--workspace", str(workspace), *period_args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(("query", "period_args"), PERIODS)
def test_overview_equals_cli_json(client, org_path, query, period_args):
    page = client.json(f"/api/overview?{query}")
    for metric, by, field in OVERVIEW:
        assert as_list(page[field]) == cli_json(org_path, metric, by, period_args), field


@pytest.mark.parametrize(("query", "period_args"), [PERIODS[0], PERIODS[2]])
def test_rep_page_equals_cli_json(client, org_path, query, period_args):
    page = client.json(f"/api/reps/dee?{query}")
    rows = cli_json(org_path, "funnel", "rep", period_args)
    assert page["funnel"] == [r for r in rows if r["key"] == "dee"]
    rows = cli_json(org_path, "funnel", "team", period_args)
    assert page["team_funnel"] == [r for r in rows if r["key"] == "South"]
    rows = cli_json(org_path, "winrates", "rep", period_args)
    assert page["winrate"] == next(r for r in rows if r["key"] == "dee")
    rows = cli_json(org_path, "winrates", "team", period_args)
    assert page["team_winrate"] == next(r for r in rows if r["key"] == "South")


def records(result):
    return json.loads(json.dumps(result.records(), default=str))


@pytest.mark.parametrize("scope", [Scope(team="North"), Scope(manager="Leo Marsh"),
                                   Scope(manager="Leo Marsh", team="South")])
def test_scoped_overview_equals_metrics_over_the_scope_helper(client, org_path, scope):
    query = "&".join(f"{k}={v}" for k, v in (("manager", scope.manager),
                                              ("team", scope.team)) if v)
    page = client.json(f"/api/overview?{query}&since=2026-01-19")
    with Workspace(org_path, read_only=True) as ws:
        crm = restrict(ws.crm(), scope)
        assert page["funnel"] == records(funnel(crm, by="all", since=SINCE))
        assert page["winrates"] == records(winrates(crm, by="rep", since=SINCE))
        assert page["cycle"] == records(cycle(crm, by="rep", since=SINCE))
