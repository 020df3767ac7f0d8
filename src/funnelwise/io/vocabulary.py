"""The user's stage names: matched to the funnel's, or a funnel inferred from the data.

1. Stage values match the funnel's stages ignoring case, spaces, `_` and `-` (`closed won`,
   `CLOSED_WON` -> `Closed Won`); they are stored in the funnel's spelling.
2. A value that misspells a known stage (`Negotation`) is an error with a "did you mean".
   Values that match nothing, with no funnel given by the user (`--funnel`, a mapping's
   `funnel`, or one stored from an earlier `--funnel`), make the import infer one from the
   import's and the workspace's stage values:
   - a value found only on closed deals (status won or lost) is a closed stage name;
   - if every other value is one of the funnel's open stages, the funnel stays and only takes
     the data's closed names;
   - else the open stages are the data's, in the order deals enter them: by their mean
     position in each deal's stage history where the data has history, else by the median
     age of the open deals at each stage (older deals have gone further). The funnel keeps
     the activity and outcome steps it had, then one step per open stage, then `won`.
   The inferred funnel is stored with the data and printed; `funnelwise export --funnel
   FILE` writes it to edit, `import --funnel FILE` replaces it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import duckdb

from funnelwise.schema.funnel import Funnel, Step, funnel_toml


def norm(value: str) -> str:
    """A stage name compared ignoring case, spaces, `_` and `-`."""
    return re.sub(r"[\s_\-]+", "", value.lower())


@dataclass(frozen=True)
class StageUse:
    """How the data uses one stage value: deals at it by status, entries in stage history,
    its mean position in a deal's history and the median age of the open deals at it."""

    stage: str
    open: int = 0
    closed: int = 0
    history: int = 0
    position: float | None = None
    age: float | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The funnel to import with, the recoding of the data's spellings to its stage names,
    and, when it was inferred or extended from the data, what to tell the user."""

    funnel: Funnel
    recode: dict[str, str]
    inferred: str = ""


def stage_uses(con: duckdb.DuckDBPyConnection, *, deals: Sequence[str],
               history: Sequence[str], known: Collection[str] | None = None) -> list[StageUse]:
    """The stage values of the import's deals and stage history, with how they are used.

    `deals` are SELECTs with text columns stage, status and created_at; `history` SELECTs
    with opportunity_id, stage and entered_at. Given the `known` stage names (as `norm`
    gives them), the history's order is worked out only if some value is not one of them:
    a funnel is inferred only then.
    """
    uses: dict[str, StageUse] = {}
    if deals:
        union = " UNION ALL ".join(f"SELECT stage, lower(status) AS status, "
                                   f"TRY_CAST(created_at AS TIMESTAMP) AS created FROM ({d})"
                                   for d in deals)
        for stage, open_, closed, age in con.execute(
                f"WITH d AS ({union}) SELECT stage, count(*) FILTER (status = 'open'), "
                "count(*) FILTER (status IN ('won', 'lost')), median(date_diff('day', created, "
                "(SELECT max(created) FROM d))) FILTER (status = 'open') FROM d "
                "WHERE stage IS NOT NULL GROUP BY stage").fetchall():
            uses[stage] = StageUse(stage=stage, open=int(open_), closed=int(closed),
                                   age=None if age is None else float(age))
    if history:
        union = " UNION ALL ".join(f"SELECT opportunity_id, stage, TRY_CAST(entered_at AS "
                                   f"TIMESTAMP) AS entered FROM ({h})" for h in history)
        if known is not None:
            values = [v for (v,) in con.execute(f"WITH h AS ({union}) SELECT DISTINCT stage "
                                                "FROM h WHERE stage IS NOT NULL").fetchall()]
            if all(norm(v) in known for v in [*values, *uses]):
                for value in values:
                    uses.setdefault(value, StageUse(stage=value))
                return sorted(uses.values(), key=lambda u: u.stage)
        for stage, count, position in con.execute(
                f"WITH h AS ({union}), first AS (SELECT opportunity_id, stage, min(entered) AS "
                "entered FROM h WHERE stage IS NOT NULL GROUP BY ALL) SELECT stage, count(*), "
                "avg(rank) FROM (SELECT stage, row_number() OVER (PARTITION BY opportunity_id "
                "ORDER BY entered, stage) AS rank FROM first) GROUP BY stage").fetchall():
            base = uses.get(stage, StageUse(stage=stage))
            uses[stage] = replace(base, history=int(count), position=float(position))
    return sorted(uses.values(), key=lambda u: u.stage)


TYPO = 0.85
"""Similarity above which an unknown stage is a misspelling of a known one (`Negotation`),
never a stage of its own; `closed` (0.8 to `closed won`) is not one."""


def typo_of(value: str, stages: Sequence[str]) -> str:
    """The known stage `value` misspells, or ''."""
    close = difflib.get_close_matches(norm(value), [norm(s) for s in stages], n=1,
                                      cutoff=TYPO)
    return next((s for s in stages if close and norm(s) == close[0]), "")


def resolve(funnel: Funnel, uses: Sequence[StageUse], *, given: bool) -> Vocabulary:
    """The funnel and recoding for these stage values (see the module's rules)."""
    known = {norm(s): s for s in funnel.known_stages}
    recode = {u.stage: known[norm(u.stage)] for u in uses
              if norm(u.stage) in known and known[norm(u.stage)] != u.stage}
    unknown = [u for u in uses if norm(u.stage) not in known]
    if given or not unknown or any(typo_of(u.stage, funnel.known_stages) for u in unknown):
        return Vocabulary(funnel=funnel, recode=recode)
    closed = [u.stage for u in unknown if u.open == 0 and u.closed > 0]
    open_unknown = [u for u in unknown if u.stage not in closed]
    if not open_unknown:
        extended = replace(funnel, closed_stages=funnel.closed_stages + tuple(closed))
        return _told(extended, recode, f"closed stage names taken from the data: "
                                       f"{', '.join(closed)}")
    opened = [u for u in uses if u.stage not in closed
              and norm(u.stage) not in {norm(s) for s in funnel.closed_stages}]
    stages = tuple(recode.get(u.stage, u.stage) for u in _ordered(opened))
    closed_names = tuple(s for s in funnel.closed_stages) + tuple(closed)
    inferred = _funnel(funnel, stages=stages, closed=closed_names)
    how = ("the order deals enter them in stage history"
           if all(u.position is not None for u in opened)
           else "the median age of the open deals at each (older deals have gone further)")
    return _told(inferred, recode, f"open stages {' -> '.join(stages)}, ordered by {how}; "
                                   f"closed: {', '.join(closed_names)}")


def _ordered(uses: Sequence[StageUse]) -> list[StageUse]:
    if all(u.position is not None for u in uses):
        return sorted(uses, key=lambda u: (u.position or 0.0, u.stage))
    return sorted(uses, key=lambda u: (u.age if u.age is not None else float("inf"), u.stage))


def _told(funnel: Funnel, recode: dict[str, str], what: str) -> Vocabulary:
    comment = (f"Funnel inferred by funnelwise from the imported data: {what}.\n"
               "Edit it and import again with --funnel FILE to replace it.")
    text = funnel_toml(funnel, comment=comment, keep=funnel.source)
    return Vocabulary(funnel=replace(funnel, source=text), recode=recode, inferred=what)


def _funnel(base: Funnel, *, stages: tuple[str, ...], closed: tuple[str, ...]) -> Funnel:
    """`base` with the data's stages: its other steps, a step per open stage, then won."""
    before = [s for s in base.steps if not s.is_opportunity_step]
    taken = {s.name for s in before}
    stage_steps = []
    for stage in stages:
        name = _step_name(stage, taken)
        taken.add(name)
        stage_steps.append(Step(name=name, kind="stage", stage=stage))
    won = [s for s in base.steps if s.kind == "status"] or [Step("won", "status", status="won")]
    keys = {norm(s): s for s in stages}
    qualification = tuple((keys[norm(stage)], kinds) for stage, kinds in base.qualification
                          if norm(stage) in keys)
    return Funnel(name=f"{base.name} (stages from the data)", source=base.source,
                  steps=(*before, *stage_steps, *won), stages=stages, closed_stages=closed,
                  qualification=qualification)


def _step_name(stage: str, taken: set[str]) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", stage.lower()).strip("_") or "stage"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate
