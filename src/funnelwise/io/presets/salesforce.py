"""Salesforce: a data export (Opportunity.csv, OpportunityHistory.csv, Task.csv, Event.csv,
User.csv, Account.csv, Lead.csv) or report exports with their usual headers ("Opportunity ID",
"Stage", "Close Date", "Opportunity Owner", "Assigned", "Call Result", ...).

- Ids are kept as Salesforce writes them; the empty id `000000000000000AAA` counts as empty.
- Status: IsWon -> won, else IsClosed -> lost, else open (report exports: "Won"/"Closed");
  without those columns, the stage names Closed Won / Closed Lost decide.
- closed_at = CloseDate of closed deals; expected_close_date = CloseDate.
- Stage history from OpportunityHistory (StageName at CreatedDate).
- forecast_category from ForecastCategoryName (or ForecastCategory, whose Forecast is
  Commit); Most Likely counts as best case (`headers.CATEGORY_WORDS`).
- Reps from User.csv; without it, the distinct opportunity owners (ids only, no names).
- Records loaded into Salesforce (a migration) carry the load time as CreatedDate, after
  their CloseDate: the import refuses those deals unless `--accept closed-before-created`.
- Date-times are read as written (`2018-10-13 17:16:45`) or, with an offset
  (`2018-10-13T17:16:45.000+0000`), converted to UTC.

Activities (WhoId starting 00Q is a lead, WhatId starting 006 an opportunity; rep = OwnerId):
- Tasks: deleted ones (IsDeleted) and open ones (IsClosed false: a to-do, not yet done) are
  left out. type from TaskSubtype: Call -> `call`, Email -> `email`, LinkedIn -> `linkedin`,
  ListEmail -> `list_email` (a mass email, not outreach); Task and Cadence say nothing of the
  channel, so Type decides (Call -> `call`, Email -> `email`, Other -> `other`, ...), else
  `task`. occurred_at = CompletedDateTime, else ActivityDate (the due date), else CreatedDate.
- Task output: CallDisposition (free text, "the result of a given call") in lower case with
  underscores, and `connected` for a live conversation: values starting with "Connected",
  and Answered, Meaningful Connect, Spoke With Contact, Conversation. Task has no reply field,
  so no email is `replied` (replies live on EmailMessage, which is not read).
- Events are meetings. Left out: deleted ones, an invitee's copy of a group event (IsChild:
  the meeting counts once, for its owner) and the records that describe a recurring series
  rather than one occurrence (IsRecurrence, GroupEventType 3). output `held` when the event
  ended (EndDateTime, else start + DurationInMinutes, else the end of its day for all-day
  events) before the export was taken, i.e. before the latest SystemModstamp or
  LastModifiedDate in the file; `scheduled` otherwise. Salesforce's Event has no status: Type
  (Call, Email, Meeting, Other) and ShowAs (Busy, Out of Office, Free) say nothing of whether
  it took place, so a cancelled meeting that was kept rather than deleted counts as held.
"""

from __future__ import annotations

from collections.abc import Mapping

from funnelwise.io.presets import Preset, funnel_text, register
from funnelwise.io.presets.headers import (
    coalesce_of,
    first_of,
    forecast_category_of,
    snake,
    timestamp_of,
    timestamp_sql,
    truthy,
)
from funnelwise.io.sources import RawFile
from funnelwise.io.spec import Expression, TableSpec

NULL_ID = ("000000000000000AAA",)
CONNECTED = ("answered", "meaningful_connect", "spoke_with_contact", "conversation")
"""Call results that mean a live conversation, besides those starting with `connected`."""

OWNER = ("OwnerId", "Assigned", "Assigned To", "Owner")


def _id(*names: str) -> Expression:
    return first_of(*names, null_values=NULL_ID)


def _status(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    won = first_of("IsWon", "Won")(raw, others)
    closed = first_of("IsClosed", "Closed")(raw, others)
    stage = first_of("StageName", "Stage")(raw, others)
    if won != "NULL" and closed != "NULL":
        return (f"CASE WHEN {truthy(won)} THEN 'won' WHEN {truthy(closed)} THEN 'lost' "
                "ELSE 'open' END")
    return (f"CASE WHEN lower({stage}) = 'closed won' THEN 'won' "
            f"WHEN lower({stage}) LIKE 'closed%' THEN 'lost' ELSE 'open' END")


def _closed_at(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    close = timestamp_of("CloseDate", "Close Date")(raw, others)
    return f"CASE WHEN ({_status(raw, others)}) <> 'open' THEN {close} END"


def _prefixed(names: tuple[str, ...], prefix: str) -> Expression:
    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        expr = first_of(*names, null_values=NULL_ID)(raw, others)
        return f"CASE WHEN {expr} LIKE '{prefix}%' THEN {expr} END"
    return build


def _flag(*headers: str, yes: bool = True) -> str:
    """SQL over a source row: one of the headers is a yes (or, `yes=False`, a no).

    Reads the row as JSON so that a file without the header (a report export) passes.
    """
    value = "coalesce(" + ", ".join(f"to_json(src) ->> '{h}'" for h in headers) + ", '')"
    words = "('1', 'true', 'yes', 'y')" if yes else "('0', 'false', 'no', 'n')"
    return f"lower({value}) IN {words}"


def _task_type(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    sub = snake(first_of("TaskSubtype", "Task Subtype", "Activity Subtype")(raw, others))
    kind = snake(first_of("Type", "Task Type", "Activity Type")(raw, others))
    return (f"CASE WHEN {sub} IN ('call', 'email', 'linkedin') THEN {sub} "
            f"WHEN {sub} IN ('listemail', 'list_email') THEN 'list_email' "
            f"ELSE coalesce({kind}, 'task') END")


def _call_result(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    value = snake(first_of("CallDisposition", "Call Result", "Call Disposition")(raw, others))
    listed = ", ".join(f"'{v}'" for v in CONNECTED)
    return (f"CASE WHEN {value} LIKE 'connected%' OR {value} IN ({listed}) THEN 'connected' "
            f"ELSE {value} END")


def _held(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    """SQL: `held` when the event ended before the export was taken, else `scheduled`."""
    def at(*names: str, alias: str = "src") -> str:
        return f"TRY_CAST({timestamp_sql(coalesce_of(raw, *names, alias=alias))} AS TIMESTAMP)"

    start = at("StartDateTime", "ActivityDateTime", "Start", "Start Date Time")
    minutes = coalesce_of(raw, "DurationInMinutes", "Duration")
    day = at("ActivityDate", "Date")
    end = (f"coalesce({at('EndDateTime', 'End', 'End Date Time')}, "
           f"{start} + to_minutes(TRY_CAST({minutes} AS BIGINT)), "
           f"{day} + INTERVAL 1 DAY, {start})")
    stamp = at("SystemModstamp", "LastModifiedDate", "Last Modified Date", alias="f")
    export = (f"coalesce((SELECT max({stamp}) FROM {raw.table} AS f), "
              "CAST(timezone('UTC', current_timestamp) AS TIMESTAMP))")
    return f"CASE WHEN {end} IS NULL THEN NULL WHEN {end} <= {export} THEN 'held' " \
           "ELSE 'scheduled' END"


ACTIVITY: dict[str, str | Expression] = {
    "activity_id": _id("Id", "Activity ID"),
    "rep_id": _id(*OWNER),
    "lead_id": _prefixed(("WhoId",), "00Q"),
    "opportunity_id": _prefixed(("WhatId",), "006"),
    "account_id": _id("AccountId", "Account ID"),
}
TASK: dict[str, str | Expression] = {
    **ACTIVITY, "type": _task_type, "output": _call_result,
    "occurred_at": timestamp_of("CompletedDateTime", "ActivityDate", "Date", "Due Date",
                                "CreatedDate", "Created Date"),
}
EVENT: dict[str, str | Expression] = {
    **ACTIVITY, "type": "'meeting'", "output": _held,
    "occurred_at": timestamp_of("StartDateTime", "ActivityDateTime", "ActivityDate", "Start",
                                "Date", "CreatedDate", "Created Date"),
}
TASK_WHERE = f"NOT {_flag('IsDeleted')} AND NOT {_flag('IsClosed', 'Closed', yes=False)}"
EVENT_WHERE = (f"NOT {_flag('IsDeleted')} AND NOT {_flag('IsChild')} "
               f"AND NOT {_flag('IsRecurrence')} "
               "AND coalesce(to_json(src) ->> 'GroupEventType', '') <> '3'")

OPPORTUNITY: dict[str, str | Expression] = {
    "opportunity_id": _id("Id", "Opportunity ID"),
    "owner_rep_id": _id("OwnerId", "Owner ID", "Opportunity Owner", "Owner"),
    "account_id": _id("AccountId", "Account ID", "Account Name"),
    "source": first_of("LeadSource", "Lead Source"),
    "product": first_of("Product Name", "Product", "Type"),
    "created_at": timestamp_of("CreatedDate", "Created Date"),
    "stage": first_of("StageName", "Stage"),
    "amount": first_of("Amount"),
    "expected_close_date": timestamp_of("CloseDate", "Close Date"),
    "status": _status, "closed_at": _closed_at,
    "forecast_category": forecast_category_of("ForecastCategoryName", "Forecast Category",
                                              "ForecastCategory"),
}

SALESFORCE = register(Preset(
    name="salesforce",
    description="Salesforce data export or reports (Opportunity, OpportunityHistory, Task, "
                "Event, User, Account, Lead)",
    funnel=funnel_text("salesforce_funnel.toml"),
    file_hint="expected Opportunity.csv and optionally OpportunityHistory.csv, Task.csv, "
              "Event.csv, User.csv, Account.csv, Lead.csv",
    specs=(
        TableSpec("opportunities", "opportunity.csv", optional=True,
                  expressions=OPPORTUNITY),
        TableSpec("opportunities", "opportunities*.csv", optional=True,
                  expressions=OPPORTUNITY),
        TableSpec("stage_history", "opportunityhistory*.csv", optional=True, expressions={
            "opportunity_id": _id("OpportunityId", "Opportunity ID"),
            "stage": first_of("StageName", "Stage", "To Stage"),
            "entered_at": timestamp_of("CreatedDate", "Created Date", "Last Modified")}),
        TableSpec("activities", "task*.csv", optional=True, expressions=TASK,
                  where=TASK_WHERE),
        TableSpec("activities", "event*.csv", optional=True, expressions=EVENT,
                  where=EVENT_WHERE),
        TableSpec("reps", "user*.csv", optional=True, expressions={
            "rep_id": _id("Id", "User ID"), "name": first_of("Name", "Full Name"),
            "manager": _id("ManagerId", "Manager"), "team": first_of("Department", "Role"),
            "region": first_of("Division", "Region")}),
        *(TableSpec("reps", pattern, optional=True, distinct=True, fallback=True,
                    expressions={"rep_id": OPPORTUNITY["owner_rep_id"]})
          for pattern in ("opportunity.csv", "opportunities*.csv")),
        TableSpec("accounts", "account*.csv", optional=True, expressions={
            "account_id": _id("Id", "Account ID"), "name": first_of("Name", "Account Name"),
            "segment": first_of("Type", "Account Type"), "industry": first_of("Industry"),
            "region": first_of("BillingCountry", "Billing Country", "BillingState")}),
        TableSpec("leads", "lead*.csv", optional=True, expressions={
            "lead_id": _id("Id", "Lead ID"),
            "created_at": timestamp_of("CreatedDate", "Create Date"),
            "source": first_of("LeadSource", "Lead Source"),
            "owner_rep_id": _id("OwnerId", "Lead Owner"),
            "account_id": _id("ConvertedAccountId")}),
    ),
))
