"""Every class of bad input in docs/importing.md's table, on files derived in the test from the
simulator's canonical export and from the real Maven export: the exit code, the file, row,
column and value in the message, and a workspace left exactly as it was."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.schema import default_funnel
from tests.conftest import MAVEN, SHARED, needs, raw_sql
from tests.io.state import fingerprint

runner = CliRunner()
OLIST = SHARED / "olist-marketing-funnel"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated org as canonical CSV (4 reps, 12 weeks)."""
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    folder = tmp_path_factory.mktemp("org")
    write_org(simulate_org(SimConfig(reps=4, weeks=12, seed=3)), folder)
    (folder / "truth.json").unlink()
    return folder


@pytest.fixture
def ws(org: Path, tmp_path: Path) -> Path:
    """A workspace holding the org, to import bad variants into."""
    path = tmp_path / "ws.duckdb"
    done = runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(path), str(org)])
    assert done.exit_code == 0, done.output
    return path


def variant(org: Path, tmp_path: Path, name: str, edit: Callable[[bytes], bytes]) -> Path:
    """A copy of `org` with one file's bytes edited."""
    folder = tmp_path / "variant"
    shutil.copytree(org, folder)
    path = folder / name
    path.write_bytes(edit(path.read_bytes()))
    return folder


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def set_cell(org: Path, tmp_path: Path, name: str, row: int, column: str, value: str) -> Path:
    """A copy of `org` where data row `row` (1-based) of `name` has `value` in `column`."""
    folder = variant(org, tmp_path, name, lambda b: b)
    rows = rows_of(folder / name)
    rows[row - 1][column] = value
    write_rows(folder / name, rows)
    return folder


def imported(ws: Path, folder: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(ws), *args,
                                 str(folder)])
    return result.exit_code, " ".join(result.output.split())


def refused(ws: Path, folder: Path, *says: str, args: tuple[str, ...] = ()) -> str:
    """Import `folder`: exit 2, every text of `says` in the message, the workspace unchanged."""
    before = fingerprint(ws)
    code, text = imported(ws, folder, *args)
    assert code == 2, text
    for said in says:
        assert said in text, text
    assert fingerprint(ws) == before
    return text


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(("value", "says"), [
    ("NaN", "'NaN' is not a finite number"),
    ("inf", "'inf' is not a finite number"),
    ("1e309", "'1e309' is not a finite number"),
    ("2e15", "'2e15' is beyond 1e+15, not a plausible amount"),
    ("-5", "'-5' is negative"),
    ("12k", "'12k' is not a number"),
])
def test_an_amount_that_is_no_plausible_number_is_refused(org, ws, tmp_path, value, says):
    folder = set_cell(org, tmp_path, "opportunities.csv", 7, "amount", value)
    refused(ws, folder, f"opportunities.csv row 7, column amount: {says}")


@needs(MAVEN)
@pytest.mark.parametrize(("value", "says"), [
    ("-1", "'-1' is negative"), ("abc", "'abc' is not a number"),
    ("$1234", "'$1234' is not a number"), ("1,234.50", "'1,234.50' is not a number"),
])
def test_maven_close_value_falls_back_to_list_price_only_when_missing_or_0(
        tmp_path, value, says):
    folder = tmp_path / "maven"
    shutil.copytree(MAVEN, folder)
    rows = rows_of(folder / "sales_pipeline.csv")
    won = next(i for i, r in enumerate(rows, 1) if r["deal_stage"] == "Won")
    rows[won - 1]["close_value"] = value
    write_rows(folder / "sales_pipeline.csv", rows)
    path = tmp_path / "m.duckdb"
    assert runner.invoke(app, ["import", "--no-accuracy", "--workspace", str(path),
                               "--preset", "maven", str(MAVEN)]).exit_code == 0
    refused(path, folder, f"sales_pipeline.csv row {won}, column amount: {says}",
            args=("--preset", "maven"))


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("value", ["0000-01-01", "2150-03-01", "1899-12-31"])
def test_a_date_outside_the_years_is_refused(org, ws, tmp_path, value):
    folder = set_cell(org, tmp_path, "opportunities.csv", 4, "created_at", value)
    refused(ws, folder, f"opportunities.csv row 4, column created_at: '{value}' is outside "
                        "the years 1900-2100", "--years FROM-TO")


def test_the_years_are_a_setting(org, ws, tmp_path):
    folder = set_cell(org, tmp_path, "opportunities.csv", 4, "expected_close_date",
                      "2150-03-01")
    assert imported(ws, folder, "--years", "1900-2200")[0] == 0


def test_a_timestamp_with_an_offset_is_stored_in_utc(org, ws, tmp_path):
    folder = set_cell(org, tmp_path, "activities.csv", 1, "occurred_at",
                      "2025-07-01T09:30:00+02:00")
    assert imported(ws, folder)[0] == 0
    first = rows_of(org / "activities.csv")[0]["activity_id"]
    with duckdb.connect(str(ws), read_only=True) as con:
        stored = con.execute("SELECT CAST(occurred_at AS VARCHAR) FROM activities "
                             "WHERE activity_id = ?", [first]).fetchall()[0][0]
    assert stored == "2025-07-01 07:30:00"


# ---------------------------------------------------------------- contradictions


def closed_row(org: Path, status: str) -> int:
    return next(i for i, r in enumerate(rows_of(org / "opportunities.csv"), 1)
                if r["status"] == status)


def test_a_deal_closed_before_it_was_created_is_refused_unless_accepted(org, ws, tmp_path):
    row = closed_row(org, "won")
    folder = set_cell(org, tmp_path, "opportunities.csv", row, "closed_at", "2020-01-01")
    refused(ws, folder, f"opportunities.csv row {row}, column closed_at: '2020-01-01' is "
                        "before the deal's created_at", "--accept closed-before-created")
    code, text = imported(ws, folder, "--accept", "closed-before-created")
    assert code == 0, text
    assert "warning: opportunities.csv row" not in text
    assert "column closed_at: is before the deal's created_at (accepted" in text


def test_won_without_closed_at_and_open_with_closed_at_are_refused(org, ws, tmp_path):
    won = closed_row(org, "won")
    opened = closed_row(org, "open")
    folder = set_cell(org, tmp_path, "opportunities.csv", won, "closed_at", "")
    rows = rows_of(folder / "opportunities.csv")
    rows[opened - 1]["closed_at"] = "2025-08-01"
    write_rows(folder / "opportunities.csv", rows)
    text = refused(ws, folder, "2 problem(s) found")
    assert f"opportunities.csv row {won}, column closed_at: is empty but the deal is won" in text
    assert (f"opportunities.csv row {opened}, column closed_at: '2025-08-01' is set but the "
            "deal is open") in text


def test_a_lost_deal_without_closed_at_is_a_warning(org, ws, tmp_path):
    row = closed_row(org, "lost")
    folder = set_cell(org, tmp_path, "opportunities.csv", row, "closed_at", "")
    code, text = imported(ws, folder)
    assert code == 0
    assert ("warning: opportunities.csv, column closed_at: is empty but the deal is lost: it "
            "counts in no date window") in text


def test_a_quota_ending_before_it_starts_is_refused(org, ws, tmp_path):
    folder = set_cell(org, tmp_path, "quotas.csv", 3, "period_end", "2025-01-01")
    refused(ws, folder, "quotas.csv row 3, column period_end: '2025-01-01' is before "
                        "period_start")


# ---------------------------------------------------------------- the file itself


def test_a_repeated_header_is_refused(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv",
                     lambda b: b.replace(b"rep_id,name", b"rep_id,rep_id", 1))
    refused(ws, folder, "reps.csv, column rep_id: the header repeats this name (columns 1 "
                        "and 2)")


def test_nul_bytes_are_refused_with_the_row(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv", lambda b: b.replace(b"R002", b"R0\x0002", 1))
    refused(ws, folder, "reps.csv row 2: holds NUL bytes", "first in data row(s) 2")


def test_an_unclosed_quote_is_refused_with_the_row(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv", lambda b: b.replace(b"\nR002", b'\n"R002', 1))
    refused(ws, folder, "reps.csv row 2", "has a quote that is not closed")


def test_stray_bytes_in_a_utf8_file_are_refused_never_read_as_latin1(org, ws, tmp_path):
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[1] = lines[1].replace(b",", b",Soci\xc3\xa9t\xc3\xa9 ", 1)  # valid UTF-8
        lines[3] = lines[3].replace(b",", b",Caf\xe9 ", 1)  # one Latin-1 byte
        return b"\n".join(lines)

    folder = variant(org, tmp_path, "reps.csv", edit)
    refused(ws, folder, "reps.csv row 3", "the line holds bytes that are not UTF-8",
            "the file is UTF-8 except at these rows")


def test_a_latin1_file_is_read_as_latin1_and_said(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv",
                     lambda b: b.replace(b"\nR002,", b"\nR002,Ren\xe9e ", 1))
    code, text = imported(ws, folder)
    assert code == 0, text
    assert "note: reps.csv is not UTF-8 but Latin-1 throughout" in text


def test_a_cut_last_line_is_refused(org, ws, tmp_path):
    folder = variant(org, tmp_path, "quotas.csv", lambda b: b.rstrip(b"\n").rsplit(b",", 1)[0])
    last = len(rows_of(org / "quotas.csv"))
    refused(ws, folder, f"quotas.csv row {last}", "the line has fewer fields than the header "
                        "(3 of 4)", "export the file again if it was cut")


def test_a_file_without_a_final_line_break_is_reported(org, ws, tmp_path):
    folder = variant(org, tmp_path, "quotas.csv", lambda b: b.rstrip(b"\n")[:-4])
    code, text = imported(ws, folder)
    assert code == 0, text
    last = (folder / "quotas.csv").read_text().splitlines()[-1]
    assert f"note: quotas.csv does not end with a line break, so its last line may have been " \
           f"cut: check '{last}' is whole" in text


def test_mixed_line_endings_are_refused_and_named(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv",
                     lambda b: b.replace(b"\n", b"\r\n", 2))
    refused(ws, folder, "reps.csv: mixes line endings (2 lines end in CRLF, 3 in LF alone)")


def test_utf16_is_read_and_said(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv", lambda b: b.decode().encode("utf-16"))
    code, text = imported(ws, folder)
    assert code == 0, text
    assert "note: reps.csv is UTF-16 text" in text


def test_trailing_empty_header_columns_are_said_and_ignored(org, ws, tmp_path):
    folder = variant(org, tmp_path, "reps.csv",
                     lambda b: b"\n".join(line + b",," if line else line
                                          for line in b.split(b"\n")))
    before = fingerprint(ws)["reps"]
    code, text = imported(ws, folder)
    assert code == 0, text
    assert "note: reps.csv has 2 empty column name(s) at the end of the header" in text
    assert fingerprint(ws)["reps"] == before


def test_a_header_only_file_is_said(org, ws, tmp_path):
    folder = variant(org, tmp_path, "outcomes.csv", lambda b: b.split(b"\n")[0] + b"\n")
    code, text = imported(ws, folder)
    assert code == 0, text
    assert "note: outcomes.csv has a header and no data rows" in text


# ---------------------------------------------------------------- headers and columns


def test_a_misspelled_header_gets_did_you_mean_and_changes_nothing(org, ws, tmp_path):
    folder = variant(org, tmp_path, "opportunities.csv",
                     lambda b: b.replace(b",amount,", b",amout,", 1))
    refused(ws, folder, "opportunities.csv, column amout: is not a column of opportunities "
                        "(did you mean 'amount'?)")


def test_a_reimport_without_a_column_keeps_its_stored_values(org, ws, tmp_path):
    """The upsert writes the columns a file carries: a file without amount blanks nothing."""
    folder = tmp_path / "no_amount"
    folder.mkdir()
    rows = rows_of(org / "opportunities.csv")
    write_rows(folder / "opportunities.csv",
               [{k: v for k, v in r.items() if k != "amount"} | {"stage": r["stage"]}
                for r in rows])
    before = fingerprint(ws)["opportunities"]
    code, text = imported(ws, folder)
    assert code == 0, text
    assert fingerprint(ws)["opportunities"] == before
    (total,) = raw_sql(f"SELECT sum(amount) FROM read_csv('{org / 'opportunities.csv'}')")[0]
    with duckdb.connect(str(ws), read_only=True) as con:
        assert con.execute("SELECT sum(amount) FROM opportunities").fetchall()[0][0] == (
            pytest.approx(total))


def test_a_folder_without_reps_or_opportunities_is_refused(org, tmp_path):
    folder = tmp_path / "activities_only"
    folder.mkdir()
    shutil.copy(org / "activities.csv", folder)
    path = tmp_path / "new.duckdb"
    code, text = imported(path, folder)
    assert code == 2
    assert "reps.csv: is missing" in text and "opportunities.csv: is missing" in text
    assert fingerprint(path)["activities"][0] == 0


def test_a_table_the_workspace_holds_need_not_come_again(org, ws, tmp_path):
    folder = tmp_path / "activities_only"
    folder.mkdir()
    shutil.copy(org / "activities.csv", folder)
    assert imported(ws, folder)[0] == 0


# ---------------------------------------------------------------- keys


def test_a_key_repeated_far_into_a_file_in_key_order_is_refused(org, ws, tmp_path):
    """The simulator's activities come in key order, which the import checks in one pass
    (its first rows decide whether to): a repeat past those rows is still found."""
    folder = variant(org, tmp_path, "activities.csv", lambda b: b)
    rows = rows_of(folder / "activities.csv")
    assert [r["activity_id"] for r in rows] == sorted(r["activity_id"] for r in rows)
    again = {**rows[2999], "output": "replied" if rows[2999]["output"] != "replied" else "opened"}
    write_rows(folder / "activities.csv", [*rows[:3000], again, *rows[3000:]])
    refused(ws, folder, f"activities.csv row 3001, column activity_id: "
                        f"'{rows[2999]['activity_id']}' repeats the key of activities.csv "
                        "row 3000 with other values")


def test_an_exact_repeat_far_from_its_row_is_collapsed(org, ws, tmp_path):
    folder = variant(org, tmp_path, "activities.csv", lambda b: b)
    rows = rows_of(folder / "activities.csv")
    write_rows(folder / "activities.csv", [*rows, rows[1999]])
    code, text = imported(ws, folder)
    assert code == 0, text
    with duckdb.connect(str(ws), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM activities").fetchall() == [(len(rows),)]


# ---------------------------------------------------------------- one entry per kind


def olist_folder(tmp_path: Path) -> Path:
    """The real Olist closed deals as a canonical folder whose won deals carry stage 'won'."""
    folder = tmp_path / "olist"
    folder.mkdir()
    deals = OLIST / "olist_closed_deals_dataset.csv"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT mql_id AS opportunity_id, sr_id AS owner_rep_id, "
                    f"won_date AS closed_at, 'won' AS stage, 'won' AS status "
                    f"FROM read_csv('{deals}', all_varchar=true)) "
                    f"TO '{folder / 'opportunities.csv'}' (HEADER)")
        con.execute(f"COPY (SELECT DISTINCT sr_id AS rep_id FROM read_csv('{deals}')) "
                    f"TO '{folder / 'reps.csv'}' (HEADER)")
    return folder


@needs(OLIST)
def test_many_rows_with_one_problem_are_one_entry(tmp_path):
    """With the default funnel given, 'won' is not one of its stages: one entry, counted."""
    folder = olist_folder(tmp_path)
    (n,) = raw_sql(f"SELECT count(*) FROM read_csv('{OLIST / 'olist_closed_deals_dataset.csv'}')"
                   )[0]
    funnel = tmp_path / "funnel.toml"
    funnel.write_text(default_funnel().source)
    code, text = imported(tmp_path / "w.duckdb", folder, "--funnel", str(funnel))
    assert code == 2 and n == 842
    assert (f"1 problem(s) found; nothing was imported: 1. {n} rows of opportunities.csv, "
            "column stage (rows 1, 2, 3, 4, 5, ...): 'won' is not a stage of the funnel "
            "(known: Qualified, Proposal, Negotiation, Closed Won, Closed Lost; to use your own "
            "stages, write the funnel with `funnelwise export --funnel FILE`") in text


@needs(OLIST)
def test_closed_deals_with_stage_won_import_without_a_funnel(tmp_path):
    folder = olist_folder(tmp_path)
    path = tmp_path / "w.duckdb"
    code, text = imported(path, folder)
    assert code == 0, text
    assert "funnel inferred from your data: closed stage names taken from the data: won" in text
    got = {r["key"]: r["won"] for r in json.loads(runner.invoke(app, [
        "winrates", "--workspace", str(path), "--by", "rep", "--format", "json"]).stdout)}
    expected = dict(raw_sql(f"SELECT sr_id, count(*) FROM read_csv('"
                            f"{OLIST / 'olist_closed_deals_dataset.csv'}') GROUP BY 1"))
    assert got == expected


def test_unknown_references_are_counted_warnings(org, ws, tmp_path):
    folder = tmp_path / "refs"
    folder.mkdir()
    rows = rows_of(org / "activities.csv")[:10]
    for r in rows[:3]:
        r["rep_id"] = "R999"
    write_rows(folder / "activities.csv", rows)
    code, text = imported(ws, folder)
    assert code == 0, text
    assert ("warning: activities, column rep_id: names 1 rep_id value(s) not in reps "
            "(e.g. 'R999'), on 3 rows") in text


def test_skip_invalid_into_a_missing_folder_is_a_clear_error(org, ws, tmp_path):
    folder = set_cell(org, tmp_path, "opportunities.csv", 2, "amount", "x")
    refused(ws, folder, "--skip-invalid", "does not exist",
            args=("--skip-invalid", str(tmp_path / "nowhere" / "rejects.csv")))
