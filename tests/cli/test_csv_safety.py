"""CSV a spreadsheet opens safely: an org whose rep, team, manager, product, source, account
and stage are named with formula payloads, through every command's `--format csv`.

Every text cell that starts with =, +, -, @, a tab or a carriage return reaches the CSV with
a leading `'` (the OWASP rule); numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from tests.web.orgdata import write_org

runner = CliRunner()
PAYLOAD = "@SUM(1+1)*cmd|' /C calc'!A0"
IDS = {"ana": "=ana", "ben": "+ben", "dee": "-dee"}
DANGER = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _rewrite(path: Path, change) -> None:
    rows = list(csv.DictReader(path.open(newline="")))
    for r in rows:
        change(r)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _rep(r: dict) -> None:
    r["rep_id"] = IDS.get(r["rep_id"], r["rep_id"])
    if r["rep_id"] == "=ana":
        r["name"] = '=HYPERLINK("http://example.invalid","Ana")'
    r["team"], r["manager"] = "@" + r["team"], "-" + r["manager"]


def _opportunity(r: dict) -> None:
    r["lead_id"] = "l" + r["opportunity_id"]
    r["owner_rep_id"] = IDS.get(r["owner_rep_id"], r["owner_rep_id"])
    r["product"], r["source"] = PAYLOAD, "=" + r["source"]
    r["stage"] = "+Proposal" if r["stage"] == "Proposal" else r["stage"]


@pytest.fixture(scope="module")
def payload_ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("payload")
    folder = write_org(root / "csv")
    _rewrite(folder / "reps.csv", _rep)
    _rewrite(folder / "activities.csv",
             lambda r: r.update(rep_id=IDS.get(r["rep_id"], r["rep_id"])))
    _rewrite(folder / "opportunities.csv", _opportunity)
    _rewrite(folder / "stage_history.csv", lambda r: r.update(
        stage="+Proposal" if r["stage"] == "Proposal" else r["stage"]))
    _rewrite(folder / "accounts.csv", lambda r: r.update(name="\t" + r["name"]))
    opportunities = list(csv.DictReader((folder / "opportunities.csv").open(newline="")))
    with (folder / "leads.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["lead_id", "created_at", "source", "owner_rep_id", "landing_page"])
        for o in opportunities:
            writer.writerow([o["lead_id"], o["created_at"], o["source"], o["owner_rep_id"],
                             "@/pricing"])
    with (folder / "quotas.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["rep_id", "period_start", "period_end", "amount"])
        for rep in ("=ana", "+ben", "cy", "-dee", "eli", "Fay Moss"):
            writer.writerow([rep, "2026-01-01", "2026-03-31", 60000])
            writer.writerow([rep, "2026-04-01", "2026-06-30", 60000])
    funnel = resources.files("funnelwise.schema").joinpath("default_funnel.toml").read_text()
    (root / "funnel.toml").write_text(funnel.replace('"Proposal"', '"+Proposal"').replace(
        "\nProposal = ", '\n"+Proposal" = '))
    path = root / "ws.duckdb"
    result = runner.invoke(app, ["import", "-w", str(path), "--funnel", str(root / "funnel.toml"),
                                 str(folder)])
    assert result.exit_code == 0, result.output
    return str(path)


COMMANDS = [
    ["winrates", "--by", "rep"], ["winrates", "--by", "product"], ["winrates", "--by", "team"],
    ["funnel", "--by", "rep"], ["cycle", "--by", "manager"], ["sources"],
    ["sources", "--by", "landing_page"],
    ["effectiveness", "--by", "rep"], ["effectiveness", "--fewer-better"],
    ["effectiveness", "--compare", "2026-01", "2026-02"],
    ["coverage", "--period", "2026-Q1", "--as-of", "2026-02-15", "--blanket", "3"],
    ["review"], ["review", "--calibration", "--dates", "2", "--every", "14"], ["coach"],
    ["forecast", "--by", "rep", "--method", "all"],
    ["backtest", "--from", "2026-02-01", "--to", "2026-02-15", "--horizon", "1m", "--draws",
     "200"],
    ["repeatability"], ["plan", "--period", "2026-Q2"],
    ["project", "--period", "2026-Q2", "--volume", "outreach=20"],
]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_text_cell_a_spreadsheet_would_run_is_neutralised(payload_ws, args):
    result = runner.invoke(app, [*args, "-w", payload_ws, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = cells(result.stdout)
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            if cell.startswith(DANGER):
                assert NUMBER.fullmatch(cell), (args, cell)


def test_the_payloads_reach_the_csv_neutralised_and_numbers_stay_numbers(payload_ws):
    text = runner.invoke(app, ["winrates", "--by", "product", "-w", payload_ws, "--format",
                               "csv"]).stdout
    assert [row[0] for row in cells(text)[1:]] == ["'" + PAYLOAD]
    text = runner.invoke(app, ["review", "-w", payload_ws, "--format", "csv"]).stdout
    found = {c for row in cells(text) for c in row}
    assert {"'=ana", "'+ben", "'-dee", "'@North", "'+Proposal"} <= found
    text = runner.invoke(app, ["coverage", "--period", "2026-Q1", "--as-of", "2026-02-15",
                               "-w", payload_ws, "--format", "csv"]).stdout
    gaps = [row[cells(text)[0].index("gap")] for row in cells(text)[1:]]
    assert any(g.startswith("-") and NUMBER.fullmatch(g) for g in gaps)  # not neutralised


def test_the_terminal_shows_the_payloads_as_written(payload_ws):
    out = runner.invoke(app, ["winrates", "--by", "rep", "-w", payload_ws],
                        env={"COLUMNS": "120"}).stdout
    assert '=HYPERLINK("http://example.invalid","Ana") (=ana)' in out


def test_several_tables_go_to_one_file_each_with_out(payload_ws, tmp_path):
    result = runner.invoke(app, ["repeatability", "-w", payload_ws, "--format", "csv", "--out",
                                 str(tmp_path / "tables")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert written == ["repeatability_accounts.csv", "repeatability_concentration.csv",
                       "repeatability_pipeline.csv", "repeatability_products.csv"]
    products = cells((tmp_path / "tables" / "repeatability_products.csv").read_text())
    assert products[1][0] == "'" + PAYLOAD
