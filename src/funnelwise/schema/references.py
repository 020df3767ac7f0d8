"""References between the canonical tables: a deal's owner names a rep, an activity names a
deal. The one list the importer (`io.references`, in SQL over the open connection) and
`funnelwise check` (`metrics.references`, in Ibis over the tables) both read, with the one
wording of the warning they give.

A reference whose values are found nowhere in its target table is a warning, counted, never a
refusal: the rows are kept (the reps table may come in a later import), and every metric
treats them as it documents (owners missing from reps count in their own group). A reference
to a table that holds no rows at all is not checked: nothing could match, and that absence is
said elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from funnelwise.errors import Problem


@dataclass(frozen=True)
class Reference:
    """`table.column` should name a `target_table.target_column`."""

    table: str
    column: str
    target_table: str
    target_column: str

    def problem(self, *, values: int, rows: int, first: object) -> Problem:
        """The warning for `values` unknown values (`first` the smallest) on `rows` rows."""
        return Problem(
            file=self.table, row=None, column=self.column, value=None, warning=True,
            message=f"names {values:,} {self.target_column} value(s) not in "
                    f"{self.target_table} (e.g. {first!r}), on {rows:,} rows",
            hint=f"import the missing {self.target_table}, or check the ids match")


REFERENCES = (
    Reference("opportunities", "owner_rep_id", "reps", "rep_id"),
    Reference("opportunities", "account_id", "accounts", "account_id"),
    Reference("opportunities", "lead_id", "leads", "lead_id"),
    Reference("activities", "rep_id", "reps", "rep_id"),
    Reference("activities", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("activities", "lead_id", "leads", "lead_id"),
    Reference("outcomes", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("outcomes", "rep_id", "reps", "rep_id"),
    Reference("stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("close_date_history", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("quotas", "rep_id", "reps", "rep_id"),
    Reference("leads", "owner_rep_id", "reps", "rep_id"),
)
