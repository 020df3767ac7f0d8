"""A metric's SQL is compiled when it is first read, not when the metric runs."""

from __future__ import annotations

import pandas as pd

from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.winrates import winrates


def test_sql_given_as_a_function_is_compiled_once_on_first_read() -> None:
    calls: list[int] = []

    def compile_sql() -> str:
        calls.append(1)
        return "SELECT 1"

    result = MetricResult("m", pd.DataFrame(), compile_sql, {"by": "rep"})
    assert calls == []
    assert result.sql == "SELECT 1"
    assert result.sql == "SELECT 1"
    assert calls == [1]


def test_sql_given_as_text_is_kept() -> None:
    result = MetricResult(name="m", frame=pd.DataFrame(), sql="SELECT 2", filters={})
    assert result.sql == "SELECT 2"
    assert result.notes == ()


def test_a_metric_gives_its_query_after_the_workspace_is_closed(tiny_ws) -> None:
    result = winrates(tiny_ws.crm(), by="rep")
    tiny_ws.close()
    assert "FROM" in result.sql
    assert "opportunities" in result.sql
