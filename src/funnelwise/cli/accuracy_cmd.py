"""`accuracy`: how well the forecast and the deal probabilities held on this workspace's own
history, measured once per import and kept in the workspace."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    OutOpt,
    WorkspaceOpt,
    console,
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.errors import UserError

if TYPE_CHECKING:
    from funnelwise.io.workspace import Workspace
    from funnelwise.pipeline.accuracy import Accuracy

ORDER = 62


def kept(ws: Workspace) -> Accuracy | None:
    """The accuracy the workspace keeps, if measured on its data as it is now."""
    from funnelwise.metrics.span import data_span
    from funnelwise.pipeline.accuracy import META_KEY, cached

    crm = ws.crm()
    return cached(crm.kept.get(META_KEY), data_span(crm).today)


def measure_and_keep(workspace: Path, *, wait: float = 30) -> Accuracy:
    """Measure on a read-only view (pages keep reading), with the win-probability model as of
    the data's today that reviews then read instead of fitting it; keep both in one short
    write, unless an import changed the data meanwhile."""
    from funnelwise.io.workspace import Workspace
    from funnelwise.pipeline import probability
    from funnelwise.pipeline.accuracy import META_KEY, measure

    def measured() -> tuple[str, Accuracy, str | None] | None:
        """The data version, the accuracy and the model, measured on a read-only view (None
        in a workspace from before data versions)."""
        with Workspace(workspace, read_only=True, wait=wait) as ws:
            version = ws.data_version()
            if version is None:
                return None
            # measured again, not read back from what is kept
            crm = dataclasses.replace(ws.crm())
            acc = measure(crm)
            try:
                model: str | None = probability.keep_text(crm)
            except UserError:  # nothing to review on: reviews say why when asked
                model = None
            return version, acc, model

    with console.status("measuring how well the forecast held on your history"):
        found = measured()
        if found is None:  # an older workspace gets a data version when opened to write
            Workspace(workspace, wait=wait).close()
            found = measured()
        assert found is not None
        version, acc, model = found
        with Workspace(workspace, wait=wait) as ws:
            ws.keep(META_KEY, acc.dumps(), version=version)
            if model is not None:
                ws.keep(probability.KEPT, model, version=version)
    return acc


@user_errors
def accuracy(
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Measure again even if this data was measured.")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """How far to trust the forecast and the win probabilities: the P10-P90 band's hits, WAPE
    and the Brier score on your own history, with no look-ahead.

    Kept in the workspace by each import; measured here when missing.

    Example: funnelwise accuracy --format json
    """
    from funnelwise.presentation.accuracy import accuracy_view

    with open_workspace(workspace) as ws:
        acc = None if refresh else kept(ws)
    if acc is None:
        acc = measure_and_keep(workspace)
    emit(accuracy_view(acc), format, out=out)


def register(app: typer.Typer) -> None:
    app.command()(accuracy)
