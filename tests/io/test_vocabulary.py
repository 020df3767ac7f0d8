"""The user's own stage names: matched to the funnel's, or a funnel inferred from the data.

Folders are derived in the test from the simulator's canonical export, whose funnel is the
default one (Qualified -> Proposal -> Negotiation); figures are compared with plain SQL over
the derived files.
"""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io.vocabulary import StageUse, resolve
from funnelwise.schema import default_funnel
from funnelwise.schema.funnel import load_funnel, parse_funnel
from tests.conftest import raw_sql

runner = CliRunner()
OWN = {"Qualified": "Discovery", "Proposal": "Solution Demo", "Negotiation": "Commercials",
       "Closed Won": "Signed", "Closed Lost": "Dead"}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    folder = tmp_path_factory.mktemp("org")
    write_org(simulate_org(SimConfig(reps=6, weeks=30, seed=5)), folder)
    (folder / "truth.json").unlink()
    return folder


def renamed(org: Path, tmp_path: Path, rename: dict[str, str]) -> Path:
    """A copy of `org` with stage values renamed in opportunities and stage history."""
    folder = tmp_path / "renamed"
    shutil.copytree(org, folder)
    for name in ("opportunities.csv", "stage_history.csv"):
        with (folder / name).open(newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            row["stage"] = rename.get(row["stage"], row["stage"])
        with (folder / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def funnel_counts(ws: Path) -> dict[tuple[str, str], int]:
    rows = json.loads(run("funnel", "--workspace", str(ws), "--by", "rep", "--format", "json"))
    return {(r["key"], r["step"]): r["count"] for r in rows}


def test_lower_case_stages_and_won_lost_import_without_a_funnel(org, tmp_path):
    lower = {s: s.lower() for s in ("Qualified", "Proposal", "Negotiation")}
    folder = renamed(org, tmp_path, {**lower, "Closed Won": "won", "Closed Lost": "lost"})
    ws = tmp_path / "w.duckdb"
    text = " ".join(run("import", "--no-accuracy", "--workspace", str(ws), str(folder)).split())
    assert "closed stage names taken from the data: lost, won" in text
    deals = f"read_csv('{folder / 'opportunities.csv'}', all_varchar=true)"
    history = f"read_csv('{folder / 'stage_history.csv'}', all_varchar=true)"
    # qualified: deals whose current stage or any history entry is 'qualified' or later
    expected = dict(raw_sql(
        f"SELECT owner_rep_id, count(DISTINCT d.opportunity_id) FROM {deals} d "
        f"WHERE d.stage IN ('qualified', 'proposal', 'negotiation') OR EXISTS (SELECT 1 FROM "
        f"{history} h WHERE h.opportunity_id = d.opportunity_id AND h.stage IN "
        "('qualified', 'proposal', 'negotiation')) GROUP BY 1"))
    won = dict(raw_sql(f"SELECT owner_rep_id, count(*) FROM {deals} WHERE status = 'won' "
                       "GROUP BY 1"))
    got = funnel_counts(ws)
    assert {rep: got[(rep, "qualified")] for rep in expected} == expected
    assert {rep: got[(rep, "won")] for rep in won} == won
    rates = {r["key"]: (r["won"], r["lost"]) for r in json.loads(run(
        "winrates", "--workspace", str(ws), "--by", "rep", "--format", "json"))}
    closed = {rep: (w, lost) for rep, w, lost in raw_sql(
        f"SELECT owner_rep_id, count(*) FILTER (status = 'won'), count(*) FILTER "
        f"(status = 'lost') FROM {deals} WHERE status <> 'open' GROUP BY 1")}
    assert rates == closed


def test_the_same_figures_as_the_funnels_own_spelling(org, tmp_path):
    """Lower-case stages give exactly the figures of the original spelling."""
    base, lower = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    run("import", "--no-accuracy", "--workspace", str(base), str(org))
    folder = renamed(org, tmp_path, {s: s.lower() for s in OWN})
    run("import", "--no-accuracy", "--workspace", str(lower), str(folder))
    assert funnel_counts(lower) == funnel_counts(base)


def test_stages_of_their_own_infer_the_funnel_in_the_order_deals_enter_them(org, tmp_path):
    folder = renamed(org, tmp_path, OWN)
    ws = tmp_path / "w.duckdb"
    text = " ".join(run("import", "--no-accuracy", "--workspace", str(ws), str(folder)).split())
    assert ("open stages Discovery -> Solution Demo -> Commercials, ordered by the order deals "
            "enter them in stage history; closed: Closed Won, Closed Lost, Dead, Signed") in text
    out = tmp_path / "funnel.toml"
    run("export", "--workspace", str(ws), "--funnel", str(out))
    funnel = load_funnel(out)
    assert funnel.stages == ("Discovery", "Solution Demo", "Commercials")
    assert [s.name for s in funnel.steps] == ["outreach", "conversation", "meeting",
                                              "discovery", "solution_demo", "commercials", "won"]
    # the qualification rules follow their stages under the new names
    assert dict(funnel.qualification) == {}
    base = tmp_path / "base.duckdb"
    run("import", "--no-accuracy", "--workspace", str(base), str(org))
    ours, theirs = funnel_counts(base), funnel_counts(ws)
    assert {k: v for k, v in theirs.items() if k[1] == "discovery"} == {
        (rep, "discovery"): n for (rep, step), n in ours.items() if step == "qualified"}


def test_an_edited_funnel_replaces_the_inferred_one_and_stays(org, tmp_path):
    folder = renamed(org, tmp_path, OWN)
    ws = tmp_path / "w.duckdb"
    run("import", "--no-accuracy", "--workspace", str(ws), str(folder))
    out = tmp_path / "funnel.toml"
    run("export", "--workspace", str(ws), "--funnel", str(out))
    out.write_text(out.read_text().replace('name = "discovery"', 'name = "qualified"'))
    run("import", "--no-accuracy", "--workspace", str(ws), "--funnel", str(out), str(folder))
    # later imports keep the given funnel
    run("import", "--no-accuracy", "--workspace", str(ws), str(folder))
    assert ("qualified" in {step for _, step in funnel_counts(ws)})


def test_a_misspelled_stage_is_refused_not_made_a_stage(org, tmp_path):
    folder = renamed(org, tmp_path, {"Proposal": "Propsal"})
    ws = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(ws), str(folder)])
    assert result.exit_code == 2
    assert "'Propsal' is not a stage of the funnel (did you mean 'Proposal'?)" in " ".join(
        result.output.split())


def test_resolve_orders_by_age_without_history():
    uses = [StageUse("Late", open=5, age=60.0), StageUse("Early", open=9, age=5.0),
            StageUse("Middle", open=7, age=20.0), StageUse("Won", closed=4),
            StageUse("Gone", closed=3)]
    words = resolve(default_funnel(), uses, given=False)
    assert words.funnel.stages == ("Early", "Middle", "Late")
    assert words.funnel.closed_stages == ("Closed Won", "Closed Lost", "Won", "Gone")
    assert "ordered by the median age of the open deals at each" in words.inferred


def test_resolve_keeps_a_given_funnel_and_recodes_spellings():
    uses = [StageUse("qualified", open=2), StageUse("CLOSED_WON", closed=1),
            StageUse("Discovery", open=1)]
    words = resolve(default_funnel(), uses, given=True)
    assert words.funnel == default_funnel()
    assert words.recode == {"qualified": "Qualified", "CLOSED_WON": "Closed Won"}


def test_an_inferred_funnel_keeps_the_settings_given_with_its_base():
    text = default_funnel().source + "\n[review]\nno_activity_days = 21\n"
    base = parse_funnel(text, where="base")
    uses = [StageUse("Discovery", open=3, age=10.0), StageUse("Demo", open=2, age=30.0),
            StageUse("Signed", closed=4)]
    words = resolve(base, uses, given=False)
    assert words.funnel.stages == ("Discovery", "Demo")
    again = parse_funnel(words.funnel.source, where="stored")
    assert again.stages == ("Discovery", "Demo")
    assert tomllib.loads(words.funnel.source)["review"] == {"no_activity_days": 21}
