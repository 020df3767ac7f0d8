"""The funnel: the ordered steps from the first activity to a won deal, as configuration.

A team names its own steps. Each step is counted from one kind of record (an activity type, an
activity output, a customer outcome, an opportunity stage or a status), so the same code serves a
funnel that starts at cold calls and one that starts at an opportunity stage.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from funnelwise.errors import UserError, unknown_name

StepKind = Literal["activity", "output", "outcome", "stage", "status"]
STEP_KINDS: tuple[str, ...] = ("activity", "output", "outcome", "stage", "status")
OPPORTUNITY_KINDS = frozenset({"stage", "status"})


@dataclass(frozen=True)
class Step:
    """One funnel step: `name` and the records that count as reaching it."""

    name: str
    kind: StepKind
    types: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    stage: str = ""
    status: str = ""

    @property
    def is_opportunity_step(self) -> bool:
        """Stage and status steps are counted per opportunity, so their rates are cohort rates."""
        return self.kind in OPPORTUNITY_KINDS


@dataclass(frozen=True)
class Funnel:
    """An ordered tuple of steps, the open stages in order and the accepted closed stage names.

    `qualification` lists, per open stage, the customer outcomes (outcome kinds) a deal at that
    stage must have achieved to count as qualified (the `[qualification]` table of the TOML).
    """

    name: str
    steps: tuple[Step, ...]
    stages: tuple[str, ...] = ()
    closed_stages: tuple[str, ...] = ()
    source: str = ""
    qualification: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def known_stages(self) -> tuple[str, ...]:
        return self.stages + self.closed_stages

    def stage_rank(self, stage: str) -> int:
        """Position of an open stage (0 = first); closed stages are not ranked."""
        return self.stages.index(stage)

    def required_outcomes(self, stage: str) -> tuple[str, ...]:
        """The outcome kinds a deal at `stage` needs to count as qualified (may be empty)."""
        return dict(self.qualification).get(stage, ())

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise unknown_name("funnel step", name, [s.name for s in self.steps])


def _tuple(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _step(raw: dict[str, Any], where: str) -> Step:
    kind = raw.get("kind", "")
    if kind not in STEP_KINDS:
        raise unknown_name(f"step kind in {where}", str(kind), STEP_KINDS)
    if "name" not in raw:
        raise UserError(f"{where}: every [[steps]] entry needs a name")
    step = Step(
        name=str(raw["name"]), kind=kind, types=_tuple(raw, "types"),
        outputs=_tuple(raw, "outputs"), kinds=_tuple(raw, "kinds"),
        stage=str(raw.get("stage", "")), status=str(raw.get("status", "")),
    )
    _check_step(step, where)
    return step


def _check_step(step: Step, where: str) -> None:
    needs = {"activity": step.types, "output": step.outputs, "outcome": step.kinds,
             "stage": step.stage, "status": step.status}[step.kind]
    field = {"activity": "types", "output": "outputs", "outcome": "kinds",
             "stage": "stage", "status": "status"}[step.kind]
    if not needs:
        raise UserError(f"{where}: step {step.name!r} of kind {step.kind} needs `{field}`")
    if step.kind == "status" and step.status not in ("won", "lost"):
        raise UserError(f"{where}: step {step.name!r}: status must be won or lost")


def _qualification(raw: dict[str, Any], stages: tuple[str, ...],
                   where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`[qualification]`: stage name -> outcome kinds required at that stage."""
    table = raw.get("qualification", {})
    if not isinstance(table, dict):
        raise UserError(f"{where}: [qualification] must be a table of stage = [outcome kinds]")
    for stage in table:
        if stages and stage not in stages:
            raise unknown_name(f"stage in {where} [qualification]", stage, stages)
    return tuple((str(stage), _tuple(table, stage)) for stage in table)


def parse_funnel(text: str, *, where: str = "funnel") -> Funnel:
    """Parse a funnel TOML text; errors name the file and the step."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from exc
    steps = tuple(_step(s, where) for s in raw.get("steps", []))
    if len(steps) < 2:
        raise UserError(f"{where}: a funnel needs at least two [[steps]]")
    funnel = Funnel(
        name=str(raw.get("name", "custom")), steps=steps, stages=_tuple(raw, "stages"),
        closed_stages=_tuple(raw, "closed_stages"), source=text,
        qualification=_qualification(raw, _tuple(raw, "stages"), where),
    )
    for s in steps:
        if s.kind == "stage" and funnel.stages and s.stage not in funnel.stages:
            raise unknown_name(f"stage in {where} step {s.name!r}", s.stage, funnel.stages)
    return funnel


def load_funnel(path: Path) -> Funnel:
    """Read a funnel TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read funnel file {path}: {exc.strerror}") from exc
    return parse_funnel(text, where=str(path))


def default_funnel() -> Funnel:
    """The funnel shipped with funnelwise: outreach, conversation, meeting, qualified, won."""
    text = resources.files("funnelwise.schema").joinpath("default_funnel.toml").read_text()
    return parse_funnel(text, where="default funnel")


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


STEP_FIELDS = ("types", "outputs", "kinds", "stage", "status")


def funnel_toml(funnel: Funnel, *, comment: str = "") -> str:
    """The funnel as a TOML file that `parse_funnel` reads back to the same funnel."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [f"name = {_toml_str(funnel.name)}", f"stages = {_toml_list(funnel.stages)}",
              f"closed_stages = {_toml_list(funnel.closed_stages)}"]
    if funnel.qualification:
        lines += ["", "[qualification]"]
        lines += [f"{_toml_str(stage)} = {_toml_list(kinds)}"
                  for stage, kinds in funnel.qualification]
    for step in funnel.steps:
        lines += ["", "[[steps]]", f"name = {_toml_str(step.name)}",
                  f"kind = {_toml_str(step.kind)}"]
        for name in STEP_FIELDS:
            value = getattr(step, name)
            if isinstance(value, tuple) and value:
                lines.append(f"{name} = {_toml_list(value)}")
            elif isinstance(value, str) and value:
                lines.append(f"{name} = {_toml_str(value)}")
    return "\n".join(lines) + "\n"
