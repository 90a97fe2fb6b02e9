"""Errors of the store.

StoreError
 ├── NotFoundError        no row with that id / key
 └── ConflictError        a unique key or a state transition was refused
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's errors."""


class NotFoundError(StoreError):
    """No row with that id or key."""


class ConflictError(StoreError):
    """A unique key or a state transition was refused."""
