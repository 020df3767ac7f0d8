"""`metrics.scope` on the hand-checkable tiny fixture: ana and ben are North (Mia Lund),
cy is South (Leo Marsh); o1-o4 are ana's, o5-o6 ben's, o7-o8 cy's."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.metrics.scope import Scope, check, known, restrict
from funnelwise.metrics.winrates import winrates


def ids(table, column):
    return sorted(table.to_pandas()[column])


def test_everyone_is_the_crm_itself(tiny_ws):
    crm = tiny_ws.crm()
    assert restrict(crm, Scope()) is crm


def test_team_keeps_only_its_reps_rows(tiny_ws):
    crm = restrict(tiny_ws.crm(), Scope(team="North"))
    assert ids(crm.reps, "rep_id") == ["ana", "ben"]
    assert ids(crm.opportunities, "opportunity_id") == ["o1", "o2", "o3", "o4", "o5", "o6"]
    assert ids(crm.stage_history, "opportunity_id") == ["o3", "o3", "o3", "o5", "o5"]
    assert len(ids(crm.activities, "activity_id")) == 12  # all of ana's
    assert ids(crm.accounts, "account_id") == ids(tiny_ws.crm().accounts, "account_id")


def test_manager_scope_and_its_win_rates(tiny_ws):
    crm = restrict(tiny_ws.crm(), Scope(manager="Leo Marsh"))
    assert ids(crm.opportunities, "opportunity_id") == ["o7", "o8"]
    rows = winrates(crm, by="all").records()
    assert (rows[0]["won"], rows[0]["lost"]) == (0, 1)  # o8 lost; o7 still open


def test_known_values(tiny_ws):
    assert known(tiny_ws.crm(), "team") == ["North", "South"]
    assert known(tiny_ws.crm(), "manager") == ["Leo Marsh", "Mia Lund"]


def test_check_accepts_a_real_scope(tiny_ws):
    scope = Scope(manager="Mia Lund", team="North")
    assert check(tiny_ws.crm(), scope) is scope


@pytest.mark.parametrize(("scope", "message"), [
    (Scope(team="Noth"), "unknown team 'Noth'; did you mean 'North'?"),
    (Scope(manager="Mia"), "unknown manager 'Mia'"),
    (Scope(manager="Leo Marsh", team="North"), "no reps in manager Leo Marsh, team North"),
])
def test_check_rejects_with_a_fix(tiny_ws, scope, message):
    with pytest.raises(UserError, match=message):
        check(tiny_ws.crm(), scope)
