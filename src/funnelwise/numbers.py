"""How money reads wherever funnelwise writes it: tables, evidence of a flag, the brief."""

from __future__ import annotations

import math
from typing import Any


def money(v: Any) -> str:
    """Revenue, short: 950, 12.3k, 1.2M; `–` when there is no number."""
    if v is None or not math.isfinite(float(v)):
        return "–"
    v = float(v)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= limit:
            return f"{v / limit:,.1f}{suffix}"
    return f"{v:,.0f}"
