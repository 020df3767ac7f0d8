"""Expression helpers for presets whose exports name the same field in several ways."""

from __future__ import annotations

from collections.abc import Mapping

from funnelwise.io.sources import RawFile, quote
from funnelwise.io.spec import Expression


def first_of(*names: str, null_values: tuple[str, ...] = ()) -> Expression:
    """The first header present among `names`, as trimmed text, NULL for empty/null ids."""

    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        header = raw.find(*names)
        if header is None:
            return "NULL"
        expr = f"NULLIF(trim(CAST(src.{quote(header)} AS VARCHAR)), '')"
        for value in null_values:
            expr = f"NULLIF({expr}, '{value}')"
        return expr

    return build


def truthy(expr: str) -> str:
    """SQL: the text value is a yes (1, true, yes), as exports write booleans."""
    return f"lower(coalesce({expr}, '')) IN ('1', 'true', 'yes', 'y')"
