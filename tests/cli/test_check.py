"""`funnelwise check` on the simulated org, Maven and the Salesforce sample: what it finds is
counted again in plain SQL over the raw files, and what it says a command refuses, the command
refuses."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.validate import Settings
from funnelwise.io.workspace import Workspace
from funnelwise.periods import default_period
from funnelwise.schema.references import REFERENCES
from tests.conftest import MAVEN, SALESFORCE, TINY, needs, raw_sql

runner = CliRunner()
PIPELINE = MAVEN / "sales_pipeline.csv"


def check(path: Path, *args: str) -> str:
    result = runner.invoke(app, ["check", "--workspace", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def check_json(path: Path) -> dict:
    return json.loads(check(path, "--format", "json"))


def verdicts(record: dict) -> dict[str, tuple[str, list[str]]]:
    return {c["command"]: (c["supported"], c["reasons"]) for c in record["commands"]}


def rows(record: dict) -> dict[str, int | None]:
    return {t["table"]: t["rows"] for t in record["tables"]}


def raw_quarters(quotas: Path) -> list[str]:
    """Every calendar quarter a quota row with a positive amount overlaps."""
    found = raw_sql(
        "SELECT DISTINCT strftime(s, '%Y') || '-Q' || quarter(s) AS q FROM (SELECT unnest("
        "generate_series(date_trunc('quarter', period_start::DATE)::TIMESTAMP, "
        "period_end::TIMESTAMP, INTERVAL 3 MONTH)) AS s "
        f"FROM read_csv('{quotas}') WHERE amount > 0) ORDER BY q")
    return [r[0] for r in found]


@pytest.fixture(scope="module")
def sf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("salesforce") / "sf.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [SALESFORCE], presets.get("salesforce"),
                   settings=Settings(accept=frozenset({"closed-before-created"})))
    return path


# the simulated org: everything a command reads is there


def test_simulated_org_supports_every_command(simulated):
    record = check_json(simulated.path)
    assert {c: s for c, (s, _) in verdicts(record).items()} == {
        c: "yes" for c in verdicts(record)}
    assert record["warnings"] == []
    assert all(h["present"] for h in record["holds"])


def test_simulated_quota_quarters_and_rows_are_the_files(simulated):
    record = check_json(simulated.path)
    assert record["quota_quarters"] == raw_quarters(simulated.data / "quotas.csv")
    quotas = next(h for h in record["holds"] if h["what"] == "quotas")
    first, last = record["quota_quarters"][0], record["quota_quarters"][-1]
    assert quotas["detail"] == f"{first}..{last}"
    for table, n in rows(record).items():
        path = simulated.data / f"{table}.csv"
        if path.exists():
            assert n == raw_sql(f"SELECT count(*) FROM read_csv('{path}')")[0][0], table


def test_simulated_default_period_is_the_data_today_s(simulated):
    record = check_json(simulated.path)
    today = dt.date.fromisoformat(record["span"]["today"])
    assert record["default_period"]["label"] == default_period(today).label
    assert record["default_period"]["label"] in record["quota_quarters"]
    text = check(simulated.path)
    assert "Supported:" in text and "Not supported" not in text


# Maven: deals and stages only; Prospecting deals have no date


@needs(MAVEN)
def test_maven_says_what_is_missing(maven_path):
    text = check(maven_path)
    last = raw_sql(f"SELECT max(greatest(engage_date, close_date)) FROM read_csv('{PIPELINE}')")
    period = default_period(last[0][0] + dt.timedelta(days=1)).label
    assert period == "2018-Q1"
    for line in ("coach: no activities", "brief: no activities", f"plan: no quotas for {period}",
                 f"coverage: no quotas for {period}", "sources: no leads",
                 "effectiveness: no activities with outputs"):
        assert line in text, line
    got = verdicts(check_json(maven_path))
    assert got["coach"][0] == got["plan"][0] == got["sources"][0] == "no"
    assert got["funnel"][0] == got["winrates"][0] == got["backtest"][0] == "yes"


@needs(MAVEN)
def test_maven_counts_are_the_raw_file_s(maven_path):
    record = check_json(maven_path)
    open_undated, opps = raw_sql(
        "SELECT count(*) FILTER (WHERE deal_stage NOT IN ('Won', 'Lost') AND engage_date IS "
        f"NULL), count(*) FROM read_csv('{PIPELINE}')")[0]
    assert open_undated == 500
    assert record["deals"]["open_without_created_at"] == open_undated
    counted = rows(record)
    assert counted["opportunities"] == opps
    assert counted["reps"] == raw_sql(
        f"SELECT count(*) FROM read_csv('{MAVEN / 'sales_teams.csv'}')")[0][0]
    assert counted["activities"] == counted["quotas"] == counted["outcomes"] == 0
    assert record["quota_quarters"] == []
    undated = [w for w in record["warnings"] if w["kind"] == "undated"]
    assert [w["column"] for w in undated] == ["created_at"]
    assert f"{open_undated} open deals have no creation date" in undated[0]["text"]
    assert verdicts(record)["forecast"] == (
        "partly", [f"{open_undated} open deals have no creation date and are left out"])


# Salesforce: 31 deals loaded on one day, no activities, no quotas


@needs(SALESFORCE)
def test_salesforce_span_and_holdings_are_the_raw_files(sf_path):
    record = check_json(sf_path)
    f = {n: f"read_csv('{SALESFORCE / n}.csv', all_varchar=true)"
         for n in ("Opportunity", "OpportunityHistory", "Lead", "Event")}
    first, last = raw_sql(
        f"SELECT min(d), max(d) FROM (SELECT CreatedDate::DATE d FROM {f['Opportunity']} "
        f"UNION ALL SELECT CloseDate::DATE FROM {f['Opportunity']} WHERE IsClosed = '1' "
        f"UNION ALL SELECT CreatedDate::DATE FROM {f['OpportunityHistory']} "
        f"UNION ALL SELECT CreatedDate::DATE FROM {f['Lead']})")[0]
    assert (record["span"]["first"], record["span"]["last"]) == (str(first), str(last))
    assert record["span"]["last"] == "2018-10-13"
    events = raw_sql(f"SELECT count(*) FROM {f['Event']}")[0][0]
    counted = rows(record)
    assert counted["activities"] == events == 0
    assert counted["opportunities"] == raw_sql(
        f"SELECT count(*) FROM {f['Opportunity']}")[0][0] == 31
    assert counted["leads"] == raw_sql(f"SELECT count(*) FROM {f['Lead']}")[0][0]


@needs(SALESFORCE)
def test_salesforce_says_what_each_command_lacks(sf_path):
    got = verdicts(check_json(sf_path))
    assert got["coach"] == ("no", ["no activities"])
    assert got["plan"][1][0] == "no quotas for 2018-Q4"
    assert got["backtest"] == ("no", ["history shorter than two quarters (the first deal "
                                      "was created on 2018-10-13)"])
    assert got["review --calibration"][0] == "no"
    won, lost = raw_sql(
        f"SELECT count(*) FILTER (WHERE IsClosed = '1' AND IsWon = '1'), count(*) FILTER "
        f"(WHERE IsClosed = '1' AND IsWon = '0') "
        f"FROM read_csv('{SALESFORCE / 'Opportunity.csv'}', all_varchar=true)")[0]
    assert (won, lost) == (18, 0)
    assert got["review --calibration"][1][0] == (
        f"no lost deals in the data ({won} won, {lost} lost): a win probability cannot be "
        "checked against outcomes of one kind only")
    assert got["effectiveness"][0] == "no"
    assert got["sources"] == ("partly", ["no deal names one of the leads: every source "
                                         "converts 0"])
    assert got["forecast"][0] == "partly"
    assert "over the last 1 day(s) only" in got["forecast"][1][0]
    assert got["review"] == got["winrates"] == ("yes", [])


# what the check says a command refuses, the command refuses


REFUSALS = [
    ("maven", ["plan"], "no quota overlaps 2018-Q1"),
    ("maven", ["coverage"], "no quota overlaps 2018-Q1"),
    ("maven", ["coach"], "no activities to coach on"),
    ("salesforce", ["review", "--calibration"], "no lost deals in the data (18 won, 0 lost)"),
]


@pytest.mark.parametrize(("data", "command", "error"), REFUSALS)
def test_a_command_the_check_rules_out_refuses(request, data, command, error):
    path = request.getfixturevalue("maven_path" if data == "maven" else "sf_path")
    assert verdicts(check_json(path))[" ".join(command)][0] == "no"
    result = runner.invoke(app, [*command, "--workspace", str(path)])
    assert result.exit_code == 2
    assert error in " ".join(result.output.split())


@needs(MAVEN)
def test_a_command_the_check_allows_runs(maven_path):
    assert verdicts(check_json(maven_path))["review --calibration"] == ("yes", [])
    result = runner.invoke(app, ["review", "--calibration", "--format", "json",
                                 "--workspace", str(maven_path)])
    assert result.exit_code == 0, result.output


# references: the import's warnings, read again over the tables


def _edit(path: Path, changes: dict[str, dict[str, str]], key: str) -> None:
    with path.open(newline="") as f:
        table = list(csv.DictReader(f))
    for row in table:
        row.update(changes.get(row[key], {}))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def test_unknown_references_read_as_the_import_says_them(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    _edit(folder / "activities.csv", {"a01": {"rep_id": "zed"}, "a02": {"rep_id": "zed"},
                                      "a03": {"opportunity_id": "o404"}}, "activity_id")
    _edit(folder / "opportunities.csv", {"o8": {"owner_rep_id": "ghost"}}, "opportunity_id")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        result = run_import(ws, [folder], presets.get("canonical"))
    pairs = {(r.table, r.column) for r in REFERENCES}
    said = [w.render() for w in result.warnings if (w.file, w.column) in pairs]
    assert len(said) == 3
    record = check_json(tmp_path / "ws.duckdb")
    found = [w for w in record["warnings"] if w["kind"] in ("owners", "reference")]
    assert [w["text"] for w in found] == said
    assert found[0]["kind"] == "owners" and "(e.g. 'ghost'), on 1 rows" in found[0]["text"]
    assert "names 1 rep_id value(s) not in reps (e.g. 'zed'), on 2 rows" in found[1]["text"]


# formats and an empty workspace


def test_csv_has_one_row_per_command(maven_path):
    every = list(csv.DictReader(io.StringIO(check(maven_path, "--format", "csv"))))
    assert [r["table"] for r in every][:1] == ["tables"]  # every table, each row named
    got = [r for r in every if r["table"] == "commands"]
    assert [r["command"] for r in got] == [c["command"] for c in
                                           check_json(maven_path)["commands"]]
    coach = next(r for r in got if r["command"] == "coach")
    assert (coach["supported"], coach["reasons"]) == ("no", "no activities")


def test_a_workspace_with_nothing_dated_supports_nothing(tmp_path):
    path = tmp_path / "empty.duckdb"
    Workspace(path).close()
    record = check_json(path)
    assert record["span"] is None and record["default_period"] is None
    assert set(rows(record).values()) == {0}
    assert {c["supported"] for c in record["commands"]} == {"no"}
    assert "The workspace has no dated records." in check(path)
