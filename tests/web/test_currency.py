"""The workspace's currency reaches every surface that shows money, and no JSON."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.web.app import create_app
from tests.web.conftest import Client

runner = CliRunner()


@pytest.fixture(scope="module")
def euro_path(org_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("euro") / "org.duckdb"
    shutil.copy(org_path, path)
    result = runner.invoke(cli, ["settings", "-w", str(path), "--currency", "eur"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "currency: EUR (money reads like 442.2k EUR)\n"
    return path


def test_the_dashboard_shows_money_in_the_currency_and_json_stays_numbers(euro_path, org_path):
    client = Client(create_app(euro_path))
    html = client.get("/").text
    assert " EUR</span>" in html
    plain = Client(create_app(org_path))
    assert client.json("/api/overview")["winrates"] == plain.json("/api/overview")["winrates"]


def test_the_cli_and_the_setting_itself(euro_path, tmp_path):
    table = runner.invoke(cli, ["winrates", "--by", "team", "-w", str(euro_path)],
                          env={"COLUMNS": "100"})
    assert table.exit_code == 0 and " EUR" in table.stdout
    assert " EUR" not in runner.invoke(cli, ["winrates", "-w", str(euro_path), "--format",
                                             "csv"]).stdout
    shown = runner.invoke(cli, ["settings", "-w", str(euro_path)])
    assert shown.stdout.startswith("currency: EUR")
    bad = runner.invoke(cli, ["settings", "-w", str(euro_path), "--currency", "euros"])
    assert bad.exit_code == 2 and "ISO code" in bad.stderr
    report = tmp_path / "report.html"
    assert runner.invoke(cli, ["report", "-w", str(euro_path), "--out", str(report)]
                         ).exit_code == 0
    assert " EUR</span>" in report.read_text()
