"""The canonical layout: one file per table named after it, headers are the column names."""

from funnelwise.io.presets import Preset, register
from funnelwise.io.spec import identity_spec
from funnelwise.schema import TABLES

CANONICAL = register(Preset(
    name="canonical",
    description="funnelwise's own layout: reps.csv, opportunities.csv, ... "
                "(see docs/data-model.md)",
    specs=tuple(identity_spec(t) for t in TABLES),
    file_hint="name each file after its table: " + ", ".join(f"{t}.csv" for t in TABLES),
))
