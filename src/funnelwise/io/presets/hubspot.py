"""HubSpot: the deals export and the activity exports of calls, emails and meetings.

Files (the names HubSpot gives its exports, e.g. hubspot-crm-exports-all-calls-2026-03-31.csv):
any file whose name contains `deal`, `call`, `email` or `meeting`. Headers are the property
labels of an export ("Deal Stage", "Call outcome"); the internal names (`dealstage`,
`hs_call_disposition`) and internal values (`closedwon`, `COMPLETED`, outcome GUIDs) of an export
made with those options are read too.

Deals:
- Stage: the labels of HubSpot's default pipeline, or its internal ids (`closedwon`,
  `qualifiedtobuy`, ...) mapped to the labels.
- Status: Closed Won -> won, Closed Lost -> lost, any other stage -> open; closed_at = Close
  Date of closed deals, expected_close_date = Close Date.
- forecast_category from "Forecast category" (Not forecasted -> omitted, Closed won ->
  closed, Most likely -> best case; `headers.CATEGORY_WORDS`).
- Reps are the distinct deal owners and activity owners (HubSpot's exports have no user
  table); the owner's name is the rep id ("Deal owner", "Activity assigned to").

Activities (activity_id = Record ID, occurred_at = Activity date, rep = Activity assigned to):
- Calls: type `call`; output from "Call outcome": Connected (and custom outcomes named
  Connected ...) -> `connected`; Busy, Left live message, Left voicemail, No answer, Wrong
  number -> `busy`, `left_live_message`, `left_voicemail`, `no_answer`, `wrong_number`.
- Emails: "Email direction" EMAIL (sent from or logged to the CRM) -> type `email`;
  INCOMING_EMAIL (HubSpot: a reply to a logged email) -> `incoming_email`; FORWARDED_EMAIL ->
  `forwarded_email`. A sent email is `replied` when an incoming email from the same contact
  (first of "Associated Contact IDs", else "Associated Contact") was logged after it and before
  the next email sent to that contact; otherwise its output is its "Email send status"
  (`sent`, `bounced`, `failed`, ...). Incoming and forwarded emails are kept, but only sent
  ones are outreach.
- Meetings: type `meeting`; output from "Meeting outcome": Completed -> `held`; Scheduled,
  Rescheduled, No Show, Canceled -> `scheduled`, `rescheduled`, `no_show`, `canceled`.
- opportunity_id: first of "Associated Deal IDs", else the deal named in "Associated Deal"
  (looked up in the deals export by Deal Name); account_id: first of "Associated Company"
  (the same column the deals use), else "Associated Company IDs".
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from funnelwise.io.presets import Preset, funnel_text, register
from funnelwise.io.presets.headers import (
    coalesce_of,
    first_listed,
    first_of,
    forecast_category_of,
    snake,
    text_of,
    timestamp_of,
    timestamp_sql,
)
from funnelwise.io.sources import RawFile, quote
from funnelwise.io.spec import Expression, TableSpec

STAGE_IDS = {
    "appointmentscheduled": "Appointment Scheduled", "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In", "contractsent": "Contract Sent",
    "closedwon": "Closed Won", "closedlost": "Closed Lost",
}
CALL_OUTCOMES = {
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "Busy",
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "Connected",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "Left live message",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "Left voicemail",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "No answer",
    "17b47fee-58de-441e-a44c-c6300d46f273": "Wrong number",
}
"""Internal values (GUIDs) of HubSpot's default call outcomes, in exports of internal values."""

STAGE = first_of("Deal Stage", "Stage", "dealstage")
OWNER = first_of("Deal owner", "Deal Owner", "HubSpot Owner", "Owner", "hubspot_owner_id")
ASSIGNED = first_of("Activity assigned to", "HubSpot Owner", "Owner", "hubspot_owner_id")
COMPANY = first_listed("Associated Company", "Associated Company IDs", "Company name",
                       "Associated Company (Primary)")
WHEN = ("Activity date", "hs_timestamp", "Create Date", "hs_createdate")
CONTACT = (("Associated Contact IDs", "Associated Contact ID"), ("Associated Contact",))

DEALS, CALLS, EMAILS, MEETINGS = "*deal*", "*call*", "*email*", "*meeting*"


def _stage(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    expr = STAGE(raw, others)
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STAGE_IDS.items())
    return f"CASE lower({expr}) {cases} ELSE {expr} END"


def _status(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    stage = _stage(raw, others)
    return (f"CASE ({stage}) WHEN 'Closed Won' THEN 'won' WHEN 'Closed Lost' THEN 'lost' "
            "ELSE 'open' END")


def _closed_at(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    close = timestamp_of("Close Date", "Closed Date", "closedate")(raw, others)
    return f"CASE WHEN ({_status(raw, others)}) <> 'open' THEN {close} END"


def _deal(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    """The associated deal's Record ID: listed directly, or found by name in the deals file."""
    ids = first_listed("Associated Deal IDs", "Associated Deal ID",
                       "Associated Deal IDs (Primary)")(raw, others)
    if ids != "NULL":
        return ids
    name = first_listed("Associated Deal", "Associated Deal (Primary)")(raw, others)
    deals = next((r for r in others.values() if fnmatch.fnmatch(r.label.lower(), DEALS)), None)
    if name == "NULL" or deals is None:
        return "NULL"
    key, title = deals.find("Record ID", "Deal ID"), deals.find("Deal Name", "dealname")
    if key is None or title is None:
        return "NULL"
    return (f"(SELECT min(d.{quote(key)}) FROM {deals.table} AS d "
            f"WHERE trim(d.{quote(title)}) = {name} HAVING count(*) = 1)")


def _call_output(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    outcome = first_of("Call outcome", "hs_call_disposition")(raw, others)
    labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CALL_OUTCOMES.items())
    value = snake(f"CASE lower({outcome}) {labels} ELSE {outcome} END")
    return f"CASE WHEN {value} LIKE 'connected%' THEN 'connected' ELSE {value} END"


def _meeting_output(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    value = snake(first_of("Meeting outcome", "hs_meeting_outcome")(raw, others))
    return f"CASE WHEN {value} = 'completed' THEN 'held' ELSE {value} END"


def _direction(raw: RawFile, alias: str = "src") -> str:
    """`incoming_email`, `forwarded_email`, or `email` for a sent one (and when not given)."""
    value = snake(text_of(raw, "Email direction", "hs_email_direction", alias=alias))
    return (f"CASE {value} WHEN 'incoming_email' THEN 'incoming_email' "
            "WHEN 'forwarded_email' THEN 'forwarded_email' ELSE 'email' END")


def _contact(raw: RawFile, alias: str) -> str:
    for names in CONTACT:
        text = text_of(raw, *names, alias=alias)
        if text != "NULL":
            return f"NULLIF(trim(split_part({text}, ';', 1)), '')"
    return "NULL"


def _replied(raw: RawFile) -> str:
    """SQL: a sent email answered by the contact before the next email sent to them."""
    if _contact(raw, "src") == "NULL":
        return "false"
    t = raw.table

    def at(alias: str) -> str:
        return f"TRY_CAST({timestamp_sql(coalesce_of(raw, *WHEN, alias=alias))} AS TIMESTAMP)"

    later_sent = (f"SELECT 1 FROM {t} AS n WHERE {_direction(raw, 'n')} = 'email' "
                  f"AND {_contact(raw, 'n')} = {_contact(raw, 'src')} "
                  f"AND {at('n')} > {at('src')} AND {at('n')} < {at('i')}")
    return (f"EXISTS (SELECT 1 FROM {t} AS i WHERE {_direction(raw, 'i')} = 'incoming_email' "
            f"AND {_contact(raw, 'i')} = {_contact(raw, 'src')} AND {at('i')} > {at('src')} "
            f"AND NOT EXISTS ({later_sent}))")


def _email_type(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    return _direction(raw)


def _email_output(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    status = snake(first_of("Email send status", "hs_email_status")(raw, others))
    return (f"CASE WHEN ({_direction(raw)}) <> 'email' THEN NULL "
            f"WHEN {_replied(raw)} THEN 'replied' ELSE {status} END")


def _activities(file: str, kind: str | Expression, output: Expression) -> TableSpec:
    return TableSpec("activities", file, optional=True, expressions={
        "activity_id": first_of("Record ID", "hs_object_id"),
        "rep_id": ASSIGNED,
        "type": f"'{kind}'" if isinstance(kind, str) else kind,
        "occurred_at": timestamp_of(*WHEN),
        "opportunity_id": _deal,
        "account_id": COMPANY,
        "output": output,
    })


def _reps(file: str, owner: Expression) -> TableSpec:
    return TableSpec("reps", file, distinct=True, optional=True,
                     expressions={"rep_id": owner, "name": owner})


HUBSPOT = register(Preset(
    name="hubspot",
    description="HubSpot deals export and call, email and meeting exports (Record ID, Deal "
                "Stage, Deal owner, Activity date, Activity assigned to, Call outcome, Email "
                "direction, Meeting outcome)",
    funnel=funnel_text("hubspot_funnel.toml"),
    file_hint="expected a deals export (e.g. hubspot-crm-exports-all-deals.csv) and/or calls, "
              "emails and meetings exports",
    specs=(
        TableSpec("opportunities", DEALS, optional=True, expressions={
            "opportunity_id": first_of("Record ID", "Deal ID", "hs_object_id"),
            "owner_rep_id": OWNER,
            "account_id": COMPANY,
            "source": first_of("Original Source Type", "Original Traffic Source",
                               "Original Source", "Lead Source"),
            "product": first_of("Product", "Deal Type", "Pipeline"),
            "created_at": timestamp_of("Create Date", "Created Date", "createdate"),
            "stage": _stage, "amount": first_of("Amount", "Amount in company currency"),
            "expected_close_date": timestamp_of("Close Date", "closedate"),
            "status": _status, "closed_at": _closed_at,
            "forecast_category": forecast_category_of("Forecast category", "Forecast Category",
                                                      "hs_manual_forecast_category"),
        }),
        _reps(DEALS, OWNER),
        _activities(CALLS, "call", _call_output),
        _activities(EMAILS, _email_type, _email_output),
        _activities(MEETINGS, "meeting", _meeting_output),
        _reps(CALLS, ASSIGNED), _reps(EMAILS, ASSIGNED), _reps(MEETINGS, ASSIGNED),
    ),
))
