"""Mapping files never run SQL as written: fragments are checked, re-rendered, and lookups are
SQL funnelwise writes itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.errors import FunnelwiseError, UserError, ValidationError
from funnelwise.io.importer import run_import
from funnelwise.io.mapping import load_mapping, parse_mapping
from funnelwise.io.sql_fragment import FUNCTIONS, check_fragment, referenced_columns
from funnelwise.io.workspace import Workspace
from tests.conftest import TINY
from tests.io.state import fingerprint

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "sparklesquad"
ENTRY = "m.toml [[tables]] #1 (opportunities)"


def check(text: str, key: str = "where") -> str:
    return check_fragment(text, where=ENTRY, key=key).sql


@pytest.mark.parametrize(("text", "rendered"), [
    ('coalesce("Amount", "Value")', 'COALESCE("Amount", "Value")'),
    ("Stage IN ('Won', 'Lost') AND NOT \"Amount\" IS NULL",
     "\"Stage\" IN ('Won', 'Lost') AND NOT \"Amount\" IS NULL"),
    ('"Amount" IS NOT NULL -- a comment', 'NOT "Amount" IS NULL'),
    ("\"Name\" || ' (' || upper(\"Region\") || ')'",
     "\"Name\" || ' (' || UPPER(\"Region\") || ')'"),
    ("\"Stage\" NOT ILIKE 'closed%' OR \"Prob\" BETWEEN 0 AND 1",
     "\"Stage\" NOT ILIKE 'closed%' OR \"Prob\" BETWEEN 0 AND 1"),
    ("CASE WHEN TRY_CAST(\"V\" AS DOUBLE) > 0 THEN \"V\" ELSE NULL END",
     "CASE WHEN TRY_CAST(\"V\" AS DOUBLE) > 0 THEN \"V\" ELSE NULL END"),
    ('"V"::DECIMAL(10, 2) * 1.5 - -1', 'CAST("V" AS DECIMAL(10, 2)) * 1.5 - -1'),
    ("strftime(try_strptime(\"D\", '%d/%m/%Y'), '%Y-%m-%d')",
     "STRFTIME(TRY_STRPTIME(\"D\", '%d/%m/%Y'), '%Y-%m-%d')"),
    ("ifnull(\"A\", 'it''s; fine')", "COALESCE(\"A\", 'it''s; fine')"),
    ('"current_date"', '"current_date"'),
    ("lookup('list_price', \"Product\")", "LOOKUP('list_price', \"Product\")"),
])
def test_accepted_fragments_run_as_rendered_from_the_tree(text, rendered):
    assert check(text) == rendered


def test_every_listed_function_is_accepted_and_parses_to_its_listed_node():
    special = {"date_trunc": "date_trunc('month', \"D\")", "lookup": "lookup('p', \"A\")"}
    arity = {"coalesce": 2, "ifnull": 2, "nullif": 2, "if": 3, "replace": 3, "substring": 3,
             "substr": 3, "left": 2, "right": 2, "concat": 2, "split_part": 3,
             "starts_with": 2, "ends_with": 2, "contains": 2, "regexp_replace": 3,
             "regexp_matches": 2, "round": 2, "greatest": 2, "least": 2, "strptime": 2,
             "try_strptime": 2, "strftime": 2}
    for name, node in FUNCTIONS.items():
        args = ", ".join(['"A"'] + ["'x'"] * (arity.get(name, 1) - 1))
        text = special.get(name, f"{name}({args})")
        assert type(check_fragment(text, where=ENTRY, key=name).tree) is node, name


def test_referenced_columns_name_the_source_headers_in_order_not_lookup_names():
    sql = "coalesce(\"Amount\", lookup('list_price', \"Product\"), \"Amount\" * \"Rate\")"
    assert referenced_columns(sql) == ("Amount", "Product", "Rate")
    assert check_fragment(sql, where=ENTRY, key="k").lookups == ("list_price",)


@pytest.mark.parametrize(("text", "piece", "reason"), [
    ("1=1; DROP TABLE reps", "'DROP TABLE reps' follows it", "';' is not allowed"),
    ("coalesce(\"a\"; \"b\")", "';' is not allowed", "one SQL expression"),
    ('"a" = 1;', "';' is not allowed", "Remove the ';'"),
    ('"a" = (SELECT max(x) FROM reps)', "'(SELECT MAX(x) FROM reps)'", "cannot run queries"),
    ('"a" IN (SELECT rep_id FROM reps)', "IN (SELECT rep_id FROM reps)", "literal values"),
    ("'x' UNION SELECT name FROM reps", "UNION SELECT name FROM reps", "cannot run queries"),
    ("read_text('/etc/passwd')", "READ_TEXT('/etc/passwd')", "read_text reads files"),
    ("upper(read_csv('/tmp/x.csv'))", "READ_CSV('/tmp/x.csv')", "read_csv reads files"),
    ("read_parquet('x.parquet') IS NULL", "READ_PARQUET('x.parquet')", "read_parquet reads"),
    ("glob('/home/*')", "GLOB('/home/*')", "glob reads files"),
    ("getvariable('secret')", "GETVARIABLE('secret')", "getvariable reads"),
    ("lowr(\"a\")", "LOWR(\"a\")", "did you mean 'lower'?"),
    ("now()", "NOW()", "not among the functions a mapping may call"),
    ("*", "'*'", "instead of *"),
    ("count(*)", "COUNT(*)", "count is an aggregate function"),
    ('sum("a") > 0', 'SUM("a")', "sum is an aggregate function"),
    ("row_number() OVER ()", "ROW_NUMBER() OVER ()", "window function"),
    ('sum("a") OVER (PARTITION BY "b")', "OVER (PARTITION BY", "window function"),
    ("DROP TABLE reps", "DROP TABLE reps", "not a statement"),
    ("CREATE TABLE x (a INT)", "CREATE TABLE x", "not a statement"),
    ("INSERT INTO reps VALUES (1)", "INSERT INTO reps", "not a statement"),
    ("ATTACH 'other.duckdb'", "ATTACH 'other.duckdb'", "not a statement"),
    ('reps."name"', 'reps."name"', "source header alone"),
    ("$1", "'$1'", "parameters or variables"),
    ("CAST(\"a\" AS INT[])", "INT[]", "a CAST may only convert"),
    ("lookup(\"a\", \"b\")", "LOOKUP(\"a\", \"b\")", "lookup's name in single quotes"),
    ("", "''", "not one SQL expression"),
])
def test_refused_fragments_name_the_entry_key_and_piece(text, piece, reason):
    with pytest.raises(UserError) as info:
        check(text, key="expressions.amount")
    message = str(info.value)
    assert message.startswith(f"{ENTRY}, expressions.amount: ")
    assert piece in message and reason in message


def mapping(body: str, tmp_path: Path) -> str:
    path = tmp_path / "m.toml"
    path.write_text(body)
    return str(path)


def parse(body: str):
    return parse_mapping(body, where="m.toml", base=Path("."))


OPPS = '''
[[tables]]
table = "opportunities"
file = "deals.csv"
[tables.columns]
opportunity_id = "Id"
'''


def opps(keys: str) -> str:
    """The opportunities entry with more keys of its own (before its [tables.columns])."""
    return OPPS.replace("[tables.columns]", keys + "[tables.columns]")

LOOKUP = '''
[[lookups]]
name = "list_price"
file = "Products.CSV"
key = "Product"
value = "Sales_Price"
'''


def test_mapping_checks_every_where_and_expression_when_read():
    with pytest.raises(UserError, match=r"m.toml \[\[tables\]\] #1 \(opportunities\), where: "
                                        r"';' is not allowed"):
        parse(opps('where = "1=1; DROP TABLE reps"\n'))
    with pytest.raises(UserError, match=r"expressions.amount: \"READ_TEXT\('/etc/passwd'\)\""):
        parse(OPPS + "[tables.expressions]\namount = \"read_text('/etc/passwd')\"\n")
    preset = parse(opps("where = \"\\\"Stage\\\" <> 'x' -- open ones\"\n")
                   + "[tables.expressions]\namount = 'coalesce(\"A\", \"B\")'\n")
    assert preset.specs[0].where == "\"Stage\" <> 'x'"
    assert preset.specs[0].expressions["amount"] == 'COALESCE("A", "B")'


@pytest.mark.parametrize(("body", "message"), [
    (OPPS + "[tables.expressions]\namount = \"lookup('list_prise', \\\"Product\\\")\"\n" + LOOKUP,
     "unknown lookup in m.toml [[tables]] #1 (opportunities), expressions.amount"),
    (OPPS + "[tables.expressions]\namount = \"lookup('list_prise', \\\"Product\\\")\"\n" + LOOKUP,
     "did you mean 'list_price'?"),
    (opps("where = \"lookup('list_price', \\\"Product\\\") > 0\"\n") + LOOKUP,
     "where: lookup() works in [tables.expressions] only"),
    (OPPS + "[tables.expressions]\namount = 5\n", "expressions.amount: expected text in quotes"),
    (opps("date_format = 5\n"), "(opportunities), date_format: expected text in quotes, got 5"),
    (OPPS + LOOKUP.replace('value = "Sales_Price"\n', ""), "[[lookups]] #1: missing value"),
    (OPPS + LOOKUP + 'match = "fuzzy"\n', "unknown match in m.toml [[lookups]] #1 'fuzzy'"),
    (OPPS + LOOKUP + LOOKUP, "a lookup named 'list_price' is declared twice"),
    (OPPS + LOOKUP.replace("[[lookups]]", "[[lookup]]"), "did you mean 'lookups'?"),
])
def test_mapping_errors_name_the_file_entry_and_key(body, message):
    with pytest.raises(UserError) as info:
        parse(body)
    assert message in str(info.value)


def test_a_declared_lookup_file_must_be_imported():
    preset = parse(OPPS + LOOKUP)
    assert preset.lookups == ("products.csv",)


# Through the command line: a refused mapping exits 2 and leaves the workspace as it was.

def reps(keys: str = "", after: str = "") -> str:
    """A reps entry over tiny's reps.csv, with more keys of its own and sub-tables after."""
    return (f'[[tables]]\ntable = "reps"\nfile = "reps.csv"\n{keys}'
            f'[tables.columns]\nrep_id = "rep_id"\nname = "name"\n{after}')


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    result = runner.invoke(app, ["import", "--workspace", str(path), str(TINY)])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize(("body", "key"), [
    (reps(keys='where = "1=1; DROP TABLE reps"\n'), "where"),
    (reps(keys="where = \"rep_id <> 'x'\"\n",
          after="[tables.expressions]\nname = \"read_text('/etc/passwd')\"\n"),
     "expressions.name"),
])
def test_cli_refuses_a_mapping_with_unsafe_sql_and_changes_nothing(ws_path, tmp_path, body, key):
    before = fingerprint(ws_path)
    path = mapping(body, tmp_path)
    result = runner.invoke(app, ["import", "--workspace", str(ws_path), "--mapping", path,
                                 str(TINY)])
    assert result.exit_code == 2, result.output
    assert path in result.stderr and f"#1 (reps), {key}: " in result.stderr
    assert fingerprint(ws_path) == before
    with Workspace(ws_path) as ws:
        assert ws.counts()["reps"] == before["reps"][0] > 0


def test_a_bad_mapping_fails_before_any_file_is_read(tmp_path):
    path = mapping(reps(keys="where = \"read_text('/etc/passwd') <> ''\"\n"), tmp_path)
    result = runner.invoke(app, ["import", "--workspace", str(tmp_path / "ws.duckdb"),
                                 "--mapping", path, str(tmp_path / "no-such-folder")])
    assert result.exit_code == 2
    assert "where: \"READ_TEXT('/etc/passwd')\" is not allowed" in result.stderr
    assert "no such file" not in result.stderr


# The sparklesquad example's amount rule and lookups, on files small enough to check by hand.

PIPELINE = """\
Account,Opportunity_ID,Sales_Agent,Deal_Stage,Product,Close_Date,Close_Value,Created_On
Acme,W1,Ana,Won,GTXPro,2017-05-06,500.0,2017-04-24
Acme,W2,Ana,Won,GTX Pro,2017-05-08,,2017-04-24
,L1,Ana,Lost,gtxbasic,2017-05-09,0.0,2017-04-25
,O1,Ana,In_Progress,MGRPFU,,,2017-06-15
,O2,Ana,In_Progress,Unknown,,,2017-06-16
"""
PRODUCTS = "Product,Sales_Price\nGTXPro,4821.0\nGTXBasic,550.0\nMGRPFU,4000.0\n"


def sparkle_files(folder: Path, pipeline: str = PIPELINE, products: str | None = PRODUCTS) -> Path:
    folder.mkdir()
    (folder / "sales-pipeline.csv").write_text(pipeline)
    (folder / "sales-teams.csv").write_text("Sales_Agent,Manager,Regional_Office\nAna,Mia,West\n")
    (folder / "accounts.csv").write_text("Account,Revenue\nAcme,1\n")
    if products is not None:
        (folder / "products.csv").write_text(products)
    return folder


def amounts(tmp_path: Path, data: Path, mapping_path: Path = EXAMPLE / "mapping.toml"):
    with Workspace(tmp_path / "ws.duckdb") as ws:
        run_import(ws, [data], load_mapping(mapping_path))
        return dict(ws.con.execute("SELECT opportunity_id, amount FROM opportunities").fetchall())


def test_example_prices_missing_or_zero_close_values_at_list_price(tmp_path):
    got = amounts(tmp_path, sparkle_files(tmp_path / "data"))
    assert got == {"W1": 500.0, "W2": 4821.0, "L1": 550.0, "O1": 4000.0, "O2": None}


def test_example_keeps_a_close_value_that_is_not_a_number_so_validation_refuses_it(tmp_path):
    bad = PIPELINE + "Acme,W3,Ana,Won,GTXPro,2017-05-06,12k,2017-04-24\n" \
                     "Acme,W4,Ana,Won,GTXPro,2017-05-06,-5,2017-04-24\n"
    with pytest.raises(ValidationError) as info:
        amounts(tmp_path, sparkle_files(tmp_path / "data", pipeline=bad))
    found = [(p.row, p.column, p.value) for p in info.value.problems]
    assert found == [(6, "amount", "12k"), (7, "amount", "-5")]


def test_a_key_repeated_with_the_same_value_is_harmless(tmp_path):
    data = sparkle_files(tmp_path / "data", products=PRODUCTS + "gtx pro,4821.0\n")
    assert amounts(tmp_path, data)["W2"] == 4821.0


def test_a_key_repeated_with_different_values_stops_the_import(tmp_path):
    data = sparkle_files(tmp_path / "data", products=PRODUCTS + "GTX Pro,5000.0\n")
    with pytest.raises((FunnelwiseError, duckdb.Error),
                       match=r"products\.csv has different Sales_Price values for Product"):
        amounts(tmp_path, data)


def test_a_lookup_file_not_given_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match=r"needs a file matching 'products\.csv'"):
        amounts(tmp_path, sparkle_files(tmp_path / "data", products=None))


def test_a_header_missing_from_the_lookup_file_is_a_user_error(tmp_path):
    text = (EXAMPLE / "mapping.toml").read_text().replace('value = "Sales_Price"',
                                                          'value = "Price"')
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    shutil.copy(EXAMPLE / "funnel.toml", tmp_path / "funnel.toml")
    with pytest.raises(UserError) as info:
        amounts(tmp_path, sparkle_files(tmp_path / "data"), mapping_path=path)
    message = str(info.value)
    assert f"{path} [[lookups]] #1 (list_price): products.csv has no header 'Price'" in message
    assert "did you mean 'Sales_Price'?" in message


def test_exact_lookups_compare_keys_as_written(tmp_path):
    text = (EXAMPLE / "mapping.toml").read_text().replace('match = "ignore_case_and_spaces"',
                                                          'match = "exact"')
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    shutil.copy(EXAMPLE / "funnel.toml", tmp_path / "funnel.toml")
    got = amounts(tmp_path, sparkle_files(tmp_path / "data"), mapping_path=path)
    assert got == {"W1": 500.0, "W2": None, "L1": None, "O1": 4000.0, "O2": None}
