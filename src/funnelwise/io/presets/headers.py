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


def column_ref(raw: RawFile, *names: str, alias: str = "src") -> str | None:
    """SQL reference to the first header present among `names` (`alias."Header"`), or None."""
    header = raw.find(*names)
    return None if header is None else f"{alias}.{quote(header)}"


def text_of(raw: RawFile, *names: str, alias: str = "src") -> str:
    """The first header present among `names` as trimmed text, NULL when empty or absent."""
    ref = column_ref(raw, *names, alias=alias)
    return "NULL" if ref is None else f"NULLIF(trim(CAST({ref} AS VARCHAR)), '')"


def first_listed(*names: str) -> Expression:
    """The first value of a `;`-separated list (HubSpot's associated records), trimmed."""

    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        text = text_of(raw, *names)
        return "NULL" if text == "NULL" else f"NULLIF(trim(split_part({text}, ';', 1)), '')"

    return build


def snake(expr: str) -> str:
    """SQL: a vendor's value in lower case with underscores (`No Show` -> `no_show`)."""
    return (f"NULLIF(trim(regexp_replace(lower({expr}), '[^a-z0-9]+', '_', 'g'), '_'), '')")


ZONED = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?|[A-Za-z][A-Za-z_/+-]*)$"
"""A time followed by a zone: `Z`, an offset (`+0000`, `+01:00`) or a name (`CET`)."""


def timestamp_sql(expr: str) -> str:
    """SQL: a date or date-time text as `YYYY-MM-DD HH:MM:SS`.

    A time with a zone or offset (`2024-03-05T14:30:00.000+0100`, `... CET`) is converted to
    UTC; one without is kept as written. Text that is not a date stays as it is, so the
    import reports it with its row instead of dropping it.
    """
    fmt = "'%Y-%m-%d %H:%M:%S'"
    zoned = f"strftime(timezone('UTC', TRY_CAST({expr} AS TIMESTAMPTZ)), {fmt})"
    local = f"strftime(TRY_CAST({expr} AS TIMESTAMP), {fmt})"
    parsed = f"CASE WHEN regexp_matches({expr}, '{ZONED}') THEN {zoned} ELSE {local} END"
    return f"coalesce({parsed}, {expr})"


def timestamp_of(*names: str, alias: str = "src") -> Expression:
    """The first non-empty value among the headers present in `names`, as a timestamp text.

    Unlike `first_of`, a header that is present but empty on a row falls through to the next
    (a task without `CompletedDateTime` is dated by its `ActivityDate`).
    """

    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        return timestamp_sql(coalesce_of(raw, *names, alias=alias))

    return build


def coalesce_of(raw: RawFile, *names: str, alias: str = "src") -> str:
    """SQL: the first non-empty value among the headers of `names` present in `raw`."""
    found = dict.fromkeys(text_of(raw, n, alias=alias) for n in names)
    texts = [t for t in found if t != "NULL"]
    if not texts:
        return "NULL"
    return texts[0] if len(texts) == 1 else f"coalesce({', '.join(texts)})"


CATEGORY_WORDS = {
    "bestcase": "best_case", "best_case": "best_case", "most_likely": "best_case",
    "mostlikely": "best_case", "forecast": "commit", "commit": "commit",
    "pipeline": "pipeline", "omit": "omitted", "omitted": "omitted",
    "not_forecasted": "omitted", "closed": "closed", "closed_won": "closed",
    "closed_lost": "closed",
}
"""A vendor's forecast categories in the canonical words: Salesforce's ForecastCategoryName
(Pipeline, Best Case, Most Likely, Commit, Omitted, Closed) and ForecastCategory (BestCase,
MostLikely, Forecast = Commit), HubSpot's (Not forecasted, Pipeline, Best case, Most likely,
Commit, Closed won). Most likely, which funnelwise has no word for, counts as best case: in
the best case, not in the commit."""


def forecast_category_of(*names: str) -> Expression:
    """The first header present among `names` as a canonical forecast category; a value not
    listed stays as written, so the import names it with its row."""
    cases = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in CATEGORY_WORDS.items())

    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        value = first_of(*names)(raw, others)
        if value == "NULL":
            return value
        return f"CASE {snake(value)} {cases} ELSE {value} END"

    return build
