"""The `funnelwise` console command."""

from __future__ import annotations

import typer

from funnelwise.cli import demo_cmd, import_cmd, metrics_cmds, simulate_cmd

app = typer.Typer(
    name="funnelwise", no_args_is_help=True, add_completion=False,
    help="Manage B2B sales by outcomes: funnel, win rates and cycle times from your CRM data.",
)
for module in (import_cmd, simulate_cmd, metrics_cmds, demo_cmd):
    module.register(app)


def run() -> None:
    app()
