"""The CRM as of a day, on tests/fixtures/tiny (8 deals): hand-checked rows."""

from __future__ import annotations

import datetime as dt

from funnelwise.forecast.snapshot import take
from funnelwise.metrics.asof import crm_as_of, opportunities_as_of
from funnelwise.metrics.span import data_span


def as_of_rows(ws, day):
    frame = opportunities_as_of(ws.crm(), day).to_pandas().sort_values("opportunity_id")
    return {r.opportunity_id: (r.status, r.stage, None if r.closed_at is None or str(
        r.closed_at) == "NaT" else r.closed_at.date().isoformat())
        for r in frame.itertuples()}


def test_deals_as_of_mid_february(tiny_ws):
    """As of 2026-02-15 (start of day): all 8 deals exist (last created 02-12).

    o1 and o4 closed before (won 02-04 and 02-11); the others close later, so they are open.
    Stages: o3 entered Proposal on 02-01 (history); o5 and o7 only Qualified before 02-15
    (o7 enters Proposal 03-01); o2, o6, o8 have no history and a closed current stage, so the
    first stage, Qualified.
    """
    assert as_of_rows(tiny_ws, dt.date(2026, 2, 15)) == {
        "o1": ("won", "Closed Won", "2026-02-04"),
        "o2": ("open", "Qualified", None),
        "o3": ("open", "Proposal", None),
        "o4": ("won", "Closed Won", "2026-02-11"),
        "o5": ("open", "Qualified", None),
        "o6": ("open", "Qualified", None),
        "o7": ("open", "Qualified", None),
        "o8": ("open", "Qualified", None),
    }


def test_deals_created_on_or_after_the_day_are_not_there(tiny_ws):
    """As of 2026-01-11: only o6 (01-01), o1 (01-05) and o2 (01-10) were created."""
    rows = as_of_rows(tiny_ws, dt.date(2026, 1, 11))
    assert rows == {k: ("open", "Qualified", None) for k in ("o1", "o2", "o6")}


def test_history_and_today(tiny_ws):
    """o7's Proposal entry (03-01) is not in the view as of 02-15; the data's today is the day
    after the last record (o6 closed 2026-04-01)."""
    view = crm_as_of(tiny_ws.crm(), dt.date(2026, 2, 15))
    history = view.stage_history.to_pandas()
    assert len(history[history.opportunity_id == "o7"]) == 1
    assert data_span(tiny_ws.crm()).today == dt.date(2026, 4, 2)


def test_snapshot_ages_and_open_deals(tiny_ws):
    """Open deals as of 02-15 and their ages: o2 was created 01-10, 36 days before."""
    shot = take(tiny_ws.crm(), dt.date(2026, 2, 15))
    ages = dict(zip(shot.open.opportunity_id, shot.open.age, strict=True))
    assert sorted(ages) == ["o2", "o3", "o5", "o6", "o7", "o8"]
    assert ages["o2"] == 36 and ages["o6"] == 45 and ages["o8"] == 3
    assert shot.first_created == dt.date(2026, 1, 1)
    assert shot.run_rate_days == 45 and shot.creation_days == 45


def test_the_snapshot_and_the_backtest_count_the_deals_with_no_history(tiny_ws):
    """As of 02-15, o2, o6 and o8 have no stage history (placed at Qualified): 3 of the 6 open
    deals, and a backtest from that day says so."""
    from funnelwise.forecast.backtest import run_backtest
    from funnelwise.forecast.horizon import parse_horizon

    assert take(tiny_ws.crm(), dt.date(2026, 2, 15)).bare == 3
    b = run_backtest(tiny_ws.crm(), methods=["stage_weighted"], origins=[dt.date(2026, 2, 15)],
                     horizon=parse_horizon("1m"), draws=200)
    assert any("no stage history" in n and "2026-02-15: 3 of 6" in n for n in b.notes)
