"""What a user types and reads around the figures: help, --version, dates, rates, messages."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from funnelwise.cli.common import user_errors
from funnelwise.cli.help import version
from funnelwise.cli.main import app, full_app
from funnelwise.errors import UserError

runner = CliRunner()
DESIGN = ["--quota", "1200000", "--deal-size", "100000", "--weeks", "48"]


def run(*args: str, **env: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100", **env})


def flat(text: str) -> str:
    """Help text without its frame and line breaks (long forms fold inside a column)."""
    return "".join(text.replace("│", "").split())


def commands() -> list[str]:
    return sorted(c.name for c in typer.main.get_command(full_app()).commands.values())


@pytest.mark.parametrize("command", commands())
def test_every_help_shows_forms_not_types_and_ends_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for python_type in ("<bool>", "<str>", "<int>", "<float>", "<path>", "list[", "<%Y"):
        assert python_type not in text, (command, python_type)
    last = [line.strip() for line in text.splitlines() if line.strip()][-1]
    assert last.startswith(f"Example: funnelwise {command}"), last


def test_help_paragraphs_wrap_at_the_terminal_not_at_the_source():
    """A docstring's line breaks do not show: at 200 columns a paragraph is one line."""
    lines = [line.strip() for line in run("project", "--help", COLUMNS="200").stdout.splitlines()]
    assert ("From a workspace, a period not yet over adds what is won and open as of the data's "
            "today, and a rate that changed recently is planned at its rate since the change."
            ) in lines


def test_review_help_shows_the_forms_to_type():
    text = run("review", "--help").stdout
    assert "--as-of                     YYYY-MM-DD" in text
    assert "--calibration  " in text and "--help  " in text
    assert "table|json|csv" in text
    assert text.rstrip().splitlines()[-1].strip() == (
        "Example: funnelwise review --as-of 2026-06-01 --rep R011")


def test_enumerated_options_show_their_choices():
    assert "--byrep|manager|team" in flat(run("coverage", "--help").stdout)
    assert "--format-ftable|json|csv" in flat(run("review", "--help").stdout)
    assert "Whomtoplanfor:rep,team,manager,regionorall." in flat(run("plan", "--help").stdout)
    assert "--byGROUPHowtogroup:rep,manager,team,region,product,sourceorall." in flat(
        run("winrates", "--help").stdout)
    assert "funnelwise,stage_weighted,run_rate,orall" in flat(run("forecast", "--help").stdout)
    assert "--ruleRULE" in flat(run("coach", "--help").stdout)


def test_help_text_is_not_read_as_markup():
    assert "([targets]inthefunnelfile)" in flat(run("coach", "--help").stdout)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"funnelwise {version()}\n"
    assert run("--help").stdout.count("--version") == 1


def test_a_bad_date_names_the_flag_and_the_form(tiny_ws):
    tiny_ws.close()
    result = run("winrates", "--since", "2026-13-01", "-w", str(tiny_ws.path))
    assert result.exit_code == 2
    assert "--since 2026-13-01 is not a date (YYYY-MM-DD)" in result.output
    assert "Value error" not in result.output


def test_since_after_until_is_refused(tiny_ws):
    tiny_ws.close()
    result = run("funnel", "--since", "2026-03-01", "--until", "2026-02-01", "-w",
                 str(tiny_ws.path))
    assert result.exit_code == 2
    assert "--since 2026-03-01 is after --until 2026-02-01" in result.stderr
    assert result.stdout == ""


def plan_json(*args: str) -> dict:
    result = run("plan", *DESIGN, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_rates_are_typed_as_percentages():
    typed = plan_json("--win-rate", "25%", "--step", "conversation=12.5%", "--what-if",
                      "conversation=15%")
    shares = plan_json("--win-rate", "0.25", "--step", "conversation=0.125", "--what-if",
                       "conversation=0.15")
    assert typed["rows"] == [dict(r, scenario=r["scenario"]) for r in shares["rows"]]
    (base, scenario) = typed["rows"]
    assert base["win_rate"] == 0.25 and base["steps"][0]["rate"] == 0.125
    assert scenario["steps"][0]["rate"] == pytest.approx(0.15)


def test_a_bad_rate_says_how_to_type_one():
    result = run("plan", *DESIGN, "--win-rate", "a quarter")
    assert result.exit_code == 2
    assert "--win-rate a quarter is not a rate (give 15% or 0.15)" in result.output


def test_messages_keep_their_brackets():
    probe = typer.Typer()

    @probe.command()
    @user_errors
    def spark() -> None:
        raise UserError("the spark engine needs PySpark: pip install 'funnelwise[spark]'")

    @probe.command()
    def other() -> None:
        """Unused."""

    result = runner.invoke(probe, ["spark"])
    assert result.exit_code == 2
    assert "pip install 'funnelwise[spark]'" in result.stderr


def test_out_writes_json_to_a_file(tiny_ws, tmp_path):
    tiny_ws.close()
    result = run("cycle", "-w", str(tiny_ws.path), "--format", "json", "--out",
                 str(tmp_path / "cycle.json"))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads((tmp_path / "cycle.json").read_text())[0]["key"] == "ana"
    table = run("cycle", "-w", str(tiny_ws.path), "--out", str(tmp_path / "cycle.txt"))
    assert table.exit_code == 2 and "add --format json or --format csv" in table.stderr
