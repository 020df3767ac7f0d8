"""Plotly charts of the dashboard and the HTML report (the web layer draws; the
presentation layer gives it rows)."""
