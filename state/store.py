"""The `Store`: the only place that writes SQL. Typed records in, typed records out.

One class composed of one mixin per area (sources, documents, changes, people, outbox,
daemon), all sharing the connection and `atomic()` of `StoreBase`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from state.base import StoreBase
from state.changes import ChangesMixin
from state.daemon import DaemonMixin
from state.documents import DocumentsMixin
from state.outbox import OutboxMixin
from state.people import PeopleMixin
from state.schema import MIGRATION_SET, MIGRATIONS
from state.sources import SourcesMixin
from state.users import UsersMixin


class Store(
    SourcesMixin, DocumentsMixin, ChangesMixin, PeopleMixin, OutboxMixin, DaemonMixin, UsersMixin
):
    """policywatch's SQLite database."""

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns their names (a quick read when up to date)."""
        if self._up_to_date():
            return []
        from state.migrations import apply

        return apply(self.db)

    def _up_to_date(self) -> bool:
        try:
            rows = self.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
            ).fetchall()
        except sqlite3.OperationalError:  # no migrations table yet: a new database
            return False
        return set(MIGRATIONS) <= {row[0] for row in rows}

    def integrity_check(self) -> str:
        """`PRAGMA integrity_check`: 'ok' when the file is sound."""
        return str(self.scalar("PRAGMA integrity_check"))


def open_store(path: str | Path, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the database at `path`."""
    store = Store(path)
    if migrate:
        store.migrate()
    return store


__all__ = ["Store", "StoreBase", "open_store"]
