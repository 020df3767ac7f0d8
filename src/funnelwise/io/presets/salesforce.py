"""Salesforce: a data export (Opportunity.csv, OpportunityHistory.csv, Task.csv, Event.csv,
User.csv, Account.csv, Lead.csv) or report exports with their usual headers ("Opportunity ID",
"Stage", "Close Date", "Opportunity Owner", ...).

- Ids are kept as Salesforce writes them; the empty id `000000000000000AAA` counts as empty.
- Status: IsWon -> won, else IsClosed -> lost, else open (report exports: "Won"/"Closed");
  without those columns, the stage names Closed Won / Closed Lost decide.
- closed_at = CloseDate of closed deals; expected_close_date = CloseDate.
- Stage history from OpportunityHistory (StageName at CreatedDate).
- Tasks and Events become activities: type = TaskSubtype or Type (lower case), Events default to
  `meeting`; WhoId starting 00Q is a lead, WhatId starting 006 an opportunity.
"""

from __future__ import annotations

from collections.abc import Mapping

from funnelwise.io.presets import Preset, funnel_text, register
from funnelwise.io.presets.headers import first_of, truthy
from funnelwise.io.sources import RawFile
from funnelwise.io.spec import Expression, TableSpec

NULL_ID = ("000000000000000AAA",)


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
    close = first_of("CloseDate", "Close Date")(raw, others)
    return f"CASE WHEN ({_status(raw, others)}) <> 'open' THEN {close} END"


def _prefixed(names: tuple[str, ...], prefix: str) -> Expression:
    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        expr = first_of(*names, null_values=NULL_ID)(raw, others)
        return f"CASE WHEN {expr} LIKE '{prefix}%' THEN {expr} END"
    return build


def _activity_type(default: str) -> Expression:
    def build(raw: RawFile, others: Mapping[str, RawFile]) -> str:
        kind = first_of("TaskSubtype", "Type", "Activity Type", "Task Subtype")(raw, others)
        return f"lower(coalesce({kind}, '{default}'))"
    return build


OPPORTUNITY: dict[str, str | Expression] = {
    "opportunity_id": _id("Id", "Opportunity ID"),
    "owner_rep_id": _id("OwnerId", "Owner ID", "Opportunity Owner", "Owner"),
    "account_id": _id("AccountId", "Account ID", "Account Name"),
    "source": first_of("LeadSource", "Lead Source"),
    "product": first_of("Product Name", "Product", "Type"),
    "created_at": first_of("CreatedDate", "Created Date"),
    "stage": first_of("StageName", "Stage"),
    "amount": first_of("Amount"),
    "expected_close_date": first_of("CloseDate", "Close Date"),
    "status": _status, "closed_at": _closed_at,
}


def _activities(file: str, default_type: str) -> TableSpec:
    return TableSpec("activities", file, optional=True, expressions={
        "activity_id": _id("Id", "Activity ID"),
        "rep_id": _id("OwnerId", "Assigned", "Owner"),
        "type": _activity_type(default_type),
        "occurred_at": first_of("ActivityDateTime", "ActivityDate", "Date", "CreatedDate"),
        "lead_id": _prefixed(("WhoId",), "00Q"),
        "opportunity_id": _prefixed(("WhatId",), "006"),
        "account_id": _id("AccountId", "Account ID"),
        "output": first_of("CallDisposition", "Status"),
    })


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
            "entered_at": first_of("CreatedDate", "Created Date", "Last Modified")}),
        _activities("task*.csv", "task"),
        _activities("event*.csv", "meeting"),
        TableSpec("reps", "user*.csv", optional=True, expressions={
            "rep_id": _id("Id", "User ID"), "name": first_of("Name", "Full Name"),
            "manager": _id("ManagerId", "Manager"), "team": first_of("Department", "Role"),
            "region": first_of("Division", "Region")}),
        TableSpec("accounts", "account*.csv", optional=True, expressions={
            "account_id": _id("Id", "Account ID"), "name": first_of("Name", "Account Name"),
            "segment": first_of("Type", "Account Type"), "industry": first_of("Industry"),
            "region": first_of("BillingCountry", "Billing Country", "BillingState")}),
        TableSpec("leads", "lead*.csv", optional=True, expressions={
            "lead_id": _id("Id", "Lead ID"), "created_at": first_of("CreatedDate", "Create Date"),
            "source": first_of("LeadSource", "Lead Source"),
            "owner_rep_id": _id("OwnerId", "Lead Owner"),
            "account_id": _id("ConvertedAccountId")}),
    ),
))
