"""A small generated org for the dashboard tests: six reps, ten weeks, a few hundred rows.

Teams: North (ana, ben, cy; manager Mia Lund), South (dee, eli; Leo Marsh), West ("Fay Moss",
an id with a space, as some CRMs export names for ids; Leo Marsh). Rates differ by rep so the
charts have something to show; the data is deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

START = dt.date(2026, 1, 5)
WEEKS = 10
REPS = (
    ("ana", "Ana Ortiz", "Mia Lund", "North", "East", 0.30),
    ("ben", "Ben Okafor", "Mia Lund", "North", "East", 0.15),
    ("cy", "Cy Park", "Mia Lund", "North", "West", 0.22),
    ("dee", "Dee Quinn", "Leo Marsh", "South", "West", 0.25),
    ("eli", "Eli Stone", "Leo Marsh", "South", "West", 0.12),
    ("Fay Moss", "Fay Moss", "Leo Marsh", "West", "West", 0.20),
)
# Charts in the report: the overview's three (funnel, win rates, cycle), two on each of the
# plan, pipeline, coaching, forecast and data check pages, the pipeline's waterfall of what
# changed, the forecast's two of the reps' calls, and two on each rep's page.
CHARTS = 3 + 2 * 5 + 1 + 2 + 2 * len(REPS)
# The rep's call on an open deal follows its stage (closed deals: "closed"); no random draw,
# so the rest of the org is what it was before deals carried a forecast category.
CATEGORIES = {"Qualified": "pipeline", "Proposal": "best_case", "Negotiation": "commit"}
ACCOUNTS = ("Acme Corp", "Bolt Labs", "Cobalt Inc", "Delta Health", "Echo Media", "Fjord AB")


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def _when(day: dt.date, rnd: random.Random) -> str:
    return f"{day.isoformat()} {rnd.randint(8, 17):02d}:{rnd.randint(0, 59):02d}"


def _activities(rnd: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for rep_id, *_, conv in REPS:
        for week in range(WEEKS):
            for _ in range(rnd.randint(8, 14)):
                day = START + dt.timedelta(days=7 * week + rnd.randint(0, 4))
                kind = rnd.choice(("call", "email", "linkedin"))
                hit = rnd.random() < conv
                output = ("connected" if hit else "no_answer") if kind == "call" else (
                    "replied" if hit else "no_response")
                rows.append([f"a{len(rows):04d}", rep_id, kind, _when(day, rnd), output])
                if hit and rnd.random() < 0.8:
                    held = "held" if rnd.random() < 0.8 else "no_show"
                    rows.append([f"a{len(rows):04d}", rep_id, "meeting",
                                 _when(day + dt.timedelta(days=2), rnd), held])
    return rows


def _deal(rnd: random.Random, i: int, rep_id: str, win: float) -> tuple[list[object], list]:
    created = START + dt.timedelta(days=rnd.randint(0, 7 * WEEKS - 20))
    amount = rnd.randrange(2_000, 60_000, 500)
    fate = rnd.random()
    status = "open" if fate < 0.25 else ("won" if rnd.random() < win * 2 else "lost")
    closed = created + dt.timedelta(days=rnd.randint(10, 50)) if status != "open" else None
    stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(status, rnd.choice(
        ("Qualified", "Proposal", "Negotiation")))
    opp_id = f"o{i:03d}"
    row = [opp_id, rep_id, f"acc{rnd.randrange(len(ACCOUNTS))}", rnd.choice(("inbound",
           "outbound")), "Core", created.isoformat(), stage, amount,
           (created + dt.timedelta(days=45)).isoformat(), status,
           closed.isoformat() if closed else ""]
    row.append(CATEGORIES.get(stage, "closed"))
    history = [[opp_id, "Qualified", created.isoformat()]]
    if closed:
        history.append([opp_id, stage, closed.isoformat()])
    return row, history


def write_org(folder: Path, seed: int = 11) -> Path:
    """Canonical CSVs of the test org in `folder`; returns `folder`."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "reps.csv", ["rep_id", "name", "manager", "team", "region"],
           [list(r[:5]) for r in REPS])
    _write(folder / "accounts.csv", ["account_id", "name"],
           [[f"acc{i}", name] for i, name in enumerate(ACCOUNTS)])
    _write(folder / "activities.csv",
           ["activity_id", "rep_id", "type", "occurred_at", "output"], _activities(rnd))
    opps, history = [], []
    for rep_id, *_, conv in REPS:
        for _ in range(rnd.randint(8, 12)):
            row, hist = _deal(rnd, len(opps), rep_id, conv)
            opps.append(row)
            history += hist
    _write(folder / "opportunities.csv",
           ["opportunity_id", "owner_rep_id", "account_id", "source", "product", "created_at",
            "stage", "amount", "expected_close_date", "status", "closed_at", "forecast_category"],
           opps)
    _write(folder / "stage_history.csv", ["opportunity_id", "stage", "entered_at"], history)
    return folder
