"""`funnelwise simulate`: a synthetic sales org with known truth, in the canonical layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.common import console, day_option, user_errors

ORDER = 20


@user_errors
def simulate(
    out: Annotated[Path, typer.Option(metavar="FOLDER",
                                      help="Folder to write the tables and truth.json into.")],
    reps: Annotated[int, typer.Option(min=1, help="Number of reps.")] = 20,
    weeks: Annotated[int, typer.Option(min=4, help="Weeks of history.")] = 52,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same org).")] = 7,
    scale_activities: Annotated[float, typer.Option(
        min=0.01, help="Multiply outreach volume (e.g. 9.6 for ~20M activities at 200 reps "
                       "and 104 weeks).")] = 1.0,
    start: Annotated[dt.date, day_option(
        "--start", "First day of the history (a Monday).")] = dt.date(2025, 6, 30),
    file_format: Annotated[str, typer.Option(
        "--file-format", metavar="csv|parquet", help="How the tables are written.")] = "csv",
) -> None:
    """Write a simulated org: activities -> outputs -> outcomes -> deals, with truth.json.

    Example: funnelwise simulate --out sim/ --reps 50 --weeks 104 --seed 7
    """
    from rich.progress import Progress

    from funnelwise.simulate import SimConfig, simulate_org, write_org

    config = SimConfig(reps=reps, weeks=weeks, seed=seed, scale_activities=scale_activities,
                       start=start)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simulating", total=None)
        org = simulate_org(config)
        progress.update(task, description="writing", total=len(org.tables), completed=0)
        counts = write_org(org, out, fmt=file_format,
                           on_table=lambda name, rows: progress.advance(task))
    summary = ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    console.print(f"wrote {out}: {summary}; true rates in {out / 'truth.json'}", markup=False,
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(simulate)
