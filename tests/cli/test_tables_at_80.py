"""Terminal tables at 80 columns keep every id and every figure whole.

Each test reads the command's JSON, formats the figures the table shows with
`funnelwise.formats`, and finds each of them, whole, in the table printed at 80 columns
(as often as the rows hold it). A cut figure (`63…`, `3.…`) would be missing.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from typer.testing import CliRunner

from funnelwise import formats as f
from funnelwise.cli.main import app
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.dimensions import rep_names
from tests.conftest import MAVEN, needs

runner = CliRunner()


def shown(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    return result.stdout


def data(*args: str) -> object:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def tokens(text: str) -> Counter[str]:
    """Whitespace-separated words of the table, each a whole figure or id."""
    return Counter(re.split(r"\s+", text))


def assert_whole(text: str, wanted: list[str]) -> None:
    have, need = tokens(text), Counter(wanted)
    missing = {w: n for w, n in need.items() if have[w] < n}
    assert not missing, missing


def test_coverage_at_80_columns(demo_ws):
    ws = str(demo_ws)
    out = shown("coverage", "-w", ws, "--blanket", "3")
    rows = data("coverage", "-w", ws, "--blanket", "3")
    with Workspace(demo_ws, read_only=True) as opened:
        names = rep_names(opened.crm())
    assert_whole(out, [f"({r['rep']})" for r in rows])
    assert_whole(out, [token for r in rows for token in (
        f.money(r["open_pipeline"]), f.multiple(r["coverage"]),
        f.multiple(r["required_coverage"]), f.money(r["gap"]), r["status"])])
    assert all(names[r["rep"]].split()[0] in out for r in rows)
    assert "Not shown at 80 columns: To go, Interval, Proj." in " ".join(out.split())


def test_coverage_by_manager_at_80_columns(demo_ws):
    out = shown("coverage", "-w", str(demo_ws), "--by", "manager", "--blanket", "3")
    rows = data("coverage", "-w", str(demo_ws), "--by", "manager", "--blanket", "3")
    assert_whole(out, [token for r in rows for token in (
        f.multiple(r["coverage"]), f.multiple(r["required_coverage"]), f.money(r["gap"]))])
    for r in rows:
        assert r["manager"] in " ".join(out.split())


def test_review_at_80_columns(demo_ws):
    out = shown("review", "-w", str(demo_ws), "--limit", "10")
    doc = data("review", "-w", str(demo_ws))
    deals = sorted(doc["opportunities"], key=lambda d: (-d["amount"], d["opportunity_id"]))[:10]
    assert_whole(out, [token for d in deals for token in (
        d["opportunity_id"], f"({d['rep']})", f.money(d["amount"]), f.pct(d["probability"]))])
    assert "amount_above_history" not in out.split("disqualifying rules")[0]
    assert "✗ Amount far above history:" in out


def test_review_calibration_at_80_columns(demo_ws):
    out = shown("review", "-w", str(demo_ws), "--calibration")
    doc = data("review", "-w", str(demo_ws), "--calibration")
    assert_whole(out, [token for d in doc["dates"] for token in (
        d["as_of"], f.count(d["open_deals"]), f.money(d["realistic_value"]),
        f.money(d["won_value"]), f.score(d["brier"]), f.score(d["baseline_brier"]),
        f.pct(d["skill"]))])
    assert_whole(out, [token for r in doc["reliability"] for token in (
        r["bucket"], f.count(r["deals"]), f.pct(r["mean_probability"]), f.pct(r["share_won"]))])


def test_repeatability_at_80_columns(demo_ws):
    out = shown("repeatability", "-w", str(demo_ws))
    doc = data("repeatability", "-w", str(demo_ws))
    assert_whole(out, [token for r in doc["repeatability_pipeline"] for token in (
        f.count(r["open_deals"]), f.money(r["pipeline"]), f.money(r["run_rate"]),
        f.money(r["needed_pipeline"]), f.pct(r["coverage_of_need"]))])
    assert_whole(out, [token for r in doc["repeatability_products"] for token in (
        f.count(r["deals"]), f.money(r["revenue"]), f.pct(r["share"]))])


@needs(MAVEN)
def test_repeatability_on_maven_at_80_columns(maven_path):
    out = shown("repeatability", "-w", str(maven_path))
    doc = data("repeatability", "-w", str(maven_path))
    for r in doc["repeatability_products"]:
        assert r["product"] in out
    assert_whole(out, [token for r in doc["repeatability_pipeline"] for token in (
        f.count(r["open_deals"]), f.money(r["pipeline"]), f.money(r["needed_pipeline"]))])
    assert "4,238 won deals, 10.0M in 2017" in out


def test_a_table_too_wide_even_without_its_optional_columns_reads_as_blocks():
    from rich.console import Console

    from funnelwise.presentation.tables import Col, field, grid

    cols = [Col(name, field(name, str)) for name in ("first", "second", "third")]
    table = grid("Wide", cols, [{"first": "A" * 30, "second": "B" * 30, "third": "C" * 30}])
    console = Console(width=80, record=True)
    console.print(table)
    text = console.export_text()
    assert "A" * 30 in text and "  second: " + "B" * 30 in text and "C" * 30 in text


def test_optional_columns_step_aside_highest_priority_first():
    from funnelwise.presentation.tables import Col, field, layout

    cols = [Col("id", field("id", str)), Col("kept", field("kept", str), priority=1),
            Col("dropped", field("dropped", str), priority=2)]
    cells = [("x" * 40, "y" * 20, "z" * 20)]
    fitted = layout(cols, cells, 70)
    assert fitted is not None and fitted.dropped == ("dropped",)
    assert fitted.widths == (40, 20)
