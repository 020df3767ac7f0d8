"""How repeatable are a period's results? "A good year so far", read with its sustainability.

Four views of the revenue won in a period (won deals closed inside it):

- concentration: share of the revenue in the top 1, 3 and 10 deals (by amount). A year made
  by one deal is not a run rate;
- accounts: revenue from existing accounts (a won deal closed before the period began) and
  from new ones (first win inside the period), and from deals without an account;
- products: revenue per product;
- next periods: for each of the next periods (same length), the open pipeline expected to close
  in it (by expected close date, as the CRM stood at the end of the period or today if sooner)
  against the pipeline needed to repeat the period's revenue:

      needed pipeline = revenue of the period / value win rate
      value win rate  = won value / (won + lost value), deals closed in the year before

  coverage of need = pipeline / needed pipeline; below 100% the period will not repeat on the
  pipeline already there (expected close dates are their current values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.asof import opportunities_as_of
from funnelwise.metrics.dimensions import NONE, count_if
from funnelwise.metrics.result import MetricResult, sql_of
from funnelwise.metrics.span import data_span
from funnelwise.periods import Period, next_periods
from funnelwise.schema.crm import Crm

TOPS = (1, 3, 10)
NO_ACCOUNT = "(no account)"
UNDATED = "(no close date)"


@dataclass(frozen=True)
class Repeatability:
    """The four views, each a `MetricResult`."""

    concentration: MetricResult
    accounts: MetricResult
    products: MetricResult
    pipeline: MetricResult

    def results(self) -> tuple[MetricResult, ...]:
        return (self.concentration, self.accounts, self.products, self.pipeline)


def _day(d: dt.date) -> ir.TimestampScalar:
    return ibis.timestamp(dt.datetime.combine(d, dt.time()))


def won_in(crm: Crm, period: Period) -> ir.Table:
    """Won deals closed inside the period, amounts filled with 0."""
    o = crm.opportunities
    won = o.filter(o.status == "won", o.closed_at >= _day(period.start),
                   o.closed_at < _day(period.end + dt.timedelta(days=1)))
    return won.mutate(amount=won.amount.fill_null(0.0))


def concentration(crm: Crm, period: Period) -> ir.Table:
    """Revenue of the top 1, 3 and 10 deals and of all deals, in one row."""
    won = won_in(crm, period)
    w = ibis.window(order_by=[ibis.desc(won.amount), won.opportunity_id])
    ranked = won.mutate(rank=ibis.row_number().over(w))
    tops = {f"top_{n}": ibis.ifelse(ranked["rank"] < n, ranked.amount, 0.0).sum()
            for n in TOPS}
    return ranked.aggregate(deals=ranked.count(), revenue=ranked.amount.sum(), **tops)


def account_split(crm: Crm, period: Period) -> ir.Table:
    """Won revenue by new, existing and no account."""
    won = won_in(crm, period)
    o = crm.opportunities
    before = o.filter(o.status == "won", o.closed_at < _day(period.start),
                      o.account_id.notnull())
    customers = before.select(_acct=before.account_id).distinct()
    j = won.left_join(customers, won.account_id == customers._acct)
    kind = ibis.ifelse(j.account_id.isnull(), NO_ACCOUNT,
                       ibis.ifelse(j._acct.notnull(), "existing", "new"))
    j = j.mutate(kind=kind)
    return j.group_by("kind").aggregate(deals=j.count(), revenue=j.amount.sum()).order_by("kind")


def by_product(crm: Crm, period: Period) -> ir.Table:
    won = won_in(crm, period)
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
    o = opportunities_as_of(crm, as_of)
    o = o.filter(o.status == "open")
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


def _concentration_result(crm: Crm, period: Period, filters: dict[str, object]) -> MetricResult:
    expr = concentration(crm, period)
    row = expr.to_pandas().iloc[0]
    total = float(row["revenue"] or 0.0)
    frame = pd.DataFrame({"top": list(TOPS),
                          "deals": [min(n, int(row["deals"])) for n in TOPS],
                          "revenue": [float(row[f"top_{n}"] or 0.0) for n in TOPS]})
    frame = _share(frame, total)
    note = (f"{int(row['deals'])} won deals, {total:,.0f} in {period.label}; the largest "
            f"brought {frame['share'].iloc[0]:.0%}" if total > 0 else "no revenue won")
    return MetricResult(name="repeatability_concentration", frame=frame, sql=sql_of(expr),
                        filters=filters, notes=(note,))


def _table_result(name: str, expr: ir.Table, filters: dict[str, object],
                  sort: str) -> MetricResult:
    frame = expr.to_pandas()
    frame = _share(frame, float(frame["revenue"].sum())).sort_values(
        ["revenue", sort], ascending=[False, True]).reset_index(drop=True)
    return MetricResult(name=name, frame=frame, sql=sql_of(expr), filters=filters)


def _pipeline_result(crm: Crm, period: Period, count: int, as_of: dt.date,
                     filters: dict[str, object]) -> MetricResult:
    periods = next_periods(period, count)
    expr = pipeline_by_period(crm, as_of, periods)
    found = expr.to_pandas().set_index("period")
    rate = value_win_rate(crm, as_of).to_pandas().iloc[0]
    closed_value = float(rate["closed_value"] or 0.0)
    win_rate = float(rate["won_value"] or 0.0) / closed_value if closed_value > 0 else None
    run_rate = float(won_in(crm, period).amount.sum().execute() or 0.0)
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
                        sql=sql_of(expr), filters=filters, notes=(note,))


def repeatability(crm: Crm, *, period: Period, next_count: int = 2,
                  as_of: dt.date | None = None) -> Repeatability:
    """Concentration, new vs existing accounts, products, and next periods' pipeline.

    The pipeline is read as of the end of the period, or `as_of` (default: the data's today)
    if that comes first.
    """
    end = period.end + dt.timedelta(days=1)
    day = min(as_of or data_span(crm).today, end)
    filters: dict[str, object] = {"period": f"{period.label} ({period.start} to {period.end})",
                                  "won deals": "closed inside the period"}
    return Repeatability(
        concentration=_concentration_result(crm, period, filters),
        accounts=_table_result("repeatability_accounts", account_split(crm, period), filters,
                               "kind"),
        products=_table_result("repeatability_products", by_product(crm, period), filters,
                               "product"),
        pipeline=_pipeline_result(crm, period, next_count, day,
                                  {**filters, "pipeline as of": day.isoformat()}),
    )
