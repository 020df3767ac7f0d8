"""The only layer that reads files or opens connections."""
