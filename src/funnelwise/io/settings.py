"""funnelwise.toml: the settings kept beside a workspace, one table per feature.

    reports/sales.duckdb
    reports/funnelwise.toml       # beside it; optional

```toml
[delivery]                        # funnelwise brief --send (docs/brief.md)
smtp_host = "smtp.example.com"
```

What a workspace's data means (the funnel, its `[review]` and `[coach]` thresholds) lives in
the funnel file inside the workspace; this file holds what belongs to the machine running
funnelwise, such as where the brief is mailed. Each table is read by its feature's model
(`schema.sections`), so its mistakes are named like every other setting's:

    reports/funnelwise.toml [delivery]: smtp_port must be at most 65535, got 70000

A table the file may hold is listed in `SECTIONS`; any other is refused with a "did you
mean ...?", so a misspelt `[delivry]` is not silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from funnelwise.errors import UserError, did_you_mean
from funnelwise.schema.sections import read_toml, validated

T = TypeVar("T")

FILE_NAME = "funnelwise.toml"
SECTIONS = ("delivery",)
"""The tables funnelwise.toml may hold."""


@dataclass(frozen=True)
class Settings:
    """The file's tables (none when there is no file) and where it is."""

    path: Path
    tables: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str, model: Callable[..., T]) -> T:
        """The `[name]` table read by `model`: its defaults when the file has no such table."""
        return validated(model, self.tables.get(name, {}), where=str(self.path), section=name)


def settings_path(workspace: Path) -> Path:
    """funnelwise.toml in the workspace's folder (beside the DuckDB file)."""
    return workspace.parent / FILE_NAME


def read_settings(workspace: Path) -> Settings:
    """The funnelwise.toml beside `workspace`, checked for unknown tables; an empty one when
    there is no file."""
    path = settings_path(workspace)
    if not path.is_file():
        return Settings(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    tables = read_toml(text, where=str(path))
    loose = [name for name, value in tables.items() if not isinstance(value, dict)]
    if loose:
        raise UserError(f"{path}: {loose[0]!r} is outside any table; settings go in a table "
                        f"such as [{SECTIONS[0]}] ({', '.join(SECTIONS)})")
    unknown = [name for name in tables if name not in SECTIONS]
    if unknown:
        hint = did_you_mean(unknown[0], SECTIONS)
        raise UserError(f"{path}: unknown table [{unknown[0]}]; {hint + ' ' if hint else ''}"
                        f"known: {', '.join(SECTIONS)}")
    return Settings(path=path, tables=tables)
