"""Simulate a whole sales org: people, planted truth, activities, deals, outcomes, quotas.

The flow per rep is outreach -> conversation -> meeting -> qualified opportunity -> won, each
step a Bernoulli draw with the rep's true rate (see `params`, `plan`, `outreach`, `pipeline`);
deals then carry customer activities and outcomes (`deals`), and some reps hold planted stale
or inflated deals (`planted`). The true parameters are returned as `truth`.
"""

from __future__ import annotations

import numpy as np

from funnelwise.simulate.calls import biases, forecast_calls
from funnelwise.simulate.columns import format_ids, id_width
from funnelwise.simulate.config import (
    HELD,
    MEETING,
    NO_SHOW,
    SimConfig,
    SimulatedOrg,
    streams,
)
from funnelwise.simulate.deals import Rows, concat_rows, deal_activities, deal_outcomes
from funnelwise.simulate.opps import INFLATED, STALE, Opps
from funnelwise.simulate.outreach import Leads, Outreach, make_leads, make_outreach, new_leads
from funnelwise.simulate.params import RepParams, draw_params, with_conversion
from funnelwise.simulate.people import (
    Accounts,
    Roster,
    account_count,
    make_accounts,
    make_roster,
)
from funnelwise.simulate.pipeline import Meetings, make_meetings, make_opportunities
from funnelwise.simulate.plan import Plan, make_plan
from funnelwise.simulate.planted import planted_deals
from funnelwise.simulate.tables import build_tables
from funnelwise.simulate.truth import make_quotas, make_truth


def _outreach_rows(outreach: Outreach) -> Rows:
    return {"rep": outreach.rep, "type": outreach.type, "output": outreach.output,
            "t": outreach.t, "lead": outreach.lead,
            "opp": np.full(outreach.rep.shape[0], -1, dtype=np.int64)}


def _meeting_rows(meetings: Meetings) -> Rows:
    n = meetings.rep.shape[0]
    return {"rep": meetings.rep, "type": np.full(n, MEETING, dtype=np.int8),
            "output": np.where(meetings.held, HELD, NO_SHOW).astype(np.int8),
            "t": meetings.t, "lead": meetings.lead, "opp": np.full(n, -1, dtype=np.int64)}


def _sales(rng: dict[str, np.random.Generator], config: SimConfig, roster: Roster,
           params: RepParams, plan: Plan) -> tuple[Leads, Opps, Rows, Accounts]:
    """Leads, opportunities (ordinary and planted) and every activity of the org."""
    start_s, end_s = config.start_s, config.end_s
    accounts = make_accounts(rng["people"], roster,
                             account_count(config.reps, config.scale_activities))
    outreach, openings = make_outreach(rng["outreach"], rng["leads"], params.volume,
                                       params.mix, params.type_yield, plan, start_s)
    leads = make_leads(rng["leads"], outreach, openings, accounts, roster.region_of_rep, start_s)
    factor = plan.step_factor()
    meetings = make_meetings(rng["meetings"], outreach, params, factor, end_s)
    normal = make_opportunities(rng["deals"], meetings, params, factor, start_s, end_s)
    planted, lead_rep, lead_t = planted_deals(rng["planted"], params, plan, (start_s, end_s),
                                              leads.count)
    leads = Leads.concat([leads, new_leads(rng["planted"], lead_rep, lead_t, accounts,
                                           roster.region_of_rep)])
    opps = Opps.concat([normal, planted])
    activities = concat_rows([_outreach_rows(outreach), _meeting_rows(meetings),
                              deal_activities(rng["activities"], opps, end_s)])
    return leads, opps, activities, accounts


def simulate_org(config: SimConfig) -> SimulatedOrg:
    """A synthetic B2B sales org in the canonical layout, with its true parameters."""
    rng = streams(config.seed)
    roster = make_roster(rng["people"], config.reps)
    params = with_conversion(draw_params(rng["params"], config.reps, config.scale_activities),
                             config.conversion)
    plan = make_plan(rng["plan"], config.reps, config.weeks)
    leads, opps, activities, accounts = _sales(rng, config, roster, params, plan)
    outcomes = deal_outcomes(rng["outcomes"], opps, config.end_s)
    rep_ids = format_ids("R", np.arange(config.reps), id_width(config.reps, 3))
    quotas = make_quotas(rng["quotas"], config, params, rep_ids)
    tables, opp_ids = build_tables(roster, accounts, leads, opps, activities, outcomes, quotas,
                                   (config.start_s, config.end_s))
    del activities
    bias = biases(rng["calls"], config.reps)
    tables["forecast_calls"] = forecast_calls(rng["calls"], config, opps, rep_ids, bias)
    planted = {name: sorted(opp_ids.take(np.flatnonzero(opps.kind == kind)).to_pylist())
               for name, kind in (("stale", STALE), ("inflated", INFLATED))}
    truth = make_truth(config, params, plan, roster, rep_ids.to_pylist(), planted)
    truth["call_bias"] = {r: round(float(b), 4) for r, b in zip(rep_ids.to_pylist(), bias,
                                                                  strict=True)}
    return SimulatedOrg(tables=tables, truth=truth)
