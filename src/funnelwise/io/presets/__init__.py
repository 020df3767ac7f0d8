"""Importer presets: a registry of named layouts, each a small declaration of `TableSpec`s.

Built-in presets register themselves exactly as a third party's would:

    register(Preset(name="mycrm", description="...", specs=(TableSpec(...), ...)))
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from funnelwise.errors import unknown_name
from funnelwise.io.spec import TableSpec


@dataclass(frozen=True)
class Preset:
    """A named import layout: which files feed which canonical tables, and its funnel."""

    name: str
    description: str
    specs: tuple[TableSpec, ...]
    funnel: str | None = None
    file_hint: str = ""
    lookups: tuple[str, ...] = ()
    """File patterns read only to look values up (e.g. list prices); they must be present."""
    funnel_given: bool = False
    """The funnel is the user's own (a mapping file's): stages it does not know are errors,
    never a reason to infer another."""


PRESETS: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    PRESETS[preset.name] = preset
    return preset


def get(name: str) -> Preset:
    _load_builtins()
    if name not in PRESETS:
        raise unknown_name("preset", name, PRESETS)
    return PRESETS[name]


def funnel_text(filename: str) -> str:
    """A funnel TOML shipped beside the presets."""
    return resources.files("funnelwise.io.presets").joinpath(filename).read_text()


def _load_builtins() -> None:
    from funnelwise.io.presets import canonical, hubspot, maven, salesforce  # noqa: F401
