"""A mapping file: any CSV/Parquet layout described in TOML, imported like a preset.

    name = "my-crm"
    funnel = "my_funnel.toml"          # optional, relative to this file

    [[lookups]]                        # optional: values taken from another imported file
    name = "list_price"
    file = "products.csv"              # glob, case-insensitive; must be imported too
    key = "Product"                    # header in that file
    value = "Price"                    # header in that file
    match = "ignore_case_and_spaces"   # or "exact" (the default)

    [[tables]]
    table = "opportunities"            # a canonical table
    file = "deals*.csv"                # which input file feeds it (glob, case-insensitive)
    date_format = "%d/%m/%Y"           # optional; default ISO dates and date-times
    where = "\"Pipeline\" = 'Sales'"    # optional filter on source rows
    [tables.columns]                   # canonical column = source header (or a list of them)
    opportunity_id = "Deal ID"
    status = "Stage"
    [tables.values.status]             # value map; "*" = any other value
    "Closed Won" = "won"
    "Closed Lost" = "lost"
    "*" = "open"
    [tables.expressions]               # optional SQL over source headers (double-quoted)
    amount = '''coalesce("Amount", lookup('list_price', "Product"))'''

`where` and every expression are checked against an allow-list when the mapping is read
(`funnelwise.io.sql_fragment`) and run as re-rendered from their parsed tree, so a bad mapping
fails before any file is read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from funnelwise.errors import UserError, unknown_name
from funnelwise.io.lookups import MATCHES, Lookup, WithLookups
from funnelwise.io.presets import Preset
from funnelwise.io.spec import Expression, TableSpec
from funnelwise.io.sql_fragment import check_fragment
from funnelwise.schema import TABLES

TOP_KEYS = {"name", "funnel", "tables", "lookups"}
TABLE_KEYS = {"table", "file", "columns", "values", "expressions", "date_format", "where",
              "distinct"}
LOOKUP_KEYS = {"name", "file", "key", "value", "match"}


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UserError(f"{where}: expected a header name or a list of them, got {value!r}")


def _text(value: Any, where: str, example: str) -> str:
    if isinstance(value, str):
        return value
    raise UserError(f"{where}: expected text in quotes, got {value!r}; e.g. {example}")


def _check_columns(table: str, names: Any, where: str) -> None:
    for name in names:
        if name not in TABLES[table].column_names:
            raise unknown_name(f"column of {table} in {where}", name, TABLES[table].column_names)


def _expression(text: Any, *, where: str, key: str,
                lookups: Mapping[str, Lookup]) -> str | Expression:
    """A checked expression: its re-rendered SQL, or a `WithLookups` when it calls lookup()."""
    text = _text(text, f"{where}, {key}", "amount = 'coalesce(\"Amount\", 0)'")
    fragment = check_fragment(text, where=where, key=key)
    for name in fragment.lookups:
        if name not in lookups:
            raise unknown_name(f"lookup in {where}, {key} (declare it in a [[lookups]] entry)",
                               name, lookups)
    if not fragment.lookups:
        return fragment.sql
    return WithLookups(fragment=fragment, lookups={n: lookups[n] for n in fragment.lookups})


def _where(text: Any, *, where: str) -> str | None:
    if text is None:
        return None
    text = _text(text, f"{where}, where", "where = \"\\\"Pipeline\\\" = 'Sales'\"")
    fragment = check_fragment(text, where=where, key="where")
    if fragment.lookups:
        raise UserError(f"{where}, where: lookup() works in [tables.expressions] only; filter "
                        "on the source file's own headers")
    return fragment.sql


def _date_format(value: Any, *, where: str) -> str | None:
    if value is None:
        return None
    return _text(value, f"{where}, date_format", "date_format = \"%d/%m/%Y\"")


def _spec(raw: dict[str, Any], where: str, lookups: Mapping[str, Lookup]) -> TableSpec:
    extra = set(raw) - TABLE_KEYS
    if extra:
        raise unknown_name(f"key in {where}", sorted(extra)[0], TABLE_KEYS)
    table = raw.get("table")
    if table not in TABLES:
        raise unknown_name(f"table in {where}", str(table), TABLES)
    where = f"{where} ({table})"
    if "file" not in raw:
        raise UserError(f"{where}: say which input file feeds {table} with file = \"...\"")
    columns = {k: _names(v, f"{where}.columns.{k}") for k, v in raw.get("columns", {}).items()}
    expressions = {k: _expression(v, where=where, key=f"expressions.{k}", lookups=lookups)
                   for k, v in raw.get("expressions", {}).items()}
    values = {k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()}
    for names in (columns, expressions, values):
        _check_columns(table, names, where)
    return TableSpec(table=table, file=str(raw["file"]), columns=columns,
                     expressions=expressions, values=values,
                     date_format=_date_format(raw.get("date_format"), where=where),
                     where=_where(raw.get("where"), where=where),
                     distinct=bool(raw.get("distinct", False)))


def _lookup(raw: Any, where: str) -> Lookup:
    if not isinstance(raw, dict):
        raise UserError(f"{where}: expected a [[lookups]] table, got {raw!r}")
    extra = set(raw) - LOOKUP_KEYS
    if extra:
        raise unknown_name(f"key in {where}", sorted(extra)[0], LOOKUP_KEYS)
    missing = sorted(LOOKUP_KEYS - {"match"} - set(raw))
    if missing:
        raise UserError(f"{where}: missing {', '.join(missing)}; a lookup needs name, file, "
                        "key and value (see docs/importing.md)")
    text = {k: _text(raw[k], f"{where}, {k}", f"{k} = \"...\"") for k in raw}
    match = text.get("match", "exact")
    if match not in MATCHES:
        raise unknown_name(f"match in {where}", match, MATCHES)
    where = f"{where} ({text['name']})"
    return Lookup(name=text["name"], file=text["file"].lower(), key=text["key"],
                  value=text["value"], match=match, origin=where)


def _lookups(entries: Any, where: str) -> dict[str, Lookup]:
    if not isinstance(entries, list):
        raise UserError(f"{where}: lookups are [[lookups]] tables (double brackets)")
    found: dict[str, Lookup] = {}
    for i, entry in enumerate(entries, 1):
        lookup = _lookup(entry, f"{where} [[lookups]] #{i}")
        if lookup.name in found:
            raise UserError(f"{lookup.origin}: a lookup named {lookup.name!r} is declared "
                            "twice; give each [[lookups]] entry its own name")
        found[lookup.name] = lookup
    return found


def parse_mapping(text: str, *, where: str, base: Path) -> Preset:
    """Parse mapping TOML text into a preset; `base` resolves a relative funnel path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from exc
    extra = set(raw) - TOP_KEYS
    if extra:
        raise unknown_name(f"key in {where}", sorted(extra)[0], TOP_KEYS)
    entries = raw.get("tables", [])
    if not entries:
        raise UserError(f"{where}: no [[tables]] entries; see docs/importing.md")
    lookups = _lookups(raw.get("lookups", []), where)
    specs = tuple(_spec(t, f"{where} [[tables]] #{i}", lookups)
                  for i, t in enumerate(entries, 1))
    funnel = None
    if "funnel" in raw:
        funnel_path = base / str(raw["funnel"])
        if not funnel_path.exists():
            raise UserError(f"{where}: funnel file {funnel_path} does not exist")
        funnel = funnel_path.read_text(encoding="utf-8")
    return Preset(name=str(raw.get("name", Path(where).stem)), description=f"mapping {where}",
                  specs=specs, funnel=funnel, file_hint=f"see the file patterns in {where}",
                  lookups=tuple(lookup.file for lookup in lookups.values()),
                  funnel_given=funnel is not None)


def load_mapping(path: Path) -> Preset:
    """Read a mapping TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read mapping file {path}: {exc.strerror}") from exc
    return parse_mapping(text, where=str(path), base=path.parent)
