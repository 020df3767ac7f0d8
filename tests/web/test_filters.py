"""Query-string filters: parsing, errors a user can act on, links that keep them."""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.errors import UserError
from funnelwise.web.filters import Filters, parse, periods


def test_parse_all_fields():
    f = parse({"since": "2026-01-01", "until": "2026-03-31", "manager": "Mia Lund",
               "team": " North "})
    assert f == Filters(since=dt.date(2026, 1, 1), until=dt.date(2026, 3, 31),
                        manager="Mia Lund", team="North")
    assert f.query() == "?since=2026-01-01&until=2026-03-31&manager=Mia+Lund&team=North"


def test_blank_and_unknown_parameters_are_ignored():
    assert parse({"since": "", "team": "  ", "page": "2"}) == Filters()
    assert Filters().query() == ""


@pytest.mark.parametrize(("params", "message"), [
    ({"since": "01/02/2026"}, "since='01/02/2026' is not a date"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "swap them"),
])
def test_bad_dates(params, message):
    with pytest.raises(UserError, match=message):
        parse(params)


def test_periods_count_back_from_the_latest_date_and_keep_the_scope():
    chosen = Filters(team="North")
    out = dict(periods(chosen, dt.date(2026, 6, 28)))
    assert out["Last 90 days"] == Filters(since=dt.date(2026, 3, 31),
                                          until=dt.date(2026, 6, 28), team="North")
    assert out["All dates"] == chosen


def test_describe():
    assert Filters().describe() == "all dates, whole organisation"
    assert Filters(since=dt.date(2026, 1, 1), team="North").describe() == (
        "2026-01-01 to latest, team North")
