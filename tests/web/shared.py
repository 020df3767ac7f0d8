"""Helpers the page tests share: a client that answers each URL once, and the CLI's JSON."""

from __future__ import annotations

import json
import math
from typing import Any

from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from tests.web.conftest import Client

runner = CliRunner()
_CLI: dict[tuple[str, ...], Any] = {}


class Cached(Client):
    """The in-process client, answering each URL once per module (pages take seconds)."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.seen: dict[str, Any] = {}

    def get(self, url: str) -> Any:
        if url not in self.seen:
            self.seen[url] = super().get(url)
        return self.seen[url]


def cli_json(*args: str) -> Any:
    """`funnelwise <args> --format json`, each command run once per session."""
    if args not in _CLI:
        result = runner.invoke(cli, [*args, "--format", "json"])
        assert result.exit_code == 0, result.output
        _CLI[args] = nan_to_none(json.loads(result.stdout))
    return _CLI[args]


def cli_text(*args: str) -> str:
    """`funnelwise <args>` as printed."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def nan_to_none(value: Any) -> Any:
    """The CLI writes NaN; the app writes null (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nan_to_none(v) for v in value]
    return value


def as_json(value: Any) -> Any:
    """A data function's result as the JSON twin sends it."""
    return nan_to_none(json.loads(json.dumps(value, default=str)))
