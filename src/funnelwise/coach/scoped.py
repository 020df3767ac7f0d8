"""The Monday brief and the week's ranked red flags for the reps of a scope, from one run.

What `funnelwise brief` and `funnelwise coach --format json` show, together, for the
dashboard's coaching page. The rules run over the whole organisation, as the commands run
them, so a rep's flags do not depend on who else is shown; the scope (a set of reps) only
chooses whose flags, conversations, bright spots and deals to keep, and the managers' status
lines count the reps in scope. With no scope, or one manager's reps, the brief is the one
`make_brief` makes (`make_brief(manager=...)` for a manager).

Each flag except stalled deals also has a gauge: the recent figure the rule judged, with its
95% interval, against the reference it was judged by (`gauge`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from funnelwise.coach.brief import (
    Brief,
    bright_spots,
    manager_brief,
    week_calls,
)
from funnelwise.coach.config import CoachConfig, Targets
from funnelwise.coach.context import build_context
from funnelwise.coach.rules import Flag, run_rules
from funnelwise.coach.rules.missed_goal import reference
from funnelwise.coach.status import managers, reps_of
from funnelwise.formats import date
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL
from funnelwise.pipeline.accuracy import Accuracy
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class Coaching:
    """One week's brief and ranked flags for the reps in scope, and the settings used."""

    week: dt.date
    latest: dt.date
    brief: Brief
    flags: tuple[Flag, ...]
    names: dict[str, str]
    config: CoachConfig
    notes: tuple[str, ...]

    @property
    def settings(self) -> dict[str, Any]:
        """The thresholds, as `funnelwise coach --format json` prints them under `settings`."""
        return {"week": self.week.isoformat(), **dataclasses.asdict(self.config)}


def coaching(crm: Crm, *, week: dt.date | None = None, reps: Collection[str] | None = None,
             config: CoachConfig | None = None, targets: Targets | None = None,
             accuracy: Accuracy | None = None) -> Coaching:
    """The brief and flags of the week containing `week` (default: the last full week), the
    brief as `make_brief` writes it (calls and the kept `accuracy` included).

    `reps`: the reps in scope (None: everyone). Rules, bright spots and the fewer-better
    median are computed over the whole organisation.
    """
    ctx = build_context(crm, week=week, config=config, targets=targets)
    flags = run_rules(ctx)
    spots = bright_spots(ctx, flags)
    scoped = ctx if reps is None else dataclasses.replace(
        ctx, reps=ctx.reps[ctx.reps["rep_id"].astype(str).isin(list(reps))])
    mine = set(reps_of(scoped, None))
    team_calls = week_calls(crm, ctx.week)
    brief = Brief(week=ctx.week, config=ctx.config, notes=ctx.notes,
                  briefs=tuple(manager_brief(scoped, m, flags, spots, team_calls)
                               for m in managers(scoped)),
                  names={r: ctx.name(r) for r in sorted(mine)}, accuracy=accuracy)
    return Coaching(week=ctx.week, latest=ctx.latest, brief=brief,
                    flags=tuple(f for f in flags if f.rep in mine), names=brief.names,
                    config=ctx.config, notes=ctx.notes)


def _beta(k: float, n: float, level: float) -> tuple[float, float]:
    """Central interval of a rate from k of n, Jeffreys Beta(k + 1/2, n - k + 1/2), widened
    to hold the observed k / n (none of n, or all of them, reach the bound)."""
    tail = (1 - level) / 2
    lo, hi = special.betaincinv(k + 0.5, n - k + 0.5, [tail, 1 - tail])
    seen = k / n if n else float(lo)
    return min(float(lo), seen), max(float(hi), seen)


def _gamma(count: float, weeks: float, level: float) -> tuple[float, float]:
    """Central interval of a weekly rate from `count` in `weeks`, Gamma(count + 1/2, weeks),
    widened to hold the observed count / weeks (zero events reach 0)."""
    tail = (1 - level) / 2
    lo, hi = special.gammaincinv(count + 0.5, [tail, 1 - tail]) / weeks
    seen = count / weeks
    return min(float(lo), seen), max(float(hi), seen)


def _drop_gauge(f: Flag, level: float) -> dict[str, Any]:
    g = f.figures
    lo, hi = _beta(g["k_since"], g["n_since"], level)
    move = f"{f.step} → {g['next_step']}"
    return {"measure": f"{move} rate", "short": move, "unit": "rate",
            "recent": g["rate_since"], "recent_lo": lo, "recent_hi": hi,
            "recent_label": f"since {date(g['since'])}",
            "reference": g["rate_before"], "reference_label": "rate before"}


def _gap_gauge(f: Flag, level: float) -> dict[str, Any]:
    g = f.figures
    weeks = float(g["weeks"])
    lo, hi = _gamma(g["created"], weeks, level)
    return {"measure": f"{f.step} created a week for {g['period']}",
            "short": f"{f.step} for {g['period']}", "unit": "per week",
            "recent": g["created"] / weeks, "recent_lo": lo, "recent_hi": hi,
            "recent_label": f"last {g['weeks']} weeks",
            "reference": g["need_per_week"], "reference_label": "the plan's need"}


def _goal_gauge(f: Flag, level: float, config: CoachConfig) -> dict[str, Any]:
    g = f.figures
    volumes = np.asarray(g["volumes"], float)
    ref = reference(np.asarray(g["goals"], float), float(g["usual"]), config.require_change)
    lo, hi = _gamma(float(volumes.sum()), len(volumes), level)
    return {"measure": f"{f.step} a week", "short": f"{f.step} a week", "unit": "per week",
            "recent": float(volumes.mean()), "recent_lo": lo, "recent_hi": hi,
            "recent_label": f"average of the last {len(volumes)} weeks",
            "reference": float(ref.mean()),
            "reference_label": "goal or usual pace" if config.require_change else "goal"}


def gauge(f: Flag, config: CoachConfig, level: float = DEFAULT_LEVEL) -> dict[str, Any] | None:
    """The recent figure behind a flag with its interval, and what it was judged against.

    Conversion drop: the rate since the change (k of n, Jeffreys interval) against the rate
    before it. Pipeline gap: opportunities created a week (Gamma-Poisson interval) against
    the plan's weekly need. Missed goal: the average week of the recent window against the
    goal (or the usual pace, when higher). Stalled deals and other rules: None.
    """
    if f.rule == "conversion_drop":
        return _drop_gauge(f, level)
    if f.rule == "pipeline_gap":
        return _gap_gauge(f, level)
    if f.rule == "activity_goal_missed":
        return _goal_gauge(f, level, config)
    return None
