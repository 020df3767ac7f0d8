"""The one formatter: every string below was worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from funnelwise import formats as f
from funnelwise.errors import UserError


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (950, "950"), (999.4, "999"), (999.6, "1.0k"), (12_345, "12.3k"),
    (206_000, "206.0k"), (442_190, "442.2k"), (999_960, "1.0M"), (1_234_567, "1.2M"),
    (2_500_000_000, "2.5B"), (-655_049, "-655.0k"), (-0.3, "0"), (None, "–"),
    (float("nan"), "–"), (float("inf"), "–"),
])
def test_money_is_short(value, text):
    assert f.money(value) == text


def test_money_in_the_workspace_currency():
    with f.using_currency("EUR"):
        assert f.money(442_190) == "442.2k EUR"
        assert f.money(-655_123) == "-655.1k EUR"
    with f.using_currency("€"):
        assert f.money(442_190) == "€442.2k"
        assert f.money(-1_500_000) == "-€1.5M"
    assert f.money(442_190) == "442.2k"  # back to none outside the `with`
    assert f.money(950, currency_setting="usd") == "950 USD"


@pytest.mark.parametrize(("typed", "stored"), [
    ("EUR", "EUR"), ("eur", "EUR"), ("€", "€"), ("R$", "R$"), ("none", ""), ("", ""),
    (None, ""),
])
def test_currency_settings(typed, stored):
    assert f.parse_currency(typed) == stored


@pytest.mark.parametrize("typed", ["euros", "12", "E U"])
def test_a_bad_currency_is_a_user_error(typed):
    with pytest.raises(UserError, match="ISO code"):
        f.parse_currency(typed)


def test_percent_has_one_style():
    assert f.pct(0.1684) == "16.8%"
    assert f.pct(0.9) == "90.0%"
    assert f.pct(1) == "100.0%"
    assert f.pct(0.12, signed=True) == "+12.0%"
    assert f.pct(-0.05, signed=True) == "-5.0%"
    assert f.pct(None) == "–"
    assert f.interval(0.601, 0.653) == "60.1–65.3%"
    assert f.estimate(0.168, 0.111, 0.235) == "16.8% (11.1–23.5%)"
    assert f.estimate(0.168, None, 0.2) == "16.8%"
    assert f.ratio(56, 463) == "12.1% (56 of 463)"
    assert f.ratio(0, 0) == "– (0 of 0)"


def test_counts_are_whole():
    assert f.count(4238) == "4,238"
    assert f.count(2277.7) == "2,278"
    assert f.count(2277.2) == "2,277"
    assert f.count(2277.2, up=True) == "2,278"
    assert f.count(150.5, up=True) == "151"
    assert f.count(8.0000000001, up=True) == "8"  # float noise is not one more activity
    assert f.count(0.5) == "1" and f.count(-0.5) == "-1" and f.count(2.5) == "3"
    assert f.count(12.4, signed=True) == "+12"
    assert f.count(pd.NA) == "–"


def test_days_multiples_scores():
    assert f.days(42.4) == "42"
    assert f.days(42.5, unit=True) == "43 days"
    assert f.days(1, unit=True) == "1 day"
    assert f.days(None, unit=True) == "–"
    assert f.multiple(3.64) == "3.6x"
    assert f.score(0.17496) == "0.175"


@pytest.mark.parametrize(("p", "text"), [
    (0.9996, "almost certainly (>99%)"), (0.99, "almost certainly (99.0%)"),
    (0.973, "very likely (97.3%)"), (0.75, "likely (75.0%)"),
    (0.55, "more likely than not (55.0%)"), (0.3, "possibly (30.0%)"),
    (0.08, "very unlikely (8.0%)"), (0.004, "very unlikely (<1%)"), (None, "–"),
])
def test_chances_read_as_words(p, text):
    assert f.chance(p) == text


def test_dates_are_iso():
    assert f.date(dt.date(2026, 6, 28)) == "2026-06-28"
    assert f.date(dt.datetime(2026, 6, 28, 15, 30)) == "2026-06-28"
    assert f.date(pd.Timestamp("2026-06-28 10:00")) == "2026-06-28"
    assert f.date("2026-06-28 00:00:00") == "2026-06-28"
    assert f.date(pd.NaT) == "–"


def test_a_range_of_days_names_the_year_once_when_it_is_shared():
    assert f.span(dt.date(2026, 4, 13), dt.date(2026, 7, 13)) == "2026-04-13–07-13"
    assert f.span(dt.date(2025, 12, 29), pd.Timestamp("2026-03-30")) == "2025-12-29–2026-03-30"
    assert f.span(dt.date(2026, 4, 13), None) == "2026-04-13 to –"


def test_words_and_people():
    assert f.words("sponsor_engaged") == "sponsor engaged"
    assert f.named("R011", "Mateo Campbell") == "Mateo Campbell (R011)"
    assert f.named("R011", None) == "R011"
    assert f.named("R011", "R011") == "R011"


@pytest.mark.parametrize(("typed", "rate"), [
    ("15%", 0.15), ("12.5 %", 0.125), ("0.15", 0.15), (" 25% ", 0.25), (0.2, 0.2),
])
def test_rates_are_typed_as_percent_or_share(typed, rate):
    assert f.parse_rate(typed) == pytest.approx(rate)


@pytest.mark.parametrize("typed", ["", "%", "fifteen", "15%%"])
def test_a_bad_rate_is_a_value_error(typed):
    with pytest.raises(ValueError):
        f.parse_rate(typed)
