"""The questions a flag opens with, chosen by the rule and by the kind of step it is about.

A flag is not a verdict; it is a reason to talk ("why did this happen, should the rep do
something differently, should we, is the goal right?"). Which questions help depends on
where in the funnel the problem is:

- reach (an activity into its outputs: calls connected, emails replied): targeting and message;
- booking (a conversation into a meeting): the ask and who we talk to;
- qualification (a meeting into an opportunity): what the first meeting achieves;
- advancing (an opportunity into a later stage or a win): the customer's decision process;
- outcome (into a customer outcome): whether the customer, not the rep, moved.
"""

from __future__ import annotations

from funnelwise.schema.funnel import Step

REACH, BOOKING, QUALIFICATION, ADVANCING, OUTCOME = (
    "reach", "booking", "qualification", "advancing", "outcome")

DROP_QUESTIONS: dict[str, tuple[str, ...]] = {
    REACH: (
        "Who are we reaching out to now: has the list or the targeting changed?",
        "What changed in the message: subject lines, openers, the first sentence?",
        "Which channel fell most: calls, emails or LinkedIn?",
    ),
    BOOKING: (
        "When someone answers, what do we ask for: is a meeting the clear next step?",
        "Are these conversations with people who can say yes to a meeting?",
    ),
    QUALIFICATION: (
        "What happens in the first meeting: do we agree the customer's goals and a next step?",
        "Has how we qualify changed: too loose before, or too strict now?",
        "Which recent meetings did not become opportunities, and why?",
    ),
    ADVANCING: (
        "Where do these deals stop, and what does the customer say when they do?",
        "Who on the customer's side owns the decision, and have we met them?",
    ),
    OUTCOME: (
        "What did the customer agree to in the last meetings, in their words?",
        "Which outcome are we aiming for in the next meeting?",
    ),
}

MISSED_GOAL = (
    "What took the time that outreach usually gets: deals, admin, time off?",
    "Is there something we should do differently to help: leads, territory, tools?",
    "Is the goal right: does your plan really need {goal} a week?",
)

PIPELINE_VOLUME = (
    "The plan for {period} needs more {step} than you are doing: what is taking the time?",
    "Which deals for {period} are already in sight, and which are missing?",
)

PIPELINE_CONVERSION = (
    "You are doing the work, but fewer {step} turn into {next}: what changed?",
    "Which deals for {period} are already in sight, and which are missing?",
)

STALLED = (
    "What is the customer's next step on this deal, and when?",
    "Who on their side is driving the decision, and when did we last speak to them?",
    "Should this deal stay in the forecast?",
)


def transition(step: Step, nxt: Step) -> str:
    """The kind of move from `step` into `nxt` (reach, booking, qualification, ...)."""
    if nxt.kind == "outcome":
        return OUTCOME
    if nxt.is_opportunity_step:
        return ADVANCING if step.is_opportunity_step else QUALIFICATION
    if step.kind == "activity" and nxt.kind == "output":
        return REACH
    return BOOKING


def drop_questions(step: Step, nxt: Step) -> tuple[str, ...]:
    """Questions for a conversion drop from `step` into `nxt`."""
    return DROP_QUESTIONS[transition(step, nxt)]


def fill(questions: tuple[str, ...], **values: object) -> tuple[str, ...]:
    return tuple(q.format(**values) for q in questions)
