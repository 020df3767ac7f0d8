"""A mapping file: any CSV/Parquet layout described in TOML, imported like a preset.

    name = "my-crm"
    funnel = "my_funnel.toml"          # optional, relative to this file

    [[tables]]
    table = "opportunities"            # a canonical table
    file = "deals*.csv"                # which input file feeds it (glob, case-insensitive)
    date_format = "%d/%m/%Y"           # optional; default ISO dates and date-times
    [tables.columns]                   # canonical column = source header (or a list of them)
    opportunity_id = "Deal ID"
    status = "Stage"
    [tables.values.status]             # value map; "*" = any other value
    "Closed Won" = "won"
    "Closed Lost" = "lost"
    "*" = "open"
    [tables.expressions]               # optional SQL over source headers (double-quoted)
    amount = 'coalesce("Amount", "Amount (company currency)")'
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from funnelwise.errors import UserError, unknown_name
from funnelwise.io.presets import Preset
from funnelwise.io.spec import TableSpec
from funnelwise.schema import TABLES

TABLE_KEYS = {"table", "file", "columns", "values", "expressions", "date_format", "where",
              "distinct"}


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UserError(f"{where}: expected a header name or a list of them, got {value!r}")


def _check_columns(table: str, names: Any, where: str) -> None:
    for name in names:
        if name not in TABLES[table].column_names:
            raise unknown_name(f"column of {table} in {where}", name, TABLES[table].column_names)


def _spec(raw: dict[str, Any], where: str) -> TableSpec:
    extra = set(raw) - TABLE_KEYS
    if extra:
        raise unknown_name(f"key in {where}", sorted(extra)[0], TABLE_KEYS)
    table = raw.get("table")
    if table not in TABLES:
        raise unknown_name(f"table in {where}", str(table), TABLES)
    if "file" not in raw:
        raise UserError(f"{where}: say which input file feeds {table} with file = \"...\"")
    columns = {k: _names(v, f"{where}.columns.{k}") for k, v in raw.get("columns", {}).items()}
    expressions = {k: str(v) for k, v in raw.get("expressions", {}).items()}
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()}
    for names in (columns, expressions, values):
        _check_columns(table, names, where)
    return TableSpec(table=table, file=str(raw["file"]), columns=columns,
                     expressions=expressions, values=values,
                     date_format=raw.get("date_format"), where=raw.get("where"),
                     distinct=bool(raw.get("distinct", False)))


def parse_mapping(text: str, *, where: str, base: Path) -> Preset:
    """Parse mapping TOML text into a preset; `base` resolves a relative funnel path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from exc
    entries = raw.get("tables", [])
    if not entries:
        raise UserError(f"{where}: no [[tables]] entries; see docs/importing.md")
    specs = tuple(_spec(t, f"{where} [[tables]] #{i}") for i, t in enumerate(entries, 1))
    funnel = None
    if "funnel" in raw:
        funnel_path = base / str(raw["funnel"])
        if not funnel_path.exists():
            raise UserError(f"{where}: funnel file {funnel_path} does not exist")
        funnel = funnel_path.read_text(encoding="utf-8")
    return Preset(name=str(raw.get("name", Path(where).stem)), description=f"mapping {where}",
                  specs=specs, funnel=funnel, file_hint=f"see the file patterns in {where}")


def load_mapping(path: Path) -> Preset:
    """Read a mapping TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read mapping file {path}: {exc.strerror}") from exc
    return parse_mapping(text, where=str(path), base=path.parent)
