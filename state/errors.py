"""Errors of the store.

StoreError
 ├── NotFoundError        no row with that id / key
 ├── ConflictError        a unique key or a state transition was refused
 └── SchemaError          the database is newer than this program, or not ours
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's errors."""


class NotFoundError(StoreError):
    """No row with that id or key."""


class ConflictError(StoreError):
    """A unique key or a state transition was refused."""


class SchemaError(StoreError):
    """The database schema is not one this program knows."""
