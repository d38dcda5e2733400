"""Locustfiles, one per scenario; `common` holds the client-side request logger."""
