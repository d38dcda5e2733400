"""What the store raises: one-line messages meant for the person running the sweep."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be opened or read safely (wrong version, not a store, corrupt)."""


class StoreBusy(StoreError):
    """Another run holds the store's lock."""
