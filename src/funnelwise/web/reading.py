"""The workspace as the dashboard reads it: opened by a request when a page first needs the
data, and closed when the response is built, so an import can write between two requests.

DuckDB lets one process write a file or several read it. A request that finds the file held
by a writer waits a few seconds (`Workspace(..., wait=)`) and then answers 503.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from funnelwise.io.workspace import Stamp, Workspace, WorkspaceBusy, stamp
from funnelwise.schema.crm import Crm


class Changed(WorkspaceBusy):
    """The file changed between a request's look at its version and the open: results kept
    for the old version must not mix with the new data, so the request starts again."""


class Reading:
    """One request's read of the workspace at `path`, expected at `version` (its `stamp`).

    `crm()` opens the file on first use; `close()` (or leaving the `with`) closes it.
    """

    def __init__(self, path: Path, *, version: Stamp, wait: float) -> None:
        self.path = path
        self.version = version
        self.wait = wait
        self.ws: Workspace | None = None

    def crm(self) -> Crm:
        if self.ws is None:
            ws = Workspace(self.path, read_only=True, wait=self.wait)
            if stamp(self.path) != self.version:
                ws.close()
                raise Changed(f"workspace {self.path} changed while this page was read; "
                              "reload the page", holder="an import")
            self.ws = ws
        return self.ws.crm()

    def setting(self, key: str) -> str | None:
        """A workspace setting (the currency), opening the file if it is not open yet."""
        self.crm()
        assert self.ws is not None
        return self.ws.get_meta(key)

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    def __enter__(self) -> Reading:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
