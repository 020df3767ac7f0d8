"""funnelwise: manage B2B sales by outcomes, not activity counts."""

__version__ = "0.1.0"
