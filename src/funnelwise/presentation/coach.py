"""Terminal views of effectiveness, change decomposition, fewer-better and coaching flags.

Each view fits an 80-column terminal; JSON and CSV carry every column at full precision.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from funnelwise.coach.config import CoachConfig
from funnelwise.coach.fewer_better import FewerBetter
from funnelwise.coach.rules import Flag
from funnelwise.metrics.dimensions import ALL
from funnelwise.metrics.result import MetricResult
from funnelwise.presentation import formats as fmt
from funnelwise.presentation.tables import Col, field, register_view

Row = dict[str, Any]


def _signed(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):+,.1f}"


def _arrow(a: str, b: str) -> Any:
    return lambda r: f"{fmt.count(r.get(a))} → {fmt.count(r.get(b))}"


def _rate_arrow(r: Row) -> str:
    return f"{fmt.pct(r.get('rate_a'))} → {fmt.pct(r.get('rate_b'))}"


def _short_estimate(prefix: str) -> Any:
    return lambda r: fmt.estimate(r.get(f"{prefix}_est"), r.get(f"{prefix}_lo"),
                                  r.get(f"{prefix}_hi"))


def _keyed(name: str) -> Any:
    """The row's `name`, prefixed with its group unless the group is everyone."""
    return lambda r: r[name] if r.get("key") in (None, ALL) else f"{r['key']} {r[name]}"


register_view("effectiveness", "Activity effectiveness (yield: share of activities with an "
              "outcome)", (
                  Col("Group", field("key", fmt.text), False),
                  Col("Type", field("type", fmt.text), False),
                  Col("Volume", field("volume", fmt.count)),
                  Col("Outputs", field("outputs", fmt.count)),
                  Col("Outcomes", field("outcomes", fmt.count)),
                  Col("Yield (interval)", _short_estimate("yield")),
                  Col("Per output", field("output_yield_est", fmt.pct)),
              ))
register_view("decomposition", "Change by step: Δ next = volume effect + yield effect", (
    Col("Step", _keyed("step"), False),
    Col("Volume", _arrow("volume_a", "volume_b")),
    Col("Rate to next", _rate_arrow),
    Col("Δ next", field("change", _signed)),
    Col("Volume eff.", field("volume_effect", _signed)),
    Col("Yield eff.", field("yield_effect", _signed)),
))
register_view("decomposition_types", "Outcomes by activity type: volume and yield effects", (
    Col("Type", _keyed("type"), False),
    Col("Volume", _arrow("volume_a", "volume_b")),
    Col("Outcomes", _arrow("outcomes_a", "outcomes_b")),
    Col("Δ", field("change", _signed)),
    Col("Volume eff.", field("volume_effect", _signed)),
    Col("Yield eff.", field("yield_effect", _signed)),
))
register_view("fewer_better", "Fewer, better: at or above target on below-median volume", (
    Col("Rep", field("rep", fmt.text), False),
    Col("Team", field("team", fmt.text), False),
    Col("Volume", field("volume", fmt.count)),
    Col("Outcomes", field("outcomes", fmt.count)),
    Col("Target", field("target", fmt.days)),
    Col("Attained", field("attainment", fmt.pct)),
    Col("Fewer, better", lambda r: "yes" if r.get("fewer_better") else "", False),
))
register_view("fewer_better_types", "What differs: mix and yield, fewer-better reps vs others", (
    Col("Type", field("type", fmt.text), False),
    Col("Mix (f-b)", field("mix_fewer_better", fmt.pct)),
    Col("Mix (others)", field("mix_others", fmt.pct)),
    Col("Yield (f-b)", field("yield_fewer_better", fmt.pct)),
    Col("Yield (others)", field("yield_others", fmt.pct)),
))
register_view("coach", "Red flags, by money at stake", (
    Col("#", field("rank", fmt.count)),
    Col("Rep", field("rep", fmt.text), False),
    Col("Flag", field("title", fmt.text), False),
    Col("At stake", field("money", fmt.money)),
))


def fewer_better_results(fb: FewerBetter) -> tuple[MetricResult, MetricResult]:
    """The fewer-better reps and the type comparison as two results."""
    filters = {"weeks": f"{fb.weeks[0]} to {fb.weeks[-1]}" if fb.weeks else "",
               "volume": fb.volume_step, "outcomes": fb.outcome_step}
    return (MetricResult("fewer_better", fb.reps, "", filters),
            MetricResult("fewer_better_types", fb.types, "", filters))


def flag_record(f: Flag, name: str, rank: int) -> Row:
    """A flag as a JSON-ready dict."""
    out = dataclasses.asdict(f)
    out.update(rank=rank, name=name, evidence=list(f.evidence), questions=list(f.questions),
               deals=list(f.deals), money=None if f.money != f.money else float(f.money))
    return out


def flags_result(flags: Sequence[Flag], names: dict[str, str], week: str,
                 config: CoachConfig, notes: Sequence[str] = ()) -> MetricResult:
    """Ranked flags as a result (frame: one row per flag)."""
    rows = [flag_record(f, names.get(f.rep, f.rep), i) for i, f in enumerate(flags, start=1)]
    frame = pd.DataFrame(rows, columns=["rank", "rep", "name", "rule", "step", "title", "money",
                                        "confidence"]) if rows else pd.DataFrame(
        columns=["rank", "rep", "name", "rule", "step", "title", "money", "confidence"])
    return MetricResult("coach", frame, "", {"week": week, **dataclasses.asdict(config)},
                        tuple(notes))


def _indented(console: Console, text: str, style: str = "") -> None:
    console.print(Padding(Text(text, style=style), (0, 0, 0, 3), expand=False), highlight=False)


def print_flag_details(console: Console, flags: Sequence[Flag], names: dict[str, str]) -> None:
    """Each flag's evidence and questions, numbered as in the table."""
    for i, f in enumerate(flags, start=1):
        console.print(Text(f"\n{i}. {names.get(f.rep, f.rep)} ({f.rep}): {f.title}",
                           style="bold"))
        for line in f.evidence:
            _indented(console, line)
        for q in f.questions:
            _indented(console, f"? {q}", "italic")
