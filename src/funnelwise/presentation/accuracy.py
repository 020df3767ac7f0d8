"""The workspace's measured accuracy in words and tables: the one statement the forecast, the
review, the brief and the dashboard print, and the `accuracy` command's view."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from funnelwise import formats as fmt
from funnelwise.pipeline.accuracy import Accuracy
from funnelwise.presentation.output import Output, line, notes
from funnelwise.presentation.tables import Col, field, grid

NOT_MEASURED = ("accuracy on your history not measured for this data: `funnelwise accuracy` "
                "measures it (an import does too)")


def forecast_words(part: dict[str, Any]) -> str:
    """'the P10-P90 band held 4 of 6 quarterly forecasts (an honest band holds 8 in 10),
    WAPE 9.2%'"""
    if "reason" in part:
        return f"the forecast could not be replayed ({part['reason']})"
    return (f"the P10-P90 band held {part['held']} of {part['origins']} quarterly forecasts "
            f"(an honest band holds 8 in 10), WAPE {fmt.pct(part['wape'])}")


def probability_words(part: dict[str, Any]) -> str:
    """'win probabilities scored 0.175 (Brier; the team's win rate alone 0.197, lower is
    better)'"""
    if "reason" in part:
        return f"the win probabilities could not be scored ({part['reason']})"
    bare = part.get("without_history") or 0
    unknown = (f"; {fmt.count(bare)} of the deals scored had no stage history, placed at "
               "the first stage" if bare else "")
    return (f"win probabilities scored {fmt.score(part['brier'])} (Brier; the team's win rate "
            f"alone {fmt.score(part['team_rate_brier'])}, lower is better{unknown})")


def statement(acc: Accuracy | None) -> str:
    """The one sentence every surface prints: how far the forecast and the probabilities held
    on this workspace's own history."""
    if acc is None:
        return NOT_MEASURED
    return (f"On your history: {forecast_words(acc.forecast)}; "
            f"{probability_words(acc.probabilities)}.")


RELIABILITY = (
    Col("Probability", field("bucket", fmt.text), False),
    Col("Deals", field("deals", fmt.count)),
    Col("Mean predicted", field("mean_probability", fmt.pct)),
    Col("Share won", field("share_won", fmt.pct)),
)


def reliability(acc: Accuracy) -> pd.DataFrame:
    """Predicted against observed by tenth of probability (empty when not scored)."""
    rows = acc.probabilities.get("reliability") or []
    return pd.DataFrame(rows, columns=["bucket", "deals", "mean_probability", "share_won"])


def accuracy_view(acc: Accuracy) -> Output:
    """`funnelwise accuracy`: the statement, then the reliability of the probabilities."""
    show: list[Any] = [line(statement(acc))]
    table = reliability(acc)
    if len(table):
        show.append(grid("Deal win probabilities: predicted against share won", RELIABILITY,
                         table.to_dict(orient="records")))
    show += notes([f"measured on the data up to {fmt.date(acc.today)}: the funnelwise "
                   "forecast replayed with no look-ahead (funnelwise backtest), the review's "
                   "probabilities scored on the deals closed since (review --calibration)"])
    summary = pd.DataFrame([{"part": "forecast", **{k: v for k, v in acc.forecast.items()}},
                            {"part": "probabilities",
                             **{k: v for k, v in acc.probabilities.items()
                                if k != "reliability"}}])
    return Output(tables=(("accuracy", summary), ("reliability", table)),
                  doc={**acc.record(), "statement": statement(acc)}, show=tuple(show))


def with_accuracy(output: Output, acc: Accuracy | None) -> Output:
    """A command's output with the workspace's measured accuracy: its sentence last on the
    terminal, `accuracy` in a JSON object (null when not measured for this data). A JSON
    document that is a list of rows (`forecast`) stays one: tools read it as rows, and
    `funnelwise accuracy --format json` has the figures."""
    if not isinstance(output.doc, dict):
        return replace(output, show=(*output.show, line(statement(acc), "dim")))
    doc = {**output.doc, "accuracy": accuracy_json(acc)}
    return replace(output, doc=doc, show=(*output.show, line(statement(acc), "dim")))


def accuracy_json(acc: Accuracy | None) -> dict[str, Any] | None:
    """The `accuracy` of a JSON answer: the figures and the statement, null when not
    measured for this data."""
    return None if acc is None else {**acc.record(), "statement": statement(acc)}


def page_doc(acc: Accuracy | None) -> dict[str, Any]:
    """The accuracy as the forecast page and the report show it (and their JSON twins):
    the statement, the figures when measured, the reliability rows."""
    if acc is None:
        return {"measured": False, "statement": statement(None), "reliability": []}
    rows = reliability(acc).to_dict(orient="records")
    return {"measured": True, **acc.record(), "statement": statement(acc),
            "reliability": rows}
