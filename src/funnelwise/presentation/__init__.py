"""Presentation: rows, terminal tables, JSON, CSV, Markdown and HTML text for people. No metric
math here, and no charts (those are drawn by `funnelwise.web.charts`)."""
