"""The Monday brief as Markdown and as a self-contained HTML page (no network, no scripts)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from funnelwise.coach.brief import Brief, Conversation, ManagerBrief
from funnelwise.coach.bright import BrightSpot
from funnelwise.coach.rules import label
from funnelwise.formats import count, date, money, named, pct
from funnelwise.frames import records
from funnelwise.pipeline.accuracy import Accuracy
from funnelwise.pipeline.calls import Calls
from funnelwise.presentation.accuracy import statement
from funnelwise.presentation.weekly import band, off_record

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1f2933;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #d9e2ec;padding-bottom:.2rem;
margin-top:2rem}h3{font-size:1rem;margin-bottom:.3rem}
.money{font-weight:600}.ask{color:#334e68;font-style:italic}.ev{color:#52606d;font-size:.9rem}
table{border-collapse:collapse;font-size:.9rem}td,th{border-bottom:1px solid #e4e7eb;
padding:.25rem .5rem;text-align:left;vertical-align:top}td.num{text-align:right}
footer{margin-top:2rem;color:#7b8794;font-size:.8rem}.dim{color:#7b8794;font-size:.85rem}
"""
MD_BOLD, HTML_BOLD = ("**", "**"), ("<b>", "</b>")


def _who(manager: str | None) -> str:
    return manager or "Everyone"


def _bold(rep: str, name: str | None, strong: tuple[str, str]) -> str:
    """A rep as 'Name (id)' (`formats.named`), the name between `strong`'s marks; the id
    alone when there is no other name."""
    start, end = strong
    return f"{start}{name}{end} ({rep})" if name and name != rep else f"{start}{rep}{end}"


def title(b: Brief) -> str:
    return f"Monday brief, week of {date(b.week)}"


def _conversation_md(i: int, c: Conversation) -> list[str]:
    top = c.flags[0]
    lines = [f"{i}. {_bold(c.rep, c.name, MD_BOLD)}, {money(c.money)} at stake: "
             f"{label(top.rule)}: {top.title}", f"   - Open with: \"{c.opener}\""]
    lines += [f"   - {e}" for e in top.evidence]
    lines += [f"   - Also: {label(f.rule)}: {f.title} ({money(f.money)})" for f in c.flags[1:]]
    return lines


def _spot_md(s: BrightSpot, names: dict[str, str]) -> list[str]:
    return [f"- {_bold(s.rep, names.get(s.rep), MD_BOLD)}: {s.title}",
            *(f"  - {e}" for e in s.evidence)]


def _deals_md(m: ManagerBrief, names: dict[str, str]) -> list[str]:
    if not m.deals:
        return ["No stalled deals."]
    out = ["| Deal | Rep | Stage | Amount | Win prob. | Why |", "|---|---|---|---:|---:|---|"]
    out += [f"| {d['opportunity_id']} | {named(d['rep'], names.get(d['rep']))} | {d['stage']} | "
            f"{money(d['amount'])} | {pct(d['probability'])} | {d['evidence']} |"
            for d in m.deals]
    return out


def _calls_rows(c: Calls, names: dict[str, str]) -> list[tuple[str, str, str]]:
    """(who, commit as called, the model's P50 (P10-P90) of the same deals): the reps who
    made a call, then their team's roll-up."""
    rows = records(c.calls)
    reps = [(named(r["key"], names.get(str(r["key"]))), money(r["commit"]),
             band(r, "commit")) for r in rows if r["level"] == "rep"]
    team = [("Team", money(r["commit"]), band(r, "commit")) for r in rows if r["level"] != "rep"]
    return reps + team


def _calls_notes(c: Calls, names: dict[str, str]) -> tuple[str, str]:
    """What the figures are, and whose record reads optimistic or sandbagging."""
    what = (f"As of {date(c.as_of)}: commit is won so far plus the open deals called commit "
            f"expected by {date(c.period.end)}; the model draws whether each of those deals "
            "is won in time.")
    if not len(c.record):
        return what, "No past calls to compare with what was won."
    flagged = off_record(c.record, names)
    return what, (f"Record of past calls against what was won: {flagged}." if flagged else
                  "Record of past calls against what was won: no rep reads optimistic or "
                  "sandbagging.")


def _calls_md(c: Calls, names: dict[str, str]) -> list[str]:
    out = [f"### Calls for {c.period.label}", "", "| Rep | Commit called | Model P50 (P10-P90) |",
           "|---|---:|---:|"]
    out += [f"| {who} | {commit} | {model} |" for who, commit, model in _calls_rows(c, names)]
    what, record = _calls_notes(c, names)
    return [*out, "", what, "", record, ""]


def measured(acc: Accuracy | None) -> str:
    """How far the forecast and the win probabilities held on the workspace's history (one
    sentence, `presentation.accuracy`), said after the calls and the deals' win probabilities;
    '' when the workspace keeps no measure for its data."""
    return "" if acc is None else statement(acc)


def manager_md(m: ManagerBrief, names: dict[str, str], accuracy: str = "") -> list[str]:
    """One manager's section; `accuracy` (`measured`) last when there is one."""
    out = [f"## {_who(m.manager)} ({m.reps} reps)", "", "### Status against plan", ""]
    out += [f"- {line}" for line in m.status]
    out += ["", "### Reps who need a conversation", ""]
    for i, c in enumerate(m.conversations, start=1):
        out += _conversation_md(i, c)
    if not m.conversations:
        out.append("No red flags this week.")
    if m.more_flagged:
        out.append(f"\n{m.more_flagged} more flagged rep(s): `funnelwise coach` lists them all.")
    out += ["", "### Bright spots to share", ""]
    for s in m.bright_spots:
        out += _spot_md(s, names)
    if not m.bright_spots:
        out.append("None stood out this week.")
    out += ["", "### Deals to review", "", *_deals_md(m, names), ""]
    if m.calls is not None:
        out += _calls_md(m.calls, names)
    return [*out, accuracy, ""] if accuracy else out


def footer(b: Brief) -> str:
    c = b.config
    return (f"Flags: activity goal missed in {c.missed_weeks} of the last {c.recent_weeks} "
            f"weeks; conversion drops and pipeline gaps when at least {pct(c.confidence)} "
            f"likely; money at stake over {count(c.horizon_weeks)} weeks. Details: `funnelwise "
            f"coach --week {date(b.week)}`.")


def to_markdown(b: Brief) -> str:
    """The whole brief as Markdown."""
    out = [f"# {title(b)}", ""]
    for m in b.briefs:
        out += manager_md(m, b.names, measured(b.accuracy))
    out += ["---", "", footer(b), *(f"\n{n}" for n in b.notes)]
    return "\n".join(out).rstrip() + "\n"


CODE = re.compile(r"`([^`]+)`")
"""A command in the text, as Markdown marks it: `funnelwise coach`."""


def _e(text: object) -> str:
    """`text` escaped for HTML, its `commands` as <code> (no literal backticks on the page)."""
    return CODE.sub(r"<code>\1</code>", html.escape(str(text)))


def _li(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _conversation_html(c: Conversation) -> str:
    top = c.flags[0]
    also = [f"Also: {_e(label(f.rule))}: {_e(f.title)} ({_e(money(f.money))})"
            for f in c.flags[1:]]
    return (f"<li>{_bold(_e(c.rep), _e(c.name), HTML_BOLD)}, <span class=money>"
            f"{_e(money(c.money))}</span> at stake: {_e(label(top.rule))}: {_e(top.title)}"
            f"<div class=ask>Open with: \u201c{_e(c.opener)}\u201d</div>"
            f"<div class=ev>{_li([_e(e) for e in top.evidence] + also)}</div></li>")


def _deals_html(m: ManagerBrief, names: dict[str, str]) -> str:
    if not m.deals:
        return "<p>No stalled deals.</p>"
    head = "".join(f"<th>{h}</th>" for h in ("Deal", "Rep", "Stage", "Amount", "Win prob.",
                                                "Why"))
    rows = "".join(
        f"<tr><td>{_e(d['opportunity_id'])}</td><td>{_e(named(d['rep'], names.get(d['rep'])))}"
        f"</td><td>{_e(d['stage'])}"
        f"</td><td class=num>{_e(money(d['amount']))}</td><td class=num>"
        f"{_e(pct(d['probability']))}</td><td>{_e(d['evidence'])}</td></tr>" for d in m.deals)
    return f"<table><tr>{head}</tr>{rows}</table>"


def _calls_html(c: Calls | None, names: dict[str, str]) -> str:
    if c is None:
        return ""
    head = "<tr><th>Rep</th><th>Commit called</th><th>Model P50 (P10-P90)</th></tr>"
    rows = "".join(f"<tr><td>{_e(who)}</td><td class=num>{_e(commit)}</td><td class=num>"
                   f"{_e(model)}</td></tr>" for who, commit, model in _calls_rows(c, names))
    notes = "".join(f"<p class=ev>{_e(n)}</p>" for n in _calls_notes(c, names))
    return f"<h3>Calls for {_e(c.period.label)}</h3><table>{head}{rows}</table>{notes}"


def manager_html(m: ManagerBrief, names: dict[str, str], accuracy: str = "") -> str:
    talks = ("<ol>" + "".join(_conversation_html(c) for c in m.conversations) + "</ol>"
             if m.conversations else "<p>No red flags this week.</p>")
    if m.more_flagged:
        talks += f"<p>{m.more_flagged} more flagged rep(s): <code>funnelwise coach</code>.</p>"
    spots = _li(f"{_bold(_e(s.rep), _e(names.get(s.rep, s.rep)), HTML_BOLD)}: {_e(s.title)}"
                f"<div class=ev>{_li(_e(e) for e in s.evidence)}</div>"
                for s in m.bright_spots) if m.bright_spots else "<p>None stood out.</p>"
    return (f"<section><h2>{_e(_who(m.manager))} ({m.reps} reps)</h2>"
            f"<h3>Status against plan</h3>{_li(_e(s) for s in m.status)}"
            f"<h3>Reps who need a conversation</h3>{talks}"
            f"<h3>Bright spots to share</h3>{spots}"
            f"<h3>Deals to review</h3>{_deals_html(m, names)}{_calls_html(m.calls, names)}"
            f"{f'<p class=dim>{_e(accuracy)}</p>' if accuracy else ''}</section>")


def to_html(b: Brief) -> str:
    """The whole brief as one self-contained HTML page."""
    body = "".join(manager_html(m, b.names, measured(b.accuracy)) for m in b.briefs)
    notes = "".join(f"<p>{_e(n)}</p>" for n in b.notes)
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{_e(title(b))}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title(b))}</h1>{body}<footer><p>{_e(footer(b))}</p>{notes}</footer>"
            "</body></html>\n")
