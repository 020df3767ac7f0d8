"""write_org writes every table as CSV or Parquet plus truth.json, readable back by DuckDB."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from funnelwise.errors import UserError
from funnelwise.simulate import SimConfig, SimulatedOrg, simulate_org, write_org

NAMES = ["reps", "accounts", "leads", "opportunities", "stage_history", "activities",
         "outcomes", "quotas", "close_date_history", "forecast_calls"]


@pytest.fixture(scope="module")
def org() -> SimulatedOrg:
    return simulate_org(SimConfig(reps=6, weeks=12, seed=4))


def read_back(path: Path, fmt: str) -> tuple[int, list[str]]:
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    with duckdb.connect() as con:
        columns = [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {reader}('{path}')")
                   .fetchall()]
        rows = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchall()[0][0]
    return int(rows), columns


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip(org: SimulatedOrg, tmp_path: Path, fmt: str) -> None:
    seen: list[tuple[str, int]] = []
    counts = write_org(org, tmp_path, fmt=fmt, on_table=lambda n, r: seen.append((n, r)))
    assert list(counts) == NAMES
    assert seen == [(n, org.tables[n].num_rows) for n in NAMES]
    for name in NAMES:
        rows, columns = read_back(tmp_path / f"{name}.{fmt}", fmt)
        assert rows == counts[name] == org.tables[name].num_rows, name
        assert columns == org.tables[name].schema.names
    assert json.loads((tmp_path / "truth.json").read_text()) == org.truth


def test_csv_text_format(org: SimulatedOrg, tmp_path: Path) -> None:
    write_org(org, tmp_path)
    lines = (tmp_path / "opportunities.csv").read_text().splitlines()
    assert lines[0] == ",".join(org.tables["opportunities"].schema.names)
    stamp, day = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r"\d{4}-\d\d-\d\d"
    open_row = next(line for line in lines[1:] if ",open," in line)
    won_row = next(line for line in lines[1:] if ",won," in line)
    assert re.fullmatch(rf"OP\d+,R\d+,AC\d+,L\d+,\w+,[\w ]+,{stamp},[\w ]+,[\d.]+,{day},open,,"
                        r"(pipeline|best_case|commit)", open_row)
    assert re.search(rf",won,{stamp},closed$", won_row)
    quota = (tmp_path / "quotas.csv").read_text().splitlines()[1]
    assert re.fullmatch(rf"R\d+,{day},{day},\d+\.?\d*", quota)
    with duckdb.connect() as con:
        nulls = con.execute(f"SELECT count(*) FROM read_csv('{tmp_path / 'activities.csv'}') "
                            "WHERE opportunity_id IS NULL").fetchall()
    expected = org.tables["activities"].column("opportunity_id").null_count
    assert nulls == [(expected,)] and expected > 0


def test_unknown_format_is_a_user_error(org: SimulatedOrg, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="xlsx"):
        write_org(org, tmp_path, fmt="xlsx")
