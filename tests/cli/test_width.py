"""The terminal width follows COLUMNS at each command, not only as it was when the console was
made (a test runner or a tool embedding the CLI runs many commands in one process)."""

from __future__ import annotations

import pytest


def test_the_console_reads_columns_at_each_print(monkeypatch: pytest.MonkeyPatch):
    from funnelwise.cli.common import _Console

    monkeypatch.setenv("COLUMNS", "60")
    console = _Console()
    assert console.width == 60
    monkeypatch.setenv("COLUMNS", "200")
    assert console.width == 200
