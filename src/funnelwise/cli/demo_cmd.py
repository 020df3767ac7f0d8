"""`funnelwise demo`: simulate an org into a fresh workspace and show what funnelwise sees."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.common import console, user_errors

ORDER = 5


@user_errors
def demo(
    workspace: Annotated[Path, typer.Option(
        "--workspace", "-w", help="Workspace to create (replaced if it exists).")] = Path(
        "demo.duckdb"),
    reps: Annotated[int, typer.Option(min=2)] = 20,
    weeks: Annotated[int, typer.Option(min=8)] = 52,
    seed: int = 7,
) -> None:
    """Simulate a sales org, import it, print its funnel, win rates, cycle and Monday brief.

    Example: funnelwise demo --workspace demo.duckdb --reps 20 --weeks 52
    """
    from rich.markdown import Markdown

    from funnelwise.cli.accuracy_cmd import measure_and_keep
    from funnelwise.cli.common import program, read_settings, rep_names
    from funnelwise.coach.brief import make_brief
    from funnelwise.io import presets
    from funnelwise.io.importer import run_import
    from funnelwise.io.validate import Settings
    from funnelwise.io.workspace import Workspace
    from funnelwise.metrics.cycle import cycle
    from funnelwise.metrics.funnel import funnel
    from funnelwise.metrics.winrates import winrates
    from funnelwise.presentation.brief import to_markdown
    from funnelwise.presentation.tables import view
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    workspace.unlink(missing_ok=True)
    config = SimConfig(reps=reps, weeks=weeks, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        with console.status("simulating a sales org"):
            write_org(simulate_org(config), Path(tmp))
        # the simulated export shows the CRM at the start of the day after its data
        with console.status("importing"), Workspace(workspace) as ws:
            run_import(ws, [Path(tmp)], presets.get("canonical"),
                       settings=Settings(captured=config.end))
    acc = measure_and_keep(workspace)
    with Workspace(workspace) as ws:
        read_settings(ws)
        crm = ws.crm()
        names = rep_names(crm)
        console.rule(f"funnelwise demo: {reps} simulated reps, {weeks} weeks -> {workspace}")
        console.print(view(funnel(crm, by="all"), title="Team funnel"))
        console.print(view(winrates(crm, by="rep"), title="Win rates by rep", names=names))
        console.print(view(cycle(crm, by="team"), title="Sales cycle by team (days)"))
        with console.status("preparing the Monday brief"):
            brief = to_markdown(make_brief(crm, accuracy=acc))
        console.rule("The Monday brief (funnelwise brief --out brief.html)")
        console.print(Markdown(brief))
    console.print(f"\nExplore it: {program()} winrates --workspace {workspace} --by team "
                  f"--format json   (see README for every command)", markup=False,
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(demo)
