"""Review settings from the funnel TOML, qualification criteria, and the rule registry."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.pipeline.rules import RULES, Rule, disqualifies, get, register, rules
from funnelwise.schema import default_funnel
from funnelwise.schema.funnel import parse_funnel

BASE = """
stages = ["Qualified", "Proposal", "Negotiation"]
[[steps]]
name = "qualified"
kind = "stage"
stage = "Qualified"
[[steps]]
name = "won"
kind = "status"
status = "won"
"""


def test_the_default_funnel_requires_outcomes_by_stage():
    f = default_funnel()
    assert f.required_outcomes("Qualified") == ()
    assert f.required_outcomes("Proposal") == ("goals_agreed",)
    assert f.required_outcomes("Negotiation") == ("goals_agreed", "sponsor_engaged")


def test_qualification_stages_must_exist():
    with pytest.raises(UserError, match="did you mean 'Proposal'"):
        parse_funnel(BASE + '[qualification]\nProposl = ["goals_agreed"]\n', where="f.toml")


def test_review_settings_override_the_defaults():
    f = parse_funnel(BASE + "[review]\nno_activity_days = 14\nstage_quantile = 0.8\n"
                     'disqualifying = ["no_customer_activity"]\n')
    config = review_config(f)
    assert (config.no_activity_days, config.stage_quantile) == (14.0, 0.8)
    assert config.amount_multiple == ReviewConfig().amount_multiple
    assert disqualifies(get("no_customer_activity"), config)
    assert not disqualifies(get("amount_above_history"), config)
    assert config.with_options(no_activity_days=45, amount_multiple=None).no_activity_days == 45


@pytest.mark.parametrize(("text", "message"), [
    ("[review]\nno_activty_days = 3\n", "did you mean 'no_activity_days'"),
    ("[review]\nstage_quantile = 90\n",
     "funnel 'custom' \\[review\\]: stage_quantile must be more than 0 and less than 1, got 90"),
    ('[review]\namount_multiple = "big"\n', "amount_multiple must be a number"),
])
def test_bad_review_settings_are_explained(text, message):
    with pytest.raises(UserError, match=message):
        review_config(parse_funnel(BASE + text))


def test_unknown_rule_in_disqualifying_list():
    config = review_config(parse_funnel(BASE + '[review]\ndisqualifying = ["no_activity"]\n'))
    with pytest.raises(UserError, match="did you mean 'no_customer_activity'"):
        disqualifies(get("no_customer_activity"), config)


def test_built_in_rules_and_their_defaults():
    names = {r.name: r.disqualifying for r in rules()}
    assert names == {
        "stalled_in_stage": False, "older_than_won_cycle": False, "close_date_pushed": False,
        "close_date_passed": False, "no_customer_activity": True, "missing_outcomes": True,
        "amount_above_history": True}


def test_a_third_party_rule_registers_like_the_built_ins(tiny_ws):
    """A rule flagging every deal above 400: o7 (500) on 2026-05-03."""
    import datetime as dt

    import ibis

    from funnelwise.pipeline.review import review

    def big(ctx):
        d = ctx.deals.filter(ctx.deals.amount > 400)
        return d.select("opportunity_id", value=d.amount, threshold=ibis.literal(400.0))

    register(Rule(name="big_deal", summary="large", disqualifying=False, flag=big,
                  evidence=lambda r: f"{r['value']:.0f} > {r['threshold']:.0f}"))
    try:
        rv = review(tiny_ws.crm(), as_of=dt.date(2026, 5, 3))
        flags = rv.flags[rv.flags["rule"] == "big_deal"]
        assert flags[["opportunity_id", "evidence"]].values.tolist() == [["o7", "500 > 400"]]
    finally:
        del RULES["big_deal"]
