"""The canonical tables as Ibis expressions: what every metric function takes as input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from funnelwise.schema.funnel import Funnel

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Crm:
    """The canonical CRM tables of one workspace (or one Spark session), plus its funnel.

    Metric functions are pure: `Crm` in, an Ibis expression out. Where the tables live
    (DuckDB file, Parquet on Spark) is decided by the I/O layer that builds this value.
    `close_date_history`, `snapshots` (what repeated imports saw of each open deal) and
    `forecast_calls` are optional: None when the source has none.
    """

    reps: ir.Table
    accounts: ir.Table
    leads: ir.Table
    opportunities: ir.Table
    stage_history: ir.Table
    activities: ir.Table
    outcomes: ir.Table
    quotas: ir.Table
    funnel: Funnel
    close_date_history: ir.Table | None = None
    snapshots: ir.Table | None = None
    forecast_calls: ir.Table | None = None
    kept: Mapping[str, str] = field(default_factory=dict, init=False, compare=False,
                                    repr=False)
    """Results its workspace keeps for the data as it is (by name, as text): only on the
    workspace's own tables with its own funnel. A `Crm` derived from this one (a team's
    tables, another funnel: `dataclasses.replace`) starts without them, as they would not
    hold for it."""
