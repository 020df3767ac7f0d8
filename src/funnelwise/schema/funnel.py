"""The funnel: the ordered steps from the first activity to a won deal, as configuration.

A team names its own steps. Each step is counted from one kind of record (an activity type, an
activity output, a customer outcome, an opportunity stage or a status), so the same code serves a
funnel that starts at cold calls and one that starts at an opportunity stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.dataclasses import dataclass as section_model

from funnelwise.errors import UserError, did_you_mean, unknown_name
from funnelwise.schema.sections import SECTION, Names, Text, problem, read_toml, validated

StepKind = Literal["activity", "output", "outcome", "stage", "status"]
STEP_KINDS: tuple[str, ...] = ("activity", "output", "outcome", "stage", "status")
OPPORTUNITY_KINDS = frozenset({"stage", "status"})
NEEDS = {"activity": "types", "output": "outputs", "outcome": "kinds", "stage": "stage",
         "status": "status"}
"""The key each step kind is counted from, which its `[[steps]]` entry must fill."""
T = TypeVar("T")


@section_model(frozen=True, config=SECTION)
class Step:
    """One funnel step (an entry of `[[steps]]`): `name` and the records that count as
    reaching it; a list of names may be written as one name."""

    name: Text
    kind: StepKind
    types: Names = ()
    outputs: Names = ()
    kinds: Names = ()
    stage: Text = ""
    status: Text = ""

    @model_validator(mode="after")
    def _counted_from_something(self) -> Step:
        if not getattr(self, NEEDS[self.kind]):
            raise problem(f"a step of kind {self.kind} needs `{NEEDS[self.kind]}`")
        if self.kind == "status" and self.status not in ("won", "lost"):
            raise problem(f"status must be won or lost, got {self.status!r}")
        return self

    @property
    def is_opportunity_step(self) -> bool:
        """Stage and status steps are counted per opportunity, so their rates are cohort rates."""
        return self.kind in OPPORTUNITY_KINDS


@dataclass(frozen=True)
class Funnel:
    """An ordered tuple of steps, the open stages in order and the accepted closed stage names.

    `qualification` lists, per open stage, the customer outcomes (outcome kinds) a deal at that
    stage must have achieved to count as qualified (the `[qualification]` table of the TOML).
    `source` is the TOML text it was read from and `where` names that file in messages.
    """

    name: str
    steps: tuple[Step, ...]
    stages: tuple[str, ...] = ()
    closed_stages: tuple[str, ...] = ()
    source: str = ""
    qualification: tuple[tuple[str, tuple[str, ...]], ...] = ()
    where: str = field(default="", compare=False)

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

    def section(self, name: str, model: Callable[..., T]) -> T:
        """The file's `[name]` table read by `model` (a section model, see `schema.sections`):
        its defaults when the file has no such table."""
        place = self.where or f"funnel {self.name!r}"
        table = read_toml(self.source, where=place).get(name, {}) if self.source else {}
        if not isinstance(table, dict):
            raise UserError(f"{place}: [{name}] must be a table of settings, got {table!r}")
        return validated(model, table, where=place, section=name)


class FunnelFile(BaseModel):
    """The funnel file's own keys; its other tables are sections read by their features."""

    model_config = ConfigDict(extra="ignore")

    name: Text = "custom"
    stages: Names = ()
    closed_stages: Names = ()
    qualification: dict[Text, Names] = {}
    steps: list[Step] = []

    @model_validator(mode="after")
    def _two_steps_over_known_stages(self) -> FunnelFile:
        if len(self.steps) < 2:
            raise problem("a funnel needs at least two [[steps]]")
        if not self.stages:
            return self
        for s in self.steps:
            if s.kind == "stage" and s.stage not in self.stages:
                raise problem(_not_a_stage(f"step {s.name!r}: stage {s.stage!r}", s.stage,
                                           self.stages))
        for stage in self.qualification:
            if stage not in self.stages:
                raise problem(_not_a_stage(f"[qualification] stage {stage!r}", stage,
                                           self.stages))
        return self

    def funnel(self, *, source: str, where: str) -> Funnel:
        return Funnel(name=self.name, steps=tuple(self.steps), stages=self.stages,
                      closed_stages=self.closed_stages, source=source, where=where,
                      qualification=tuple(self.qualification.items()))


def _not_a_stage(what: str, stage: str, stages: tuple[str, ...]) -> str:
    hint = did_you_mean(stage, stages)
    return (f"{what} is not one of the funnel's stages; {hint + ' ' if hint else ''}"
            f"(stages: {', '.join(stages)})")


def parse_funnel(text: str, *, where: str = "") -> Funnel:
    """Parse a funnel TOML text; errors name the file (`where`), the step or table, and the
    key. The funnel's sections are read later, by the features they configure."""
    raw: dict[str, Any] = read_toml(text, where=where or "funnel")
    return validated(FunnelFile, raw, where=where or "funnel").funnel(source=text, where=where)


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


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_str(str(value))


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_str(key)


def _sections(source: str) -> list[str]:
    """The source's other tables (`[review]`, `[coach]`, ...), written out again: a funnel
    rebuilt from the data keeps the settings the user gave with it."""
    raw = read_toml(source, where="funnel") if source else {}
    lines: list[str] = []
    for name, table in raw.items():
        if name in FunnelFile.model_fields or not isinstance(table, dict):
            continue
        lines += ["", f"[{name}]"]
        nested = {k: v for k, v in table.items() if isinstance(v, dict)}
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()
                  if k not in nested]
        for key, sub in nested.items():
            lines += ["", f"[{name}.{_toml_key(key)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sub.items()]
    return lines


def funnel_toml(funnel: Funnel, *, comment: str = "", keep: str = "") -> str:
    """The funnel as a TOML file that `parse_funnel` reads back to the same funnel; `keep`
    is a funnel file whose other sections it carries over."""
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
    lines += _sections(keep)
    return "\n".join(lines) + "\n"
