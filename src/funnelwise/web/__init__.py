"""The dashboard: pages = data function + template + JSON twin (see `page` and `views`)."""
