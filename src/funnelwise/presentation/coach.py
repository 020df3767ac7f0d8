"""Terminal views of effectiveness, change decomposition, fewer-better and coaching flags.

Each view fits an 80-column terminal; JSON and CSV carry every column at full precision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text

from funnelwise import formats as fmt
from funnelwise.coach.config import CoachConfig
from funnelwise.coach.fewer_better import FewerBetter
from funnelwise.coach.rules import Flag, label
from funnelwise.metrics.dimensions import ALL
from funnelwise.metrics.result import MetricResult
from funnelwise.presentation.output import Output, line, notes, of_results
from funnelwise.presentation.tables import Col, field, register_view, view

Row = dict[str, Any]


def _signed(v: Any) -> str:
    return fmt.count(v, signed=True)


def _arrow(a: str, b: str) -> Any:
    return lambda r: f"{fmt.count(r.get(a))} → {fmt.count(r.get(b))}"


def _rate_arrow(r: Row) -> str:
    return f"{fmt.pct(r.get('rate_a'))} → {fmt.pct(r.get('rate_b'))}"


def _short_estimate(prefix: str) -> Any:
    return lambda r: fmt.estimate(r.get(f"{prefix}_est"), r.get(f"{prefix}_lo"),
                                  r.get(f"{prefix}_hi"))


def _keyed(name: str) -> Any:
    """The row's `name` in words, prefixed with its group unless the group is everyone."""
    return lambda r: fmt.words(r[name]) if r.get("key") in (None, ALL) else (
        f"{r['key']} {fmt.words(r[name])}")


register_view("effectiveness", "Activity effectiveness (yield: share of activities with an "
              "outcome)", (
                  Col("Group", field("key", fmt.text), False, wrap=True),
                  Col("Type", field("type", fmt.words), False, wrap=True),
                  Col("Volume", field("volume", fmt.count)),
                  Col("Outputs", field("outputs", fmt.count), priority=1),
                  Col("Outcomes", field("outcomes", fmt.count)),
                  Col("Yield (interval)", _short_estimate("yield"), wrap=True),
                  Col("Per output", field("output_yield_est", fmt.pct), priority=2),
              ))
register_view("decomposition", "Change by step: Δ next = volume effect + yield effect", (
    Col("Step", _keyed("step"), False, wrap=True),
    Col("Volume", _arrow("volume_a", "volume_b")),
    Col("Rate to next", _rate_arrow),
    Col("Δ next", field("change", _signed)),
    Col("Volume eff.", field("volume_effect", _signed)),
    Col("Yield eff.", field("yield_effect", _signed)),
))
register_view("decomposition_types", "Outcomes by activity type: volume and yield effects", (
    Col("Type", _keyed("type"), False, wrap=True),
    Col("Volume", _arrow("volume_a", "volume_b")),
    Col("Outcomes", _arrow("outcomes_a", "outcomes_b")),
    Col("Δ", field("change", _signed)),
    Col("Volume eff.", field("volume_effect", _signed)),
    Col("Yield eff.", field("yield_effect", _signed)),
))
register_view("fewer_better", "Fewer, better: at or above target on below-median volume", (
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Team", field("team", fmt.text), False, priority=1, wrap=True),
    Col("Volume", field("volume", fmt.count)),
    Col("Outcomes", field("outcomes", fmt.count)),
    Col("Target", field("target", lambda v: fmt.count(v, up=True))),
    Col("Attained", field("attainment", fmt.pct)),
    Col("Fewer, better", lambda r: "yes" if r.get("fewer_better") else "", False),
))
register_view("fewer_better_types", "What differs: mix and yield, fewer-better reps vs others", (
    Col("Type", field("type", fmt.words), False, wrap=True),
    Col("Mix (f-b)", field("mix_fewer_better", fmt.pct)),
    Col("Mix (others)", field("mix_others", fmt.pct)),
    Col("Yield (f-b)", field("yield_fewer_better", fmt.pct)),
    Col("Yield (others)", field("yield_others", fmt.pct)),
))
register_view("coach", "Red flags, by money at stake", (
    Col("#", field("rank", fmt.count)),
    Col("Rep", field("rep", fmt.text), False, wrap=True),
    Col("Flag", lambda r: f"{r['rule_label']}: {r['title']}", False, wrap=True),
    Col("At stake", field("money", fmt.money)),
))


def fewer_better_results(fb: FewerBetter) -> tuple[MetricResult, MetricResult]:
    """The fewer-better reps and the type comparison as two results."""
    filters = {"weeks": f"{fb.weeks[0]} to {fb.weeks[-1]}" if fb.weeks else "",
               "volume": fb.volume_step, "outcomes": fb.outcome_step}
    return (MetricResult("fewer_better", fb.reps, "", filters),
            MetricResult("fewer_better_types", fb.types, "", filters))


def many_output(results: Sequence[MetricResult], names: Mapping[str, str] | None = None
                ) -> Output:
    """Several effectiveness results: JSON keeps each result's rows, filters and notes under
    its name; every table goes to CSV."""
    doc = {r.name: {"rows": r.records(), "filters": r.filters, "notes": list(r.notes)}
           for r in results}
    return of_results(results, names=names, doc=doc)


def flag_record(f: Flag, name: str, rank: int) -> Row:
    """A flag as a JSON-ready dict: the rule's id, then its label."""
    out = dataclasses.asdict(f)
    fields = list(out)
    at = fields.index("rule") + 1
    out = dict([*list(out.items())[:at], ("rule_label", label(f.rule)),
                *list(out.items())[at:]])
    out.update(rank=rank, name=name, evidence=list(f.evidence), questions=list(f.questions),
               deals=list(f.deals), money=None if f.money != f.money else float(f.money))
    return out


FLAG_COLUMNS = ["rank", "rep", "name", "rule", "rule_label", "step", "title", "money",
                "confidence"]


def flags_result(flags: Sequence[Flag], names: dict[str, str], week: str,
                 config: CoachConfig, notes: Sequence[str] = ()) -> MetricResult:
    """Ranked flags as a result (frame: one row per flag)."""
    rows = [flag_record(f, names.get(f.rep, f.rep), i) for i, f in enumerate(flags, start=1)]
    frame = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    return MetricResult("coach", frame, "", {"week": week, **dataclasses.asdict(config)},
                        tuple(notes))


def _indented(text: str, style: str = "") -> Padding:
    return Padding(Text(text, style=style), (0, 0, 0, 3), expand=False)


def flag_details(flags: Sequence[Flag], names: dict[str, str]) -> list[RenderableType]:
    """Each flag's evidence and questions, numbered as in the table."""
    out: list[RenderableType] = []
    for i, f in enumerate(flags, start=1):
        who = fmt.named(f.rep, names.get(f.rep))
        out.append(Text(f"\n{i}. {who}: {label(f.rule)}: {f.title}", style="bold"))
        out += [_indented(e) for e in f.evidence]
        out += [_indented(f"? {q}", "italic") for q in f.questions]
    return out


def coach_output(flags: Sequence[Flag], names: dict[str, str], *, week: Any,
                 manager: str | None, config: CoachConfig, notes_: Sequence[str]) -> Output:
    """The week's red flags: a ranked table with each flag's evidence and questions beneath
    (terminal), the flags with their evidence (JSON), one row per flag (CSV)."""
    result = flags_result(flags, names, week.isoformat(), config, notes_)
    doc = {"week": week.isoformat(), "manager": manager, "settings": result.filters,
           "notes": list(notes_),
           "flags": [flag_record(f, names.get(f.rep, f.rep), i)
                     for i, f in enumerate(flags, start=1)]}
    if flags:
        table = view(flags_result(flags, names, week.isoformat(), config),
                     title=f"Red flags, week of {fmt.date(week)}", names=names)
        show: list[RenderableType] = [table, *flag_details(flags, names)]
    else:
        show = [line(f"No red flags in the week of {fmt.date(week)}.")]
    show += notes(notes_)
    return Output(tables=(("coach", result.frame),), doc=doc, show=tuple(show))
