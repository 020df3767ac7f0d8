"""The canonical CRM tables and the funnel configuration."""

from funnelwise.schema.funnel import Funnel, Step, default_funnel, load_funnel
from funnelwise.schema.tables import TABLES, Column, Table

__all__ = ["TABLES", "Column", "Funnel", "Step", "Table", "default_funnel", "load_funnel"]
