"""Which commands the data supports, and, when not, why, in the user's words.

Each command's needs are declared once, in `NEEDS`, from what the command itself refuses
(its user errors) or says it left out (its notes), so a command could later ask this module
instead of repeating the test:

    plan, coverage        a quota row overlapping the default period (`no quota overlaps ...`)
    plan                  won deals with an amount and both dates (`no won deals to plan from`)
    review --calibration  won deals with a creation date, and a deal open on one of the
                          default calibration dates that has closed since
    coach, brief          activities (`the workspace has no activities to coach on`)
    backtest              two quarters from the first deal: one to learn from, one to score

A need is **blocking** when, unmet, the command stops with that error or has nothing to show
(review with no open deals); otherwise the command runs on less and says so (a forecast
learning from three closed deals). A command is supported `yes`, `partly` (a need unmet, none
blocking) or `no`, with every unmet need's reason.

The default period is `periods.default_period` of the data's today (`metrics.span`), as
every command answers for when none is asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from funnelwise.metrics.asof import origin_table
from funnelwise.metrics.cycle import cycle_stats
from funnelwise.metrics.holdings import Holdings
from funnelwise.periods import Period, add_months, default_period
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel

Supported = Literal["yes", "partly", "no"]

MIN_CLOSED = 10
"""Fewer closed deals than this and a forecast's win rates are mostly its prior (the plan's
`--min-deals` borrows the team's figures below the same number)."""
CREATION_DAYS = 91
"""The trailing window of deal creation a forecast projects deals to come from."""
BACKTEST_MONTHS = 6
"""History a backtest needs from the first deal: a quarter to learn, a quarter to score."""
CALIBRATION_EVERY, CALIBRATION_DATES = 30, 6
"""`review --calibration`'s default dates: six, 30 days apart, the last one a won deal's
90th-percentile cycle before today."""


@dataclass(frozen=True)
class Facts:
    """What the needs are tested on: the holdings, the default period and calibration."""

    held: Holdings
    funnel: Funnel
    today: dt.date
    period: Period
    calibration: tuple[dt.date, ...]
    """The default calibration dates; empty without a won deal with both dates."""
    won_p90: float | None
    resolved: int
    """Deals open on a calibration date that have closed since."""

    def count(self, table: str) -> int:
        return self.held.rows.get(table) or 0


@dataclass(frozen=True)
class Need:
    """One thing a command needs from the data, and why it is unmet, in the user's words."""

    command: str
    met: Callable[[Facts], bool]
    why: Callable[[Facts], str]
    blocking: bool = True


@dataclass(frozen=True)
class Verdict:
    """Whether the data supports a command, and the reasons when not fully."""

    command: str
    supported: Supported
    reasons: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        return {"command": self.command, "supported": self.supported,
                "reasons": list(self.reasons)}


def _steps(f: Facts, kinds: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s.name for s in f.funnel.steps if s.kind in kinds)


def _quota(f: Facts) -> bool:
    return f.period in f.held.quota_quarters


def one_kind_only(won: int, lost: int) -> str | None:
    """Why win probabilities cannot be scored when the closed deals are of one kind only
    (None when both kinds are there): said alike by `check` and `review --calibration`."""
    if won and lost:
        return None
    kind = "won" if not won else "lost"
    return (f"no {kind} deals in the data ({won:,} won, {lost:,} lost): a win probability "
            "cannot be checked against outcomes of one kind only")


def _calibration_why(f: Facts) -> str:
    dates = f"{f.calibration[0]} to {f.calibration[-1]}" if f.calibration else "none"
    why = f"no deal open on the calibration dates ({dates}) has closed since"
    if f.won_p90 is not None and f.won_p90 < 0:
        why += (f"; won deals closed before they were created (90th-percentile cycle "
                f"{f.won_p90:.0f} days)")
    return why


def _history_days(f: Facts) -> int:
    first = f.held.deals.first_created
    return (f.today - first).days if first else 0


def _long_enough(f: Facts) -> bool:
    first = f.held.deals.first_created
    return first is not None and add_months(first, BACKTEST_MONTHS) <= f.today


def _too_short(f: Facts) -> str:
    first = f.held.deals.first_created
    if first is None:
        return "no deal has a creation date: there is no history to replay"
    return f"history shorter than two quarters (the first deal was created on {first})"


def _activity_steps(f: Facts) -> bool:
    return f.count("activities") > 0 or not _steps(f, ("activity", "output"))


def _no_activities(f: Facts) -> str:
    return f"no activities: the steps {', '.join(_steps(f, ('activity', 'output')))} have no data"


def _output_steps(f: Facts) -> bool:
    return f.held.with_outputs > 0 or not f.count("activities") or not f.held.output_steps


def _no_outputs(f: Facts) -> str:
    return (f"no activities at the output steps {', '.join(f.held.output_steps)} "
            "(check the activity outputs match the funnel's)")


def _outcome_steps(f: Facts) -> bool:
    return f.count("outcomes") > 0 or not _steps(f, ("outcome",))


def _no_outcomes(f: Facts) -> str:
    return f"no outcomes: the steps {', '.join(_steps(f, ('outcome',)))} have no data"


def _no_outputs_at_all(f: Facts) -> str:
    if not f.count("activities"):
        return "no activities with outputs: no activities at all"
    if not f.held.output_steps:
        return "no activities with outputs: the funnel has no output steps"
    return f"no activities with outputs at the output steps {', '.join(f.held.output_steps)}"


def _undated_open(f: Facts) -> str:
    return f"{f.held.deals.open_undated:,} open deals have no creation date and are left out"


def _funnel_needs(command: str) -> tuple[Need, ...]:
    """What a command counting the funnel's steps needs beyond deals (none blocking)."""
    return (Need(command, _activity_steps, _no_activities, blocking=False),
            Need(command, _output_steps, _no_outputs, blocking=False),
            Need(command, _outcome_steps, _no_outcomes, blocking=False))


NEEDS: tuple[Need, ...] = (
    Need("funnel", lambda f: f.held.deals.total > 0, lambda f: "no deals"),
    *_funnel_needs("funnel"),
    Need("winrates", lambda f: f.held.deals.closed > 0, lambda f: "no closed deals"),
    Need("cycle", lambda f: f.held.deals.won_dated > 0,
         lambda f: "no won deal with both a creation and a close date"),
    Need("plan", _quota, lambda f: f"no quotas for {f.period.label}"),
    Need("plan", lambda f: f.held.deals.won_dated > 0 and f.held.deals.won_priced > 0,
         lambda f: "no won deals to plan from (with an amount and both dates)"),
    *_funnel_needs("plan"),
    Need("coverage", _quota, lambda f: f"no quotas for {f.period.label}"),
    Need("review", lambda f: f.held.deals.open > 0, lambda f: "no open deals"),
    Need("review", lambda f: not f.held.deals.open_undated,
         lambda f: f"{f.held.deals.open_undated:,} open deals have no creation date: their "
                   "age is unknown", blocking=False),
    Need("review --calibration", lambda f: not one_kind_only(f.held.deals.won, f.held.deals.lost),
         lambda f: one_kind_only(f.held.deals.won, f.held.deals.lost) or ""),
    Need("review --calibration", lambda f: bool(f.calibration),
         lambda f: "no won deals with a creation date: nothing to calibrate against"),
    Need("review --calibration", lambda f: not f.calibration or f.resolved > 0,
         _calibration_why),
    Need("coach", lambda f: f.count("activities") > 0, lambda f: "no activities"),
    Need("brief", lambda f: f.count("activities") > 0, lambda f: "no activities"),
    Need("forecast", lambda f: f.held.deals.closed > 0,
         lambda f: "no closed deals to learn from"),
    Need("forecast", lambda f: not 0 < f.held.deals.closed < MIN_CLOSED,
         lambda f: f"fewer than {MIN_CLOSED} closed deals ({f.held.deals.closed})",
         blocking=False),
    Need("forecast", lambda f: _history_days(f) >= CREATION_DAYS,
         lambda f: f"deals were created over the last {_history_days(f)} day(s) only: deals "
                   f"to come are projected from that rate (a forecast reads up to "
                   f"{CREATION_DAYS} days)",
         blocking=False),
    Need("forecast", lambda f: not f.held.deals.open_undated, _undated_open, blocking=False),
    Need("backtest", _long_enough, _too_short),
    Need("sources", lambda f: f.count("leads") > 0, lambda f: "no leads"),
    Need("sources", lambda f: not f.count("leads") or f.held.deals.from_leads > 0,
         lambda f: "no deal names one of the leads: every source converts 0",
         blocking=False),
    Need("effectiveness", lambda f: f.held.with_outputs > 0, _no_outputs_at_all),
    Need("effectiveness", lambda f: not f.count("activities") or f.count("outcomes") > 0,
         lambda f: "no outcomes: every yield is 0", blocking=False),
    Need("repeatability", lambda f: f.held.deals.won > 0, lambda f: "no won deals"),
)
COMMANDS: tuple[str, ...] = tuple(dict.fromkeys(n.command for n in NEEDS))
"""The commands checked, in the order of `funnelwise --help`."""


def verdict(command: str, facts: Facts | None) -> Verdict:
    """`command`'s verdict on the facts (None: nothing in the workspace is dated)."""
    if facts is None:
        return Verdict(command, "no", ("no dated records: import data first",))
    unmet = [n for n in NEEDS if n.command == command and not n.met(facts)]
    if not unmet:
        return Verdict(command, "yes")
    state: Supported = "no" if any(n.blocking for n in unmet) else "partly"
    return Verdict(command, state, tuple(n.why(facts) for n in unmet))


def calibration_dates(crm: Crm, today: dt.date) -> tuple[tuple[dt.date, ...], float | None]:
    """`review --calibration`'s default dates and the won cycle's 90th percentile (days)
    they are set back by; none without a won deal with both dates."""
    frame = cycle_stats(crm, by="all").to_pandas()
    if frame.empty:
        return (), None
    p90 = float(frame["p90_days"].iloc[0])
    last = today - dt.timedelta(days=round(p90))
    days = (last - dt.timedelta(days=CALIBRATION_EVERY * i)
            for i in reversed(range(CALIBRATION_DATES)))
    return tuple(days), p90


def resolved(crm: Crm, days: tuple[dt.date, ...]) -> int:
    """Deals open at the start of one of `days` (`metrics.asof`) that have closed since."""
    if not days:
        return 0
    o = crm.opportunities
    closed = o.filter(o.status.isin(["won", "lost"]), o.created_at.notnull(),
                      o.closed_at.notnull())
    at = origin_table(days)
    both = closed.inner_join(at, (closed.created_at < at.origin)
                             & (closed.closed_at >= at.origin))
    return int(both.count().execute())


def facts(crm: Crm, held: Holdings) -> Facts | None:
    """The facts the needs are tested on; None when nothing is dated."""
    if held.span is None:
        return None
    today = held.span.today
    days, p90 = calibration_dates(crm, today)
    return Facts(held=held, funnel=crm.funnel, today=today, period=default_period(today),
                 calibration=days, won_p90=p90, resolved=resolved(crm, days))
