"""Why did outcomes change between two periods? A volume effect and a yield effect per step.

One step. Outcomes O = V y (volume times yield, y = O / V). Between period a and period b the
change splits at the midpoints (the Shapley split of a product, symmetric in a and b):

    O_b - O_a = ȳ (V_b - V_a) + V̄ (y_b - y_a),   ȳ = (y_a + y_b) / 2,  V̄ = (V_a + V_b) / 2

volume effect + yield effect = total change, exactly (expand the right-hand side). A period
with no volume has no yield; it borrows the other period's, so the whole change is volume.

A funnel. Each step j feeds the next: N_{j+1} = N_j c_j, so the change at step j + 1 splits
into c̄_j ΔN_j (more or less coming in: volume) and N̄_j Δc_j (a better or worse rate at
step j: yield). Substituting step by step, the change at a target step t (the qualified
opportunities, by default) splits exactly over the top volume and every rate above t:

    ΔN_t = (Π_{i<t} c̄_i) ΔN_0 + Σ_{j<t} (Π_{j<i<t} c̄_i) N̄_j Δc_j

"Outcomes fell 40%: the yield from outreach to conversation halved, volume was flat" is this
sum read off in numbers. It is computed in exact rational arithmetic, so the parts add up to
the total to the last digit before they are rounded to floats. Per activity type the same
split runs on outcomes per activity and on positive outputs per activity (`effectiveness`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from funnelwise.errors import UserError
from funnelwise.formats import count, pct, words
from funnelwise.metrics.effectiveness import Attribution, attribution_config, type_counts
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.result import MetricResult
from funnelwise.periods import Period, parse_period
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class Split:
    """A change and its two parts: `volume` + `rate` == `total` (exact fractions)."""

    total: Fraction
    volume: Fraction
    rate: Fraction


Number = float | int | Fraction


def _q(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def _mid_rate(v_a: Fraction, v_b: Fraction, o_a: Fraction, o_b: Fraction) -> Fraction:
    """ȳ: the midpoint of the two yields; a period without volume takes the other's yield."""
    rates = [o / v for o, v in ((o_a, v_a), (o_b, v_b)) if v]
    if not rates:
        return Fraction(0)
    return sum(rates, Fraction(0)) / len(rates)


def split(v_a: Number, v_b: Number, o_a: Number, o_b: Number) -> Split:
    """Midpoint split of O_b - O_a into ȳ ΔV (volume) and the rest, V̄ Δy (yield).

    >>> s = split(1000, 1000, 10, 5)
    >>> float(s.total), float(s.volume), float(s.rate)
    (-5.0, 0.0, -5.0)
    """
    va, vb, oa, ob = _q(v_a), _q(v_b), _q(o_a), _q(o_b)
    total = ob - oa
    volume = _mid_rate(va, vb, oa, ob) * (vb - va)
    return Split(total=total, volume=volume, rate=total - volume)


def shapley_rate(v_a: Number, v_b: Number, o_a: Number, o_b: Number) -> Fraction:
    """V̄ Δy written out (both volumes positive): what `split(...).rate` equals."""
    va, vb, oa, ob = _q(v_a), _q(v_b), _q(o_a), _q(o_b)
    return (va + vb) / 2 * (ob / vb - oa / va)


@dataclass(frozen=True)
class Chain:
    """A funnel's change between two periods, split per step and carried to a target step.

    `steps[j]` converts into `steps[j + 1]`; `splits[j]` splits the change at step j + 1;
    `to_target[j]` is the part of the target step's change due to the rate at step j, and
    `volume_to_target` the part due to the top step's volume.
    """

    steps: tuple[str, ...]
    counts_a: tuple[Fraction, ...]
    counts_b: tuple[Fraction, ...]
    splits: tuple[Split, ...]
    target: int
    volume_to_target: Fraction
    to_target: tuple[Fraction, ...]

    @property
    def target_change(self) -> Fraction:
        return self.counts_b[self.target] - self.counts_a[self.target]


def chain(steps: tuple[str, ...], counts_a: list[Number], counts_b: list[Number],
          target: int | None = None) -> Chain:
    """Split every step's change and carry the rate effects down to step `target`."""
    a, b = [_q(x) for x in counts_a], [_q(x) for x in counts_b]
    t = len(steps) - 1 if target is None else target
    splits = tuple(split(a[j], b[j], a[j + 1], b[j + 1]) for j in range(len(steps) - 1))
    mids = [_mid_rate(a[j], b[j], a[j + 1], b[j + 1]) for j in range(len(steps) - 1)]
    carry = [math.prod(mids[j + 1:t], start=Fraction(1)) for j in range(len(steps) - 1)]
    to_target = tuple(carry[j] * splits[j].rate if j < t else Fraction(0)
                      for j in range(len(steps) - 1))
    volume = math.prod(mids[:t], start=Fraction(1)) * (b[0] - a[0])
    return Chain(steps=steps, counts_a=tuple(a), counts_b=tuple(b), splits=splits, target=t,
                 volume_to_target=volume, to_target=to_target)


def parse_window(text: str) -> Period:
    """A period (`2026-Q1`, `2026-03`, `2026`) or a date range `2026-01-05..2026-03-29`."""
    if ".." not in text:
        return parse_period(text)
    first, _, last = text.partition("..")
    try:
        start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError as exc:
        raise UserError(f"period {text!r}: expected YYYY-MM-DD..YYYY-MM-DD") from exc
    if end < start:
        raise UserError(f"period {text!r} ends before it starts")
    return Period(label=text, start=start, end=end)


STEP_COLUMNS = ["key", "step", "next_step", "volume_a", "volume_b", "next_a", "next_b",
                "rate_a", "rate_b", "change", "volume_effect", "yield_effect", "to_target",
                "volume_to_target"]


def _rate(n: Fraction, nxt: Fraction) -> float | None:
    return float(nxt / n) if n else None


def chain_rows(key: str, c: Chain) -> list[dict[str, object]]:
    """One row per step with a next step: counts, rates, the split and the effect on target."""
    rows = []
    for j, s in enumerate(c.splits):
        rows.append({
            "key": key, "step": c.steps[j], "next_step": c.steps[j + 1],
            "volume_a": float(c.counts_a[j]), "volume_b": float(c.counts_b[j]),
            "next_a": float(c.counts_a[j + 1]), "next_b": float(c.counts_b[j + 1]),
            "rate_a": _rate(c.counts_a[j], c.counts_a[j + 1]),
            "rate_b": _rate(c.counts_b[j], c.counts_b[j + 1]),
            "change": float(s.total), "volume_effect": float(s.volume),
            "yield_effect": float(s.rate), "to_target": float(c.to_target[j]),
            "volume_to_target": float(c.volume_to_target) if j == 0 else None,
        })
    return rows


def _pct(a: Fraction, b: Fraction, signed: bool = True) -> str:
    if not a:
        return "new"
    change = float(b / a - 1)
    return pct(change, signed=True) if signed else pct(abs(change))


def headline(c: Chain) -> str:
    """The target step's change and its two largest causes, in words and numbers."""
    t = c.target
    a, b = c.counts_a[t], c.counts_b[t]
    verb = "fell" if b < a else "rose" if b > a else "held"
    top_change = _pct(c.counts_a[0], c.counts_b[0])
    parts = [(abs(c.volume_to_target),
              f"volume at {words(c.steps[0])} {top_change} "
              f"({count(c.volume_to_target, signed=True)})")]
    for j in range(t):
        ra, rb = _rate(c.counts_a[j], c.counts_a[j + 1]), _rate(c.counts_b[j], c.counts_b[j + 1])
        shown = f"{pct(ra)} → {pct(rb)}" if ra is not None and rb is not None else "new"
        parts.append((abs(c.to_target[j]), f"yield {words(c.steps[j])} → "
                                           f"{words(c.steps[j + 1])} {shown} "
                                           f"({count(c.to_target[j], signed=True)})"))
    top = [text for _, text in sorted(parts, key=lambda p: -p[0])[:2]]
    return (f"{words(c.steps[t])} {verb} {_pct(a, b, signed=False)} ({count(a)} → {count(b)}): "
            + "; ".join(top))


TYPE_COLUMNS = ["key", "type", "volume_a", "volume_b", "outcomes_a", "outcomes_b", "change",
                "volume_effect", "yield_effect", "outputs_a", "outputs_b", "outputs_change",
                "outputs_volume_effect", "outputs_rate_effect"]


def _step_counts(crm: Crm, p: Period, by: str) -> pd.DataFrame:
    """Per group (rows) and step (columns): the count in the period, as `funnelwise funnel`."""
    frame = funnel(crm, by=by, since=p.start, until=p.end).frame
    return frame.pivot_table(index="key", columns="step", values="count", aggfunc="sum")


def _target(crm: Crm, target: str | None) -> int:
    names = [s.name for s in crm.funnel.steps]
    if target is not None:
        return crm.funnel.steps.index(crm.funnel.step(target))
    return next((i for i, s in enumerate(crm.funnel.steps) if s.is_opportunity_step),
                len(names) - 1)


def compare_steps(crm: Crm, a: Period, b: Period, *, by: str = "all",
                  target: str | None = None) -> MetricResult:
    """Per group: every step's change from period a to b, split into volume and yield."""
    steps = tuple(s.name for s in crm.funnel.steps)
    t = _target(crm, target)
    ca, cb = _step_counts(crm, a, by), _step_counts(crm, b, by)
    keys = sorted(set(ca.index) | set(cb.index))
    ca = ca.reindex(index=keys, columns=list(steps)).fillna(0)
    cb = cb.reindex(index=keys, columns=list(steps)).fillna(0)
    rows, notes = [], []
    for key in keys:
        c = chain(steps, [int(x) for x in ca.loc[key]], [int(x) for x in cb.loc[key]], t)
        rows += chain_rows(str(key), c)
        notes.append(f"{key}: {headline(c)}")
    return MetricResult(
        name="decomposition", frame=pd.DataFrame(rows, columns=STEP_COLUMNS), sql="",
        filters={"by": by, "period_a": _label(a), "period_b": _label(b), "target": steps[t],
                 "rates": "count at the next step / count at the step, in the same period"},
        notes=(*notes, "volume effect = midpoint rate x change in volume; yield effect = "
                       "midpoint volume x change in rate; they add up to the change",
               "opportunity steps count the deals created in each period: in a recent "
               "period the later steps are still filling up"),
    )


def _label(p: Period) -> str:
    return f"{p.label} ({p.start} to {p.end})"


def _type_row(key: str, kind: str, ra: pd.Series, rb: pd.Series) -> dict[str, object]:
    out = split(ra["volume"], rb["volume"], ra["outcomes"], rb["outcomes"])
    put = split(ra["volume"], rb["volume"], ra["outputs"], rb["outputs"])
    return {"key": key, "type": kind, "volume_a": int(ra["volume"]),
            "volume_b": int(rb["volume"]), "outcomes_a": int(ra["outcomes"]),
            "outcomes_b": int(rb["outcomes"]), "change": float(out.total),
            "volume_effect": float(out.volume), "yield_effect": float(out.rate),
            "outputs_a": int(ra["outputs"]), "outputs_b": int(rb["outputs"]),
            "outputs_change": float(put.total), "outputs_volume_effect": float(put.volume),
            "outputs_rate_effect": float(put.rate)}


def compare_types(crm: Crm, a: Period, b: Period, *, by: str = "all",
                  attribution: Attribution | None = None) -> MetricResult:
    """Per group and activity type: outcomes and outputs split into volume and yield."""
    attribution = attribution or attribution_config(crm.funnel)
    cols = ["volume", "outputs", "outcomes"]
    fa, fb = (type_counts(crm, attribution, by=by, since=p.start, until=p.end).to_pandas()
              .set_index(["key", "type"])[cols] for p in (a, b))
    index = fa.index.union(fb.index)
    fa, fb = fa.reindex(index).fillna(0), fb.reindex(index).fillna(0)
    rows = [_type_row(str(k), str(t), fa.loc[(k, t)], fb.loc[(k, t)]) for k, t in index]
    return MetricResult(
        name="decomposition_types", frame=pd.DataFrame(rows, columns=TYPE_COLUMNS), sql="",
        filters={"by": by, "period_a": _label(a), "period_b": _label(b),
                 "attribution_days": attribution.window_days},
        notes=("yield = outcomes credited per activity; outputs: positive outputs per activity",),
    )
