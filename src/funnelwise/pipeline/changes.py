"""What changed in the pipeline between two days: the waterfall from one day's open value to
the other's, each line with its deals.

The pipeline of a period P as of a day D is what coverage counts: the deals open at D (the one
as-of view, `metrics.asof`) expected to close by P's end (in P, or overdue at D). From D1 to D2
each deal moves its value v1 (at D1, 0 when not in the pipeline) to v2 (at D2), and the
difference goes to exactly one line of its group:

    start      open value at D1
  + created    deals created after D1, in the pipeline at D2
  + pulled in  deals that existed at D1 outside the pipeline (expected later) and are in it
  - pushed out deals in the pipeline at D1, still open at D2 but expected after P
  - won, lost  deals in the pipeline at D1 that closed by D2 (their value at D1)
  +/- amount   the change of value of deals in the pipeline at both days
  +/- moved    deals whose owner (or the owner's team) changed between the groups
  = end        open value at D2

so every group's lines add up exactly to its own as-of totals at both days. Stage moves
(forward and back, by the funnel's order of open stages) are said beside the waterfall: they
change no value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnelwise.errors import UserError
from funnelwise.metrics.asof import as_of, cutoff, opportunities_as_of
from funnelwise.metrics.dimensions import ALL, NONE, check_by
from funnelwise.metrics.span import data_span
from funnelwise.periods import Period, default_period
from funnelwise.pipeline.coverage import in_period
from funnelwise.schema.crm import Crm

BY = ("rep", "manager", "team", "all")
LINES = ("start", "created", "pulled_in", "pushed_out", "won", "lost", "amount_change",
         "moved_in", "moved_out", "end")
SIGN = {"created": 1, "pulled_in": 1, "pushed_out": -1, "won": -1, "lost": -1,
        "amount_change": 1, "moved_in": 1, "moved_out": -1}
MOVES = ("moved_forward", "moved_back")
DAYS = 7
"""The default window: the last week of the data."""


@dataclass(frozen=True)
class Changes:
    """The waterfall per group (`lines`: key, line, deals, value; signed values, `start` and
    `end` the totals) and every deal's part in it (`deals`)."""

    start: dt.date
    end: dt.date
    period: Period
    by: str
    lines: pd.DataFrame
    deals: pd.DataFrame
    moves: pd.DataFrame


def _view(crm: Crm, day: dt.date, today: dt.date, since: dt.date | None = None
          ) -> pd.DataFrame:
    """The deals open as of `day` (and those closed on or after `since`)."""
    o = opportunities_as_of(crm, day, today=today)
    keep = o.status == "open"
    if since is not None:
        keep |= o.closed_at >= cutoff(since)
    return o.filter(keep).select(
        "opportunity_id", "owner_rep_id", "stage", "amount", "expected_close_date", "status",
        "created_at", "closed_at").to_pandas()


def _groups(crm: Crm, by: str) -> dict[str, str]:
    if by in ("rep", "all"):
        return {}
    r = crm.reps.select("rep_id", by).to_pandas()
    return dict(zip(r["rep_id"], r[by].fillna(NONE), strict=True))


def _key(owner: pd.Series, by: str, groups: dict[str, str]) -> pd.Series:
    if by == "all":
        return pd.Series(ALL, index=owner.index, dtype=object)
    if by == "rep":
        return owner.astype(object)
    return owner.map(groups).fillna(NONE).astype(object)


def _side(frame: pd.DataFrame, period: Period, day: dt.date, by: str,
          groups: dict[str, str]) -> pd.DataFrame:
    inside = (frame["status"] == "open") & in_period(frame, period, day)
    return pd.DataFrame({
        "opportunity_id": frame["opportunity_id"],
        "key": _key(frame["owner_rep_id"], by, groups), "inside": inside,
        "value": np.where(inside, frame["amount"].fillna(0.0).astype(float), 0.0),
        "stage": frame["stage"], "amount": frame["amount"],
        "expected_close_date": frame["expected_close_date"], "status": frame["status"],
        "created_at": frame["created_at"]})


DETAIL = ["stage", "amount", "expected_close_date"]
"""What the list of deals shows of each deal at both days."""


def _part(both: pd.DataFrame, mask: pd.Series, line: pd.Series | str, side: str,
          value: pd.Series) -> pd.DataFrame:
    """The rows of `both` under `mask` as waterfall rows: the group of `side` (1 or 2)."""
    part = both[mask]
    out = pd.DataFrame({"key": part[f"key_{side}"],
                        "line": line[mask] if isinstance(line, pd.Series) else line,
                        "opportunity_id": part["opportunity_id"],
                        "value": value[mask].astype(float)})
    for column in DETAIL:
        name = "expected_close" if column == "expected_close_date" else column
        out[f"{name}_from"] = part[f"{column}_1"]
        out[f"{name}_to"] = part[f"{column}_2"]
    return out


def _rows(both: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """One row per (deal, line) with the signed value it adds to its group's line: a deal in
    the pipeline at both days goes to `amount_change` when its value changed (or out of its
    old group and into its new one); in it at the first day only, to won, lost or pushed out;
    at the second only, to created (when created after the first day) or pulled in."""
    in1, in2 = both["inside_1"], both["inside_2"]
    v1, v2 = both["value_1"], both["value_2"]
    same = both["key_1"] == both["key_2"]
    closed = both["status_2"].where(both["status_2"].isin(["won", "lost"]), "pushed_out")
    created_2 = pd.to_datetime(both["created_at_2"])
    new = both["created_at_1"].isna() & created_2.notna() & (
        created_2 >= pd.Timestamp(start))
    parts = [
        _part(both, in1 & in2 & same & (v1 != v2), "amount_change", "2", v2 - v1),
        _part(both, in1 & in2 & ~same, "moved_out", "1", -v1),
        _part(both, in1 & in2 & ~same, "moved_in", "2", v2),
        _part(both, in1 & ~in2, closed, "1", -v1),
        _part(both, ~in1 & in2, pd.Series(np.where(new, "created", "pulled_in"),
                                          index=both.index), "2", v2),
    ]
    columns = ["key", "line", "opportunity_id", "value", "stage_from", "stage_to",
               "amount_from", "amount_to", "expected_close_from", "expected_close_to"]
    frames = [p for p in parts if len(p)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(
        columns=columns)


def _waterfall(one: pd.DataFrame, two: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    keys = sorted(set(one.loc[one["inside"], "key"]) | set(two.loc[two["inside"], "key"])
                  | set(deals["key"]))
    rows = []
    for key in keys:
        mine = deals[deals["key"] == key]
        first = one[one["inside"] & (one["key"] == key)]
        last = two[two["inside"] & (two["key"] == key)]
        rows.append({"key": key, "line": "start", "deals": len(first),
                     "value": float(first["value"].sum())})
        for line in LINES[1:-1]:
            part = mine[mine["line"] == line]
            rows.append({"key": key, "line": line, "deals": len(part),
                         "value": float(part["value"].sum())})
        rows.append({"key": key, "line": "end", "deals": len(last),
                     "value": float(last["value"].sum())})
    return pd.DataFrame(rows, columns=["key", "line", "deals", "value"])


def _moves(both: pd.DataFrame, stages: tuple[str, ...]) -> pd.DataFrame:
    rank = {s: i for i, s in enumerate(stages)}
    stay = both[both["inside_1"] & both["inside_2"]]
    r1, r2 = stay["stage_1"].map(rank), stay["stage_2"].map(rank)
    rows = []
    for name, mask in (("moved_forward", r2 > r1), ("moved_back", r2 < r1)):
        part = stay[mask]
        for key, g in part.groupby("key_2"):
            rows.append({"key": key, "move": name, "deals": len(g),
                         "value": float(g["value_2"].sum()),
                         "opportunities": sorted(g["opportunity_id"].astype(str))})
    return pd.DataFrame(rows, columns=["key", "move", "deals", "value", "opportunities"])


def changes(crm: Crm, *, start: dt.date | None = None, end: dt.date | None = None,
            period: Period | None = None, by: str = "all") -> Changes:
    """The waterfall of the period's pipeline from `start` to `end` (default: the last
    `DAYS` days of the data, to its today; the period: `periods.default_period` of `end`)."""
    check_by(by, BY)
    span = data_span(crm)
    last = as_of(crm, end, span).day
    first = as_of(crm, start or last - dt.timedelta(days=DAYS), span).day
    if first >= last:
        raise UserError(f"--from {first} is not before --to {last}")
    period = span.check(period, "period") if period else default_period(last)
    groups = _groups(crm, by)
    one = _side(_view(crm, first, span.today), period, first, by, groups)
    two = _side(_view(crm, last, span.today, since=first), period, last, by, groups)
    both = one.merge(two, on="opportunity_id", how="outer", suffixes=("_1", "_2"))
    for side in ("inside_1", "inside_2"):
        both[side] = both[side].astype("boolean").fillna(False).astype(bool)
    both[["value_1", "value_2"]] = both[["value_1", "value_2"]].fillna(0.0)
    both = both[both["inside_1"] | both["inside_2"]]
    deals = _rows(both, first)
    return Changes(start=first, end=last, period=period, by=by,
                   lines=_waterfall(one, two, deals), deals=deals,
                   moves=_moves(both, crm.funnel.stages))
