"""Pure metric functions: canonical tables (Ibis) in, tables out. No files, no printing."""
