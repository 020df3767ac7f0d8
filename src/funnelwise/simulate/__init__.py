"""A synthetic B2B sales org with known truth, in the canonical layout.

`simulate_org(SimConfig(...))` returns the canonical tables and `truth` (each rep's true
rates and the planted changes); `write_org` writes them as CSV or Parquet plus `truth.json`.
"""

from funnelwise.simulate.config import SimConfig, SimulatedOrg
from funnelwise.simulate.org import simulate_org
from funnelwise.simulate.write import write_org

__all__ = ["SimConfig", "SimulatedOrg", "simulate_org", "write_org"]
