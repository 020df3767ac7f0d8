"""Rendering only: terminal tables, JSON, CSV, Markdown and HTML. No metric math here."""
