"""Planned weekly volumes: from `--volume STEP=N` flags or a CSV with one row per rep.

The CSV has a `rep` (or `rep_id`) column and one column per planned step, each cell the weekly
volume the plan sets for that rep; an empty cell means the plan says nothing about that step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from funnelwise.errors import UserError, unknown_name
from funnelwise.plan.project import PlanVolumes

REP_COLUMNS = ("rep", "rep_id")


def check_volume(step: str, value: float, where: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{where}: weekly volume of {step!r} must be a number >= 0, "
                        f"got {value!r}")
    return value


def from_pairs(pairs: Sequence[tuple[str, float]], steps: Sequence[str]) -> PlanVolumes:
    """`--volume outreach=100 --volume meeting=12` as PlanVolumes, names checked."""
    out: dict[str, float] = {}
    for step, value in pairs:
        if step not in steps:
            raise unknown_name("funnel step in --volume", step, steps)
        out[step] = check_volume(step, value, f"--volume {step}")
    return PlanVolumes(per_week=out)


def _cell(value: object, where: str, step: str) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    try:
        number = float(str(value))
    except ValueError as exc:
        raise UserError(f"{where}, column {step}: {value!r} is not a number "
                        "(expected a weekly volume such as 120)") from exc
    return check_volume(step, number, f"{where}, column {step}")


def from_frame(frame: pd.DataFrame, steps: Sequence[str], where: str) -> dict[str, PlanVolumes]:
    """Per rep, the weekly volumes of a CSV read as strings; errors name the row and column."""
    rep_col = next((c for c in REP_COLUMNS if c in frame.columns), None)
    if rep_col is None:
        raise UserError(f"{where}: needs a `rep` column (the rep id) and one column per "
                        f"planned step ({', '.join(steps)})")
    for col in frame.columns:
        if col != rep_col and col not in steps:
            raise unknown_name(f"column in {where}", str(col), steps)
    out: dict[str, PlanVolumes] = {}
    for i, row in enumerate(frame.to_dict(orient="records"), start=1):
        cells = {step: _cell(row[step], f"{where} row {i}", step)
                 for step in frame.columns if step != rep_col}
        out[str(row[rep_col])] = PlanVolumes(
            per_week={k: v for k, v in cells.items() if v is not None})
    return out
