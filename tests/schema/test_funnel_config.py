"""The funnel TOML: the default parses, and mistakes name the step and the fix."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.schema import default_funnel
from funnelwise.schema.funnel import parse_funnel


def test_default_funnel_runs_from_outreach_to_won():
    funnel = default_funnel()
    assert [s.name for s in funnel.steps] == ["outreach", "conversation", "meeting",
                                              "qualified", "won"]
    assert funnel.stages == ("Qualified", "Proposal", "Negotiation")
    assert [s.is_opportunity_step for s in funnel.steps] == [False, False, False, True, True]


@pytest.mark.parametrize(("text", "message"), [
    ('[[steps]]\nname="a"\nkind="activty"\ntypes=["call"]\n[[steps]]\nname="b"\nkind="status"'
     '\nstatus="won"', "did you mean 'activity'?"),
    ('[[steps]]\nname="a"\nkind="output"\n[[steps]]\nname="b"\nkind="status"\nstatus="won"',
     "[[steps]] #1 ('a'): a step of kind output needs `outputs`"),
    ('stages=["Qualified"]\n[[steps]]\nname="q"\nkind="stage"\nstage="Qualifed"\n'
     '[[steps]]\nname="w"\nkind="status"\nstatus="won"', "did you mean 'Qualified'?"),
    ('[[steps]]\nname="w"\nkind="status"\nstatus="won"', "at least two [[steps]]"),
    ("steps = [", "not valid TOML"),
])
def test_mistakes_are_explained(text, message):
    with pytest.raises(UserError, match=None) as info:
        parse_funnel(text, where="my_funnel.toml")
    assert message in str(info.value)
    assert "my_funnel.toml" in str(info.value)
