"""How repeatable are a period's results? "A good year so far", read with its sustainability.

Four views of the revenue won in a period (won deals closed inside it, before the as-of day):

- concentration: share of the revenue in the top 1, 3 and 10 deals (by amount). A year made
  by one deal is not a run rate;
- accounts: revenue from new business and from repeat business, and from deals without an
  account:

      new    = an account's first won deal: the earliest close date over the account's whole
               history (ties go to the smaller opportunity_id)
      repeat = every later won deal of the account, whether its first win came before the
               period or earlier inside it

  An account's 50th win of the year is repeat business: the customer came back, which is the
  part of the revenue a manager can expect to recur; new business had to be found. Won deals
  without an account cannot be told apart and stay in a row of their own;
- products: revenue per product;
- next periods: for each of the next periods (same length), the open pipeline expected to close
  in it (by expected close date, as the CRM stood at the end of the period or today if sooner)
  against the pipeline needed to repeat the period's revenue:

      needed pipeline = revenue of the period / value win rate
      value win rate  = won value / (won + lost value), deals closed in the year before

  coverage of need = pipeline / needed pipeline; below 100% the period will not repeat on the
  pipeline already there (expected close dates are their current values).

Every view reads the CRM as of one day: the end of the period, or the as-of day (default: the
data's today) if that comes first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.formats import count, money, pct
from funnelwise.metrics.asof import opportunities_as_of
from funnelwise.metrics.dimensions import NONE, count_if
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.span import data_span
from funnelwise.periods import Period, next_periods
from funnelwise.schema.crm import Crm

TOPS = (1, 3, 10)
NO_ACCOUNT = "(no account)"
NEW, REPEAT = "new", "repeat"
UNDATED = "(no close date)"


@dataclass(frozen=True)
class Repeatability:
    """The four views, each a `MetricResult`, of `period` as the CRM stood on `as_of`."""

    period: Period
    as_of: dt.date
    concentration: MetricResult
    accounts: MetricResult
    products: MetricResult
    pipeline: MetricResult

    def results(self) -> tuple[MetricResult, ...]:
        return (self.concentration, self.accounts, self.products, self.pipeline)


def _day(d: dt.date) -> ir.TimestampScalar:
    return ibis.timestamp(dt.datetime.combine(d, dt.time()))


def _won(crm: Crm) -> ir.Table:
    """Every won deal, amounts filled with 0."""
    o = crm.opportunities
    won = o.filter(o.status == "won")
    return won.mutate(amount=won.amount.fill_null(0.0))


def _closed_in(deals: ir.Table, period: Period, until: dt.date | None) -> ir.Table:
    """Deals closed inside the period and before `until` (the as-of day), if given."""
    end = period.end + dt.timedelta(days=1)
    end = min(end, until) if until else end
    return deals.filter(deals.closed_at >= _day(period.start), deals.closed_at < _day(end))


def won_in(crm: Crm, period: Period, until: dt.date | None = None) -> ir.Table:
    """Won deals closed inside the period (and before `until`), amounts filled with 0."""
    return _closed_in(_won(crm), period, until)


def won_by_kind(crm: Crm) -> ir.Table:
    """Every won deal with its kind: new (its account's first win by close date, then
    opportunity_id), repeat (a later win of the account) or no account."""
    won = _won(crm)
    won = won.filter(won.closed_at.notnull())  # import refuses a won deal without one
    w = ibis.window(group_by=won.account_id, order_by=[won.closed_at, won.opportunity_id])
    rank = ibis.row_number().over(w)
    kind = ibis.cases((won.account_id.isnull(), NO_ACCOUNT), (rank == 0, NEW), else_=REPEAT)
    return won.mutate(kind=kind)


def concentration(crm: Crm, period: Period, until: dt.date | None = None) -> ir.Table:
    """Revenue of the top 1, 3 and 10 deals and of all deals, in one row."""
    won = won_in(crm, period, until)
    w = ibis.window(order_by=[ibis.desc(won.amount), won.opportunity_id])
    ranked = won.mutate(rank=ibis.row_number().over(w))
    tops = {f"top_{n}": ibis.ifelse(ranked["rank"] < n, ranked.amount, 0.0).sum()
            for n in TOPS}
    return ranked.aggregate(deals=ranked.count(), revenue=ranked.amount.sum(), **tops)


def account_split(crm: Crm, period: Period, until: dt.date | None = None) -> ir.Table:
    """Won deals and revenue of the period by kind: new, repeat and no account."""
    won = _closed_in(won_by_kind(crm), period, until)
    return won.group_by("kind").aggregate(deals=won.count(), revenue=won.amount.sum(),
                                          accounts=won.account_id.nunique()).order_by("kind")


def by_product(crm: Crm, period: Period, until: dt.date | None = None) -> ir.Table:
    won = won_in(crm, period, until)
    won = won.mutate(product=won.product.fill_null(NONE))
    return won.group_by("product").aggregate(deals=won.count(), revenue=won.amount.sum())


def value_win_rate(crm: Crm, as_of: dt.date) -> ir.Table:
    """Won value / (won + lost value) of deals closed in the 365 days before `as_of`."""
    o = crm.opportunities
    closed = o.filter(o.status.isin(["won", "lost"]), o.closed_at < _day(as_of),
                      o.closed_at >= _day(as_of - dt.timedelta(days=365)))
    amount = closed.amount.fill_null(0.0)
    return closed.aggregate(won_value=ibis.ifelse(closed.status == "won", amount, 0.0).sum(),
                            closed_value=amount.sum(), closed=closed.count())


def pipeline_by_period(crm: Crm, as_of: dt.date, periods: list[Period]) -> ir.Table:
    """Open deals as of `as_of` per next period by expected close date (or undated)."""
    o = opportunities_as_of(crm, as_of, open_only=True)
    label = ibis.literal(UNDATED)
    for p in reversed(periods):
        inside = (o.expected_close_date >= p.start) & (o.expected_close_date <= p.end)
        label = ibis.ifelse(inside, p.label, label)
    o = o.mutate(period=label, amount=o.amount.fill_null(0.0))
    dated = o.expected_close_date.notnull()
    o = o.filter(~dated | (o.period != UNDATED))
    return o.group_by("period").aggregate(open_deals=o.count(), pipeline=o.amount.sum(),
                                          dated=count_if(dated))


def _share(frame: pd.DataFrame, total: float) -> pd.DataFrame:
    return frame.assign(share=frame["revenue"] / total if total > 0 else float("nan"))


def _concentration_result(crm: Crm, period: Period, as_of: dt.date,
                          filters: dict[str, object]) -> MetricResult:
    expr = concentration(crm, period, as_of)
    row = expr.to_pandas().iloc[0]
    total = float(row["revenue"] or 0.0)
    frame = pd.DataFrame({"top": list(TOPS),
                          "deals": [min(n, int(row["deals"])) for n in TOPS],
                          "revenue": [float(row[f"top_{n}"] or 0.0) for n in TOPS]})
    frame = _share(frame, total)
    note = (f"{count(row['deals'])} won deals, {money(total)} in {period.label}; the largest "
            f"brought {pct(frame['share'].iloc[0])}" if total > 0 else "no revenue won")
    return MetricResult(name="repeatability_concentration", frame=frame, sql=deferred_sql(expr),
                        filters=filters, notes=(note,))


def _ranked(expr: ir.Table, sort: str) -> pd.DataFrame:
    """The rows with their share of revenue, largest revenue first."""
    frame = expr.to_pandas()
    return _share(frame, float(frame["revenue"].sum())).sort_values(
        ["revenue", sort], ascending=[False, True]).reset_index(drop=True)


def _accounts_result(crm: Crm, period: Period, as_of: dt.date,
                     filters: dict[str, object]) -> MetricResult:
    expr = account_split(crm, period, as_of)
    frame = _ranked(expr, "kind")
    deals = frame.set_index("kind")["deals"]
    note = (f"new = an account's first won deal ever (earliest close date, ties by "
            f"opportunity_id); repeat = each later win of it, its first before or inside "
            f"{period.label}: {int(deals.get(NEW, 0)):,} new and {int(deals.get(REPEAT, 0)):,} "
            "repeat won deals")
    return MetricResult(name="repeatability_accounts", frame=frame, sql=deferred_sql(expr),
                        filters=filters, notes=(note,))


def _products_result(crm: Crm, period: Period, as_of: dt.date,
                     filters: dict[str, object]) -> MetricResult:
    expr = by_product(crm, period, as_of)
    return MetricResult(name="repeatability_products", frame=_ranked(expr, "product"),
                        sql=deferred_sql(expr), filters=filters)


def _pipeline_result(crm: Crm, period: Period, count: int, as_of: dt.date,
                     filters: dict[str, object]) -> MetricResult:
    periods = next_periods(period, count)
    expr = pipeline_by_period(crm, as_of, periods)
    found = expr.to_pandas().set_index("period")
    rate = value_win_rate(crm, as_of).to_pandas().iloc[0]
    closed_value = float(rate["closed_value"] or 0.0)
    win_rate = float(rate["won_value"] or 0.0) / closed_value if closed_value > 0 else None
    run_rate = float(won_in(crm, period, as_of).amount.sum().execute() or 0.0)
    needed = run_rate / win_rate if win_rate else None
    rows = []
    for label in [p.label for p in periods] + [UNDATED]:
        pipeline = float(found["pipeline"].get(label, 0.0))
        coverage = pipeline / needed if needed and label != UNDATED else None
        rows.append({"period": label, "open_deals": int(found["open_deals"].get(label, 0)),
                     "pipeline": pipeline, "run_rate": run_rate, "value_win_rate": win_rate,
                     "needed_pipeline": needed, "coverage_of_need": coverage})
    note = (f"open pipeline as of {as_of}; needed = revenue of {period.label} / value win rate "
            f"({'–' if win_rate is None else f'{win_rate:.1%}'}, deals closed in the year "
            "before)")
    return MetricResult(name="repeatability_pipeline", frame=pd.DataFrame(rows),
                        sql=deferred_sql(expr), filters=filters, notes=(note,))


def repeatability(crm: Crm, *, period: Period, next_count: int = 2,
                  as_of: dt.date | None = None) -> Repeatability:
    """Concentration, new vs repeat business, products, and next periods' pipeline.

    Every view reads the CRM as of the end of the period, or `as_of` (default: the data's
    today) if that comes first: won deals closed before that day, the pipeline open on it.
    """
    end = period.end + dt.timedelta(days=1)
    day = min(as_of or data_span(crm).today, end)
    filters: dict[str, object] = {"period": f"{period.label} ({period.start} to {period.end})",
                                  "as of": day.isoformat(),
                                  "won deals": "closed inside the period, before the as-of day"}
    return Repeatability(
        period=period, as_of=day,
        concentration=_concentration_result(crm, period, day, filters),
        accounts=_accounts_result(crm, period, day, filters),
        products=_products_result(crm, period, day, filters),
        pipeline=_pipeline_result(crm, period, next_count, day,
                                  {**filters, "pipeline": "open at the start of the as-of day"}),
    )
