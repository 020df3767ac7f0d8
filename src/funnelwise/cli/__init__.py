"""The `funnelwise` command: one file per command, composed in `main`."""
