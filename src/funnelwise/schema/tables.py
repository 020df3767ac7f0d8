"""The canonical tables every importer produces and every metric reads.

One CSV (or Parquet) file per table, named `<table>.csv`. Only ids and the columns a metric
needs are required; any other column may be missing from the file or empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["string", "date", "timestamp", "float"]

SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "float": "DOUBLE",
}

STATUSES = ("open", "won", "lost")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "omitted", "closed")
"""A rep's call on a deal (Salesforce's ForecastCategoryName, HubSpot's forecast category):
written in lower case with underscores; `Best Case` reads as `best_case`."""
CALLS = ("commit", "best_case", "pipeline")


@dataclass(frozen=True)
class Column:
    """A canonical column: its name, its kind and whether a row may leave it empty."""

    name: str
    kind: Kind = "string"
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and the key that makes a re-import an upsert."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _s(name: str, required: bool = False) -> Column:
    return Column(name, "string", required)


def _ts(name: str, required: bool = False) -> Column:
    return Column(name, "timestamp", required)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("reps", ("rep_id",), (
            _s("rep_id", True), _s("name"), _s("manager"), _s("team"), _s("region"),
            _s("manager_email"))),
        Table("accounts", ("account_id",), (
            _s("account_id", True), _s("name"), _s("segment"), _s("industry"), _s("region"))),
        Table("leads", ("lead_id",), (
            _s("lead_id", True), _ts("created_at"), _s("source"), _s("owner_rep_id"),
            _s("account_id"), _s("landing_page"))),
        Table("opportunities", ("opportunity_id",), (
            _s("opportunity_id", True), _s("owner_rep_id", True), _s("account_id"),
            _s("lead_id"), _s("source"), _s("product"), _ts("created_at"), _s("stage"),
            Column("amount", "float"), Column("expected_close_date", "date"),
            Column("status", "string", True, STATUSES), _ts("closed_at"), _s("sdr_id"),
            Column("forecast_category", "string", False, FORECAST_CATEGORIES))),
        Table("stage_history", ("opportunity_id", "stage", "entered_at"), (
            _s("opportunity_id", True), _s("stage", True), _ts("entered_at", True))),
        Table("activities", ("activity_id",), (
            _s("activity_id", True), _s("rep_id", True), _s("type", True),
            _ts("occurred_at", True), _s("lead_id"), _s("opportunity_id"), _s("account_id"),
            _s("output"))),
        Table("outcomes", ("outcome_id",), (
            _s("outcome_id", True), _s("kind", True), _ts("achieved_at", True), _s("rep_id"),
            _s("lead_id"), _s("opportunity_id"))),
        Table("quotas", ("rep_id", "period_start", "period_end"), (
            _s("rep_id", True), Column("period_start", "date", True),
            Column("period_end", "date", True), Column("amount", "float", True))),
        Table("close_date_history", ("opportunity_id", "changed_at"), (
            _s("opportunity_id", True), _ts("changed_at", True),
            Column("expected_close_date", "date", True))),
        # what an import saw of each open deal, on the import's day: a row when something
        # changed since the last one (stage, amount, close date, call, owner)
        Table("snapshots", ("opportunity_id", "captured_at"), (
            _s("opportunity_id", True), Column("captured_at", "date", True),
            _s("owner_rep_id"), _s("stage"), Column("amount", "float"),
            Column("expected_close_date", "date"),
            Column("forecast_category", "string", False, FORECAST_CATEGORIES),
            Column("status", "string", False, STATUSES))),
        # a rep's call for a period made outside the CRM (a spreadsheet, a forecast call)
        Table("forecast_calls", ("rep_id", "period", "call", "submitted_at"), (
            _s("rep_id", True), _s("period", True), Column("call", "string", True, CALLS),
            Column("amount", "float", True), _ts("submitted_at", True))),
    )
}
