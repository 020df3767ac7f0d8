"""`funnelwise report`: one self-contained HTML file with the dashboard's views."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from tests.web.orgdata import CHARTS, REPS


def run(*args):
    return CliRunner().invoke(cli, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def report(org_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = run("--workspace", org_path, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout.replace("\n", "")
    return out.read_text()


def test_report_holds_every_view_and_needs_no_network(report):
    html = report
    assert 'id="overview"' in html
    assert all(f'id="rep-{r[0].replace(" ", "_")}"' in html for r in REPS)
    assert html.count('class="plotly-graph-div"') == CHARTS
    assert "<script src=" not in html and 'rel="stylesheet"' not in html
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r'(src|href)="(https?:)?//', markup)
    assert len(html) > 4_000_000, "Plotly's JavaScript is inlined"
    assert 'href="#rep-ana"' in html, "rep links point inside the file"


def test_report_holds_the_waterfall_and_the_calls_in_their_pages(report):
    assert 'id="pipeline-waterfall"' in report
    assert 'id="forecast-commit_calls"' in report and 'id="forecast-call_record"' in report
    assert "What changed in the 2026-Q2 pipeline, 2026-04-04 to 2026-04-11" in report
    assert "Calls for 2026-Q2 as of 2026-04-11" in report
    assert 'id="changes"' not in report and 'id="calls"' not in report, "no section of their own"


def test_report_chart_ids_are_unique(report):
    found = re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', report)
    assert len(found) == len(set(found))


def test_report_scope_and_period(org_path, tmp_path):
    out = tmp_path / "south.html"
    result = run("--workspace", org_path, "--out", out, "--team", "South", "--since",
                 "2026-02-01")
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "2026-02-01 to latest, team South" in html
    assert 'id="rep-dee"' in html and 'id="rep-ana"' not in html


def test_report_user_errors(org_path, tmp_path):
    result = run("--workspace", org_path, "--out", tmp_path / "x.html", "--team", "Nort")
    assert result.exit_code == 2
    assert "did you mean 'North'?" in result.output
    result = run("--workspace", tmp_path / "missing.duckdb", "--out", tmp_path / "x.html")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    result = run("--workspace", org_path, "--out", tmp_path / "x.html", "--since",
                 "2026-03-01", "--until", "2026-02-01")
    assert result.exit_code == 2


def test_serve_reports_a_missing_workspace(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
