"""The Maven Analytics "CRM Sales Opportunities" sample.

Files: sales_pipeline.csv, sales_teams.csv, accounts.csv, products.csv.
- A rep's id is the agent's name as written (`sales_agent`); team = manager, region =
  regional office.
- Status: Won -> won, Lost -> lost, Prospecting/Engaging -> open; created_at = engage_date
  (Prospecting rows have no date at all), closed_at = close_date.
- Amount: close_value, or the product's list price where close_value is missing or 0 (lost and
  open deals); the pipeline writes `GTXPro` where products says `GTX Pro`, so product names
  are matched ignoring spaces and case.
- Stage history: Engaging at engage_date, Won/Lost at close_date.
- 1,425 deals have no account; 5 agents in sales_teams have no deals (they are imported as reps).
"""

from collections.abc import Mapping

from funnelwise.io.presets import Preset, funnel_text, register
from funnelwise.io.sources import RawFile, quote
from funnelwise.io.spec import DEFAULT, TableSpec

STATUS = {"Won": "won", "Lost": "lost", DEFAULT: "open"}


def _squash(sql: str) -> str:
    return f"replace(lower({sql}), ' ', '')"


def _amount(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    """close_value, or the list price where it is missing or 0; any other value (text, a
    negative number) is left for validation to refuse."""
    header = raw.find("close_value")
    if header is None:
        return "NULL"
    value = f"NULLIF(trim(src.{quote(header)}), '')"
    products = others["products"].table
    price = (f"(SELECT p.sales_price FROM {products} AS p "
             f"WHERE {_squash('p.product')} = {_squash('src.product')})")
    return (f"CASE WHEN {value} IS NULL OR TRY_CAST({value} AS DOUBLE) = 0 THEN {price} "
            f"ELSE {value} END")


def _product(raw: RawFile, others: Mapping[str, RawFile]) -> str:
    products = others["products"].table
    return (f"coalesce((SELECT p.product FROM {products} AS p "
            f"WHERE {_squash('p.product')} = {_squash('src.product')}), src.product)")


PIPELINE = "sales_pipeline.csv"

MAVEN = register(Preset(
    name="maven",
    description="Maven Analytics CRM sample (sales_pipeline, sales_teams, accounts, products)",
    funnel=funnel_text("maven_funnel.toml"),
    lookups=("products.csv",),
    file_hint="expected sales_pipeline.csv, sales_teams.csv, accounts.csv, products.csv",
    specs=(
        TableSpec("reps", "sales_teams.csv", columns={
            "rep_id": ("sales_agent",), "name": ("sales_agent",), "manager": ("manager",),
            "team": ("manager",), "region": ("regional_office",)}),
        TableSpec("accounts", "accounts.csv", optional=True, columns={
            "account_id": ("account",), "name": ("account",), "industry": ("sector",),
            "region": ("office_location",)}),
        TableSpec("opportunities", PIPELINE, columns={
            "opportunity_id": ("opportunity_id",), "owner_rep_id": ("sales_agent",),
            "account_id": ("account",), "created_at": ("engage_date",),
            "stage": ("deal_stage",), "status": ("deal_stage",), "closed_at": ("close_date",)},
            expressions={"amount": _amount, "product": _product},
            values={"status": STATUS}),
        TableSpec("stage_history", PIPELINE, where="NULLIF(engage_date, '') IS NOT NULL",
                  columns={"opportunity_id": ("opportunity_id",),
                           "entered_at": ("engage_date",)},
                  expressions={"stage": "'Engaging'"}),
        TableSpec("stage_history", PIPELINE, where="NULLIF(close_date, '') IS NOT NULL",
                  columns={"opportunity_id": ("opportunity_id",), "stage": ("deal_stage",),
                           "entered_at": ("close_date",)}),
    ),
))
