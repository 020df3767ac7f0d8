"""HubSpot: the deals export ("Record ID"/"Deal ID", "Deal Name", "Deal Stage", "Amount",
"Create Date", "Close Date", "Deal owner", ...), any file whose name contains `deal`.

- Stage: the labels of HubSpot's default pipeline, or its internal ids (`closedwon`,
  `qualifiedtobuy`, ...) mapped to the labels.
- Status: Closed Won -> won, Closed Lost -> lost, any other stage -> open; closed_at = Close
  Date of closed deals, expected_close_date = Close Date.
- Reps are the distinct deal owners (HubSpot's deals export has no user table); the owner's
  name is the rep id.
"""

from __future__ import annotations

from collections.abc import Mapping

from funnelwise.io.presets import Preset, funnel_text, register
from funnelwise.io.presets.headers import first_of
from funnelwise.io.sources import RawFile
from funnelwise.io.spec import TableSpec

STAGE_IDS = {
    "appointmentscheduled": "Appointment Scheduled", "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In", "contractsent": "Contract Sent",
    "closedwon": "Closed Won", "closedlost": "Closed Lost",
}
STAGE = first_of("Deal Stage", "Stage")
OWNER = first_of("Deal owner", "Deal Owner", "HubSpot Owner", "Owner")


def _stage(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    expr = STAGE(raw, others)
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STAGE_IDS.items())
    return f"CASE lower({expr}) {cases} ELSE {expr} END"


def _status(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    stage = _stage(raw, others)
    return (f"CASE ({stage}) WHEN 'Closed Won' THEN 'won' WHEN 'Closed Lost' THEN 'lost' "
            "ELSE 'open' END")


def _closed_at(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    close = first_of("Close Date", "Closed Date")(raw, others)
    return f"CASE WHEN ({_status(raw, others)}) <> 'open' THEN {close} END"


DEALS = "*deal*"

HUBSPOT = register(Preset(
    name="hubspot",
    description="HubSpot deals export (Deal ID, Deal Name, Deal Stage, Amount, Create Date, "
                "Close Date, Deal owner)",
    funnel=funnel_text("hubspot_funnel.toml"),
    file_hint="expected a deals export, e.g. hubspot-crm-exports-all-deals.csv",
    specs=(
        TableSpec("opportunities", DEALS, expressions={
            "opportunity_id": first_of("Record ID", "Deal ID"),
            "owner_rep_id": OWNER,
            "account_id": first_of("Associated Company", "Associated Company IDs",
                                   "Company name", "Associated Company (Primary)"),
            "source": first_of("Original Source Type", "Original Traffic Source",
                               "Original Source", "Lead Source"),
            "product": first_of("Product", "Deal Type", "Pipeline"),
            "created_at": first_of("Create Date", "Created Date"),
            "stage": _stage, "amount": first_of("Amount", "Amount in company currency"),
            "expected_close_date": first_of("Close Date"),
            "status": _status, "closed_at": _closed_at,
        }),
        TableSpec("reps", DEALS, distinct=True, expressions={"rep_id": OWNER, "name": OWNER}),
    ),
))
