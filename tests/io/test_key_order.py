"""The import's proof that no key repeats when a staged table's keys come in ascending order
(`staging.ascending`), against a plain count of distinct keys over many random tables: it may
say no for unique keys out of order (the keys are then counted), never yes for a repeat."""

from __future__ import annotations

import random

import duckdb
import pytest

from funnelwise.io.staging import SORTED_SAMPLE, ascending


def table(con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, int | None]]) -> None:
    con.execute("CREATE OR REPLACE TABLE t (a VARCHAR, b INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)


def unique(con: duckdb.DuckDBPyConnection, key: tuple[str, ...]) -> bool:
    """Every key set and different: the count the import makes when order proves nothing."""
    columns = ", ".join(key)
    unset = " OR ".join(f"{k} IS NULL" for k in key)
    distinct, rows, nulls = con.execute(
        f"SELECT count(DISTINCT ({columns})), count(*), count(*) FILTER ({unset}) FROM t"
    ).fetchall()[0]
    return distinct == rows and nulls == 0


def test_keys_in_order_are_unique_and_a_repeat_or_a_gap_is_not_taken_for_it():
    con = duckdb.connect()
    keys = [(f"A{i:07d}", i % 7) for i in range(1, 3001)]
    table(con, keys)
    assert ascending(con, "t", ("a",)) and ascending(con, "t", ("a", "b"))
    # a repeat past the rows sampled first
    table(con, [*keys[:2500], keys[2499], *keys[2500:]])
    assert not ascending(con, "t", ("a",))
    # the same first column, the second one rising: unique as a pair
    table(con, [("A", i) for i in range(SORTED_SAMPLE + 10)])
    assert not ascending(con, "t", ("a",)) and ascending(con, "t", ("a", "b"))
    # a key not set
    table(con, [*keys[:2000], (None, 1), *keys[2000:]])
    assert not ascending(con, "t", ("a",))
    table(con, [*keys[:2000], ("A0002000x", None), *keys[2000:]])
    assert ascending(con, "t", ("a",)) and not ascending(con, "t", ("a", "b"))


@pytest.mark.parametrize("seed", range(40))
def test_ascending_never_vouches_for_keys_that_repeat(seed):
    rng = random.Random(seed)
    n = rng.choice([5, 50, SORTED_SAMPLE - 1, SORTED_SAMPLE + 1, 2500])
    keys: list[tuple[str | None, int | None]] = sorted(
        {(f"K{rng.randrange(10 * n):06d}", rng.randrange(3)) for _ in range(n)})
    how = rng.choice(["sorted", "repeat", "rotated", "null", "shuffled"])
    if how == "repeat":
        i = rng.randrange(len(keys))
        keys.insert(i, keys[i])
    elif how == "rotated":
        i = rng.randrange(len(keys))
        keys = keys[i:] + keys[:i]
    elif how == "null":
        keys.insert(rng.randrange(len(keys)), (None, rng.choice([None, 1])))
    elif how == "shuffled":
        rng.shuffle(keys)
    con = duckdb.connect()
    table(con, keys)
    for key in (("a",), ("a", "b")):
        if ascending(con, "t", key):
            assert unique(con, key), (how, key)
    if how == "sorted":
        assert ascending(con, "t", ("a", "b"))
