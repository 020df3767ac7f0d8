"""Activity exports with the vendors' own headers: outreach -> conversation -> meeting per rep.

The expected counts are worked out by hand from the fixture rows (one comment per rep).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.presets.headers import timestamp_sql
from funnelwise.io.workspace import Workspace
from tests.conftest import HERE, SALESFORCE, needs

runner = CliRunner()
HUBSPOT = HERE / "fixtures" / "hubspot_activities"
SF = HERE / "fixtures" / "salesforce_activities"
DEALS = HUBSPOT / "hubspot-crm-exports-all-deals-2026-03-31.csv"
ACTIVITY_STEPS = ("outreach", "conversation", "meeting")


def import_and_count(folder: Path, preset: str, ws: Path) -> dict[str, tuple[int, ...]]:
    """`funnelwise import --preset` then `funnel --by rep`: per rep, the activity steps' counts."""
    done = runner.invoke(app, ["import", "--workspace", str(ws), "--preset", preset,
                               str(folder)])
    assert done.exit_code == 0, done.output
    result = runner.invoke(app, ["funnel", "--workspace", str(ws), "--by", "rep",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {(r["key"], r["step"]): r["count"] for r in json.loads(result.stdout)}
    reps = sorted({key for key, _ in rows})
    return {rep: tuple(rows[rep, step] for step in ACTIVITY_STEPS) for rep in reps}


def activities(ws_path: Path) -> dict[str, tuple[str, str | None]]:
    with Workspace(ws_path) as ws:
        rows = ws.con.execute("SELECT activity_id, type, output FROM activities").fetchall()
    return {a: (t, o) for a, t, o in rows}


def test_hubspot_deals_calls_emails_and_meetings_in_one_import(tmp_path):
    counts = import_and_count(HUBSPOT, "hubspot", tmp_path / "hs.duckdb")
    # Dana Reyes: calls 501-505 (Connected 501, 505) + sent emails 601 (replied by 604),
    #   602, 603 -> outreach 8, conversation 3; meetings 801, 803 Completed (802 No Show) -> 2
    # Eli Novak: calls 506-509 (Connected 507) + sent emails 605, 606 (replied by 607), 609
    #   (608 forwarded, 610 from another contact) -> outreach 7, conversation 2;
    #   meeting 805 Completed (804 Scheduled, 806 Canceled, 807 Rescheduled) -> 1
    # Fay Ortiz (owns no deal): call 510 Connected, meeting 808 Completed -> 1, 1, 1
    assert counts == {"Dana Reyes": (8, 3, 2), "Eli Novak": (7, 2, 1), "Fay Ortiz": (1, 1, 1)}


def test_hubspot_outputs_keep_the_vendor_values(tmp_path):
    with Workspace(tmp_path / "hs.duckdb") as ws:
        run_import(ws, [HUBSPOT], presets.get("hubspot"))
        deals = dict(ws.con.execute(
            "SELECT activity_id, opportunity_id FROM activities").fetchall())
        reps = {r[0] for r in ws.con.execute("SELECT rep_id FROM reps").fetchall()}
    got = activities(tmp_path / "hs.duckdb")
    assert got["502"] == ("call", "left_voicemail")
    assert got["504"] == ("call", "left_live_message")  # a message with someone, not a talk
    assert got["509"] == ("call", None)
    assert got["603"] == ("email", "bounced")
    assert got["604"] == ("incoming_email", None)
    assert got["605"] == ("email", "sent")  # answered only after the next email (606)
    assert got["608"] == ("forwarded_email", None)
    assert got["609"] == ("email", "sent")  # 610 came from another contact
    assert got["802"] == ("meeting", "no_show")
    assert got["804"] == ("meeting", "scheduled")
    # deal ids listed (calls, emails) or found by deal name (meetings' "Associated Deal")
    assert (deals["501"], deals["601"], deals["801"], deals["502"]) == ("9101", "9101", "9101",
                                                                        None)
    assert reps == {"Dana Reyes", "Eli Novak", "Fay Ortiz"}


def test_hubspot_export_with_internal_names_and_values(tmp_path):
    """Exports made with "internal names and values": hs_* headers, GUIDs, upper-case enums."""
    (tmp_path / "calls.csv").write_text(
        "hs_object_id,hs_timestamp,hubspot_owner_id,hs_call_disposition\n"
        "1,2026-02-02T09:00:00Z,42,f240bbac-87c9-4f6e-bf70-924b57d47db7\n"
        "2,2026-02-02T10:00:00Z,42,b2cf5968-551e-4856-9783-52b3da59a7d0\n")
    (tmp_path / "meetings.csv").write_text(
        "hs_object_id,hs_timestamp,hubspot_owner_id,hs_meeting_outcome\n"
        "3,2026-02-03T09:00:00+01:00,42,COMPLETED\n4,2026-02-04T09:00:00Z,42,NO_SHOW\n")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        run_import(ws, [DEALS, tmp_path / "calls.csv", tmp_path / "meetings.csv"],
                   presets.get("hubspot"))
        (when,) = ws.con.execute(
            "SELECT occurred_at FROM activities WHERE activity_id = '3'").fetchall()[0]
    got = activities(tmp_path / "ws.duckdb")
    assert got == {"1": ("call", "connected"), "2": ("call", "left_voicemail"),
                   "3": ("meeting", "held"), "4": ("meeting", "no_show")}
    assert str(when) == "2026-02-03 08:00:00"  # +01:00 read as UTC


def test_salesforce_tasks_and_events(tmp_path):
    counts = import_and_count(SF, "salesforce", tmp_path / "sf.duckdb")
    # Ana Silva (0058d000001AnaAAA): tasks A1 call Connected, A2 call Left Voicemail, A3 call
    #   Meaningful Connect, A4 + A5 emails, A7 Task of Type Call (No Answer) -> outreach 6,
    #   conversation 2 (A1, A3); A6 is a list email, A8 still open, A9 deleted.
    #   Events: A1 held; A2 deleted; A3 starts after the export; A4 ends (10:30) after the
    #   export's latest SystemModstamp (2026-03-01 10:00) -> meeting 1
    # Ben Okafor (0058d000001BenAAA): B1 call Connected - Interested, B2 call Busy, B3 LinkedIn,
    #   B4 Cadence of Type Email -> outreach 4, conversation 1 (B1); B5 is Type Other.
    #   Events: B1 all-day, B2, B4 (shown as Free, still held) -> 3; B0 is his copy of Ana's
    #   group event, B3 the record of a recurring series
    # Mia Moreau (manager) has no activity
    assert counts == {"0058d000001AnaAAA": (6, 2, 1), "0058d000001BenAAA": (4, 1, 3)}


def test_salesforce_outputs(tmp_path):
    with Workspace(tmp_path / "sf.duckdb") as ws:
        run_import(ws, [SF], presets.get("salesforce"))
    got = activities(tmp_path / "sf.duckdb")
    assert got["00T8d00000TskA2AAA"] == ("call", "left_voicemail")
    assert got["00T8d00000TskA4AAA"] == ("email", None)  # Task has no reply field
    assert got["00T8d00000TskA6AAA"] == ("list_email", None)
    assert got["00T8d00000TskB5AAA"] == ("other", None)
    assert got["00U8d00000EvtA3AAA"] == ("meeting", "scheduled")
    assert not {"00T8d00000TskA8AAA", "00T8d00000TskA9AAA", "00U8d00000EvtA2AAA",
                "00U8d00000EvtB0AAA", "00U8d00000EvtB3AAA"} & set(got)


def test_salesforce_report_export_headers(tmp_path):
    report = tmp_path / "task_report.csv"
    report.write_text("Activity ID,Assigned,Subject,Date,Task Subtype,Type,Call Result\n"
                      "T1,Ana Silva,Call,2026-02-02,Call,Call,Spoke with contact\n"
                      "T2,Ana Silva,Email,2026-02-03,Email,Email,\n")
    with Workspace(tmp_path / "ws.duckdb") as ws:
        run_import(ws, [SF / "Opportunity.csv", SF / "User.csv", report],
                   presets.get("salesforce"))
        reps = {r[0] for r in ws.con.execute("SELECT rep_id FROM activities").fetchall()}
    assert activities(tmp_path / "ws.duckdb") == {"T1": ("call", "connected"),
                                                   "T2": ("email", None)}
    assert reps == {"Ana Silva"}


@needs(SALESFORCE)
def test_salesforce_real_event_export_has_a_header_and_no_rows(tmp_path):
    events = SALESFORCE / "Event.csv"
    with Workspace(tmp_path / "sf.duckdb") as ws:
        result = run_import(ws, [SF / "Opportunity.csv", SF / "User.csv", events],
                            presets.get("salesforce"))
        (count,) = ws.con.execute("SELECT count(*) FROM activities").fetchall()[0]
    assert result.used["activities"] == ["Event.csv"] and count == 0


@needs(SALESFORCE)
def test_salesforce_real_event_headers_read_a_meeting(tmp_path):
    """The real export's header with one row written under it: a past meeting, held."""
    header = (SALESFORCE / "Event.csv").read_text().splitlines()[0]
    values = {"Id": "00U000000000001AAA", "OwnerId": "0058d000001AnaAAA",
              "WhatId": "0068d00000OppA1AAA", "IsAllDayEvent": "0",
              "ActivityDateTime": "2026-02-10 15:00:00", "ActivityDate": "2026-02-10",
              "DurationInMinutes": "60", "IsDeleted": "0", "IsChild": "0",
              "GroupEventType": "0", "IsRecurrence": "0",
              "SystemModstamp": "2026-02-11 08:00:00"}
    names = [h.strip('"') for h in header.split(",")]
    (tmp_path / "Event.csv").write_text(
        header + "\n" + ",".join(f'"{values.get(n, "")}"' for n in names) + "\n")
    with Workspace(tmp_path / "sf.duckdb") as ws:
        run_import(ws, [SF / "Opportunity.csv", SF / "User.csv", tmp_path / "Event.csv"],
                   presets.get("salesforce"))
        rows = ws.con.execute("SELECT activity_id, rep_id, type, occurred_at, "
                              "opportunity_id, output FROM activities").fetchall()
    assert [(*r[:3], str(r[3]), *r[4:]) for r in rows] == [
        ("00U000000000001AAA", "0058d000001AnaAAA", "meeting", "2026-02-10 15:00:00",
         "0068d00000OppA1AAA", "held")]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-05 14:30", "2024-03-05 14:30:00"),  # HubSpot
    ("2018-10-13 17:16:45", "2018-10-13 17:16:45"),  # Salesforce data export
    ("2018-10-13T17:16:45.000+0000", "2018-10-13 17:16:45"),  # Salesforce API, UTC
    ("2024-03-05 14:30:00+01:00", "2024-03-05 13:30:00"),
    ("2024-03-05T14:30:00Z", "2024-03-05 14:30:00"),
    ("2024-03-05", "2024-03-05 00:00:00"),
    ("05/03/2024", "05/03/2024"),  # not ISO: left as written, for the import to report
])
def test_timestamps_become_iso_text(text, expected):
    with duckdb.connect() as con:
        (got,) = con.execute(f"SELECT {timestamp_sql('$1')}", [text]).fetchall()[0]
    assert got == expected
