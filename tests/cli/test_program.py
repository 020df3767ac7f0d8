"""The commands funnelwise suggests can be pasted as printed: `funnelwise` when the shell finds
the one running, else the path it was started by (`make demo` runs `.venv/bin/funnelwise`
before any virtual environment is activated)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from funnelwise.cli.common import program

SCRIPT = Path(sys.executable).parent / "funnelwise"


@pytest.mark.skipif(not SCRIPT.exists(), reason="no funnelwise script beside the interpreter")
def test_the_program_is_named_as_the_shell_can_run_it(monkeypatch):
    monkeypatch.chdir(SCRIPT.parent.parent.parent)
    started = os.path.relpath(SCRIPT)
    monkeypatch.setattr(sys, "argv", [started, "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert program() == started  # e.g. .venv/bin/funnelwise
    monkeypatch.setenv("PATH", f"{SCRIPT.parent}:/usr/bin:/bin")
    assert program() == "funnelwise"  # the virtual environment is active
    monkeypatch.setattr(sys, "argv", ["/usr/bin/python3", "-m", "funnelwise"])
    assert program() == "funnelwise"
