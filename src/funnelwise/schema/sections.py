"""The funnel file's sections: one parser, and one way of saying what is wrong with them.

Every table of the funnel TOML is read by a model that declares its keys once: their types,
bounds and defaults, with unknown keys refused (`extra="forbid"`). pydantic checks the values;
`settings_error` turns its findings into a `UserError` that names the file, the section, the
key and the value, in plain words, with a "did you mean ...?" for a misspelt key:

    sales.duckdb funnel [review]: stage_quantile must be more than 0 and less than 1, got 90
    sales.duckdb funnel [review]: unknown key 'no_activty_days'; did you mean
        'no_activity_days'? known: amount_min_wins, amount_multiple, ...

Where the models live: beside the code that reads them, not here. The funnel's own tables
(`[[steps]]`, `stages`, `[qualification]`) are in `schema.funnel`; `[review]` in
`pipeline.config`, `[coach]` and `[targets]` in `coach.config`, `[effectiveness]` in
`metrics.effectiveness`. A section's keys mean something only to its feature (the review's
thresholds and rule names, the coaching windows), and their documentation belongs beside the
rules that use them; schema is layer 1 and may not import those layers. So this module holds
only what every section shares: the field types (`Number`, `Whole`, `Flag`, `Names`), the
model settings (`SECTION`), reading the TOML, building a model from a table or from options,
and the error. A section is read when its feature runs (`Funnel.section`), so a mistake in
`[coach]` stops `coach`, not `import`.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, Strict, ValidationError
from pydantic_core import PydanticCustomError

from funnelwise.errors import UserError, did_you_mean

T = TypeVar("T")

SECTION = ConfigDict(extra="forbid")
"""The settings of every section model: a key the model does not declare is an error."""

Number = Annotated[float, Strict()]
"""A TOML integer or float (never a boolean or a quoted number)."""
Whole = Annotated[int, Strict()]
"""A TOML integer."""
Flag = Annotated[bool, Strict()]
"""true or false."""
Text = Annotated[str, Strict()]
"""A TOML string."""


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


Names = Annotated[tuple[Text, ...], BeforeValidator(_one_or_many)]
"""A list of names, or one name for a list of one."""

KINDS = {
    "float_type": "must be a number", "int_type": "must be a whole number",
    "bool_type": "must be true or false", "string_type": "must be text",
    "tuple_type": "must be a list", "list_type": "must be a list",
    "dict_type": "must be a table", "mapping_type": "must be a table",
}
BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
UNKNOWN = ("unexpected_keyword_argument", "extra_forbidden")


def problem(text: str) -> PydanticCustomError:
    """An error for a model's own validators, in the words the user reads: after the key
    (`must be between 1 and recent_weeks (8), got 9`), or whole for a check of the table."""
    return PydanticCustomError("funnelwise", "{text}", {"text": text})


def read_toml(text: str, *, where: str) -> dict[str, Any]:
    """The TOML text as a table; bad TOML is a user error naming `where`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from exc


def validated(model: Callable[..., T], values: Mapping[str, Any], *, where: str,
              section: str | None = None) -> T:
    """`model` built from `values` (a section's table); a bad key or value is a user error."""
    try:
        return model(**values)
    except ValidationError as exc:
        raise settings_error(exc, model=model, values=values, where=where,
                             section=section) from None


def override(config: T, *, where: str = "command-line options", **options: Any) -> T:
    """A copy of `config` (a section model) with the options given (None keeps the value),
    checked like the file's values."""
    given = {k: v for k, v in options.items() if v is not None}
    try:
        return dataclasses.replace(config, **given)  # type: ignore[type-var]
    except ValidationError as exc:
        raise settings_error(exc, model=type(config), values=given, where=where) from None


def settings_error(exc: ValidationError, *, model: Any, values: Mapping[str, Any], where: str,
                   section: str | None = None) -> UserError:
    """One user error for every problem pydantic found, numbered when there are several."""
    head = f"{where} [{section}]" if section else where
    lines = [_line(e, model=model, values=values, head=head, tables=section is None)
             for e in exc.errors()]
    if len(lines) == 1:
        return UserError(lines[0])
    return UserError(f"{len(lines)} problems:\n" + "\n".join(
        f"  {i}. {line}" for i, line in enumerate(lines, start=1)))


def _line(error: Any, *, model: Any, values: Mapping[str, Any], head: str,
          tables: bool) -> str:
    loc = tuple(error["loc"])
    place, key = _place(loc, values, head=head, tables=tables)
    return f"{place}: {_text(error, model=model, key=key, loc=loc)}"


def _place(loc: tuple[Any, ...], values: Any, *, head: str, tables: bool) -> tuple[str, str]:
    """Where an error is, and the key there. `head` is the file and section; with `tables`
    (the file's top level), a table's name becomes `[table]` and an entry of an array of
    tables `[[steps]] #2 ('won')`. Keys inside are dotted (`reps.R007`), list items numbered
    (`disqualifying #2`)."""
    place, node = head, values
    keys: list[str] = []
    for i, part in enumerate(loc):
        item = _child(node, part)
        if isinstance(part, int) and isinstance(item, dict):
            name = f" ({item['name']!r})" if "name" in item else ""
            place, keys = f"{place} [[{'.'.join(keys)}]] #{part + 1}{name}", []
        elif isinstance(part, int):
            keys[-1:] = [f"{'.'.join(keys[-1:])} #{part + 1}"]
        elif tables and not keys and isinstance(item, dict) and i < len(loc) - 1:
            place = f"{place} [{part}]"
        else:
            keys.append(str(part))
        node = item
    return place, ".".join(keys)


def _child(node: Any, part: Any) -> Any:
    if isinstance(part, int):
        return node[part] if isinstance(node, list) and part < len(node) else None
    return node.get(part) if isinstance(node, dict) else None


def _text(error: Any, *, model: Any, key: str, loc: tuple[Any, ...]) -> str:
    kind, value = error["type"], error.get("input")
    got = f", got {value!r}"
    if kind in UNKNOWN:
        known = _keys(_model_at(model, loc[:-1]))
        hint = did_you_mean(str(loc[-1]), known)
        return (f"unknown key {str(loc[-1])!r}; {hint + ' ' if hint else ''}"
                f"known: {', '.join(sorted(known))}")
    if kind == "missing":
        return f"{key} is required"
    if kind in KINDS:
        return f"{key} {KINDS[kind]}{got}"
    if kind in BOUNDS:
        return f"{key} {_bounds(_limits(model, loc, error.get('ctx', {})))}{got}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return f"{key} must be one of {', '.join(choices)}{got}" + (f"; {hint}" if hint else "")
    if kind == "too_short":
        return f"{key} needs at least {error['ctx']['min_length']} entries"
    if kind == "funnelwise":
        return f"{key} {error['msg']}" if key else error["msg"]
    if "error" in error.get("ctx", {}):
        return f"{key} is not valid: {error['ctx']['error']}"
    return f"{key} is not valid{got}"


def _limits(model: Any, loc: tuple[Any, ...], ctx: Mapping[str, Any]) -> dict[str, float]:
    """Every bound of the field at `loc` (both ends of a range), else the one that failed."""
    info = _fields(model).get(loc[0]) if len(loc) == 1 else None
    found = {name: getattr(m, name) for m in (info.metadata if info else ())
             for name in ("gt", "ge", "lt", "le") if getattr(m, name, None) is not None}
    return found or {k: v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")}


def _bounds(limits: Mapping[str, float]) -> str:
    """`{'gt': 0, 'lt': 1}` -> 'must be more than 0 and less than 1'; `{'gt': 0}` -> 'must be
    a positive number'; `{'ge': 0}` -> 'must not be negative'."""
    low = (("more than", limits["gt"]) if "gt" in limits
           else ("at least", limits["ge"]) if "ge" in limits else None)
    high = (("less than", limits["lt"]) if "lt" in limits
            else ("at most", limits["le"]) if "le" in limits else None)
    if high is None and low == ("more than", 0):
        return "must be a positive number"
    if high is None and low == ("at least", 0):
        return "must not be negative"
    ends = [f"{end[0]} {end[1]:g}" for end in (low, high) if end is not None]
    return "must be " + " and ".join(ends)


def _fields(model: Any) -> dict[str, Any]:
    """A model's fields by the name the file uses (the alias when there is one)."""
    fields = getattr(model, "__pydantic_fields__", {})
    return {info.alias or name: info for name, info in fields.items()}


def _keys(model: Any) -> list[str]:
    return list(_fields(model))


def _model_at(model: Any, loc: tuple[Any, ...]) -> Any:
    """The model of the table at `loc` (a step's model for `('steps', 0)`)."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = _fields(model).get(part)
        model = _inner_model(info.annotation) if info else None
    return model


def _inner_model(annotation: Any) -> Any:
    if hasattr(annotation, "__pydantic_fields__"):
        return annotation
    for arg in typing.get_args(annotation):
        if found := _inner_model(arg):
            return found
    return None
