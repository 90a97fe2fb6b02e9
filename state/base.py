"""The store's connection, transactions and row helpers, shared by every store mixin."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from sqlite_utils import Database


logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
PRIVATE_FILE = 0o600  # the database holds secrets (session and unsubscribe keys) and addresses
SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite gives these the database file's mode
_WARNED: set[tuple[str, int]] = set()  # (path, mode) already warned about (one per process)


def group_or_other_access(path: Path) -> int:
    """The group/other permission bits of a file (0 when owner-only or absent)."""
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o077
    except FileNotFoundError:
        return 0


def make_private(path: Path) -> None:
    """Create the database file owner-only (0600), or tighten an existing one and its
    `-wal`/`-shm` with a warning (a database made by an earlier version was 0644).

    A file that cannot be tightened (another owner, a file system that ignores modes) is left
    as it is with a warning; `serve` and `run` then refuse to start unless the secrets come
    from the environment (`monitor.secrets.refuse_shared_database`).
    """
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    for name in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        _tighten(name)


def _tighten(path: Path) -> None:
    loose = group_or_other_access(path)
    if not loose:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    try:
        os.chmod(path, mode & ~0o077)
    except OSError as exc:
        _warn_once(path, mode, "%s is readable by other users (mode %04o), cannot tighten: %s", exc)
        return
    if group_or_other_access(path):
        _warn_once(path, mode, "%s stays readable by other users (mode %04o)%s", "")
    else:
        logger.warning(
            "%s was readable by other users (mode %04o): now %04o", path, mode, mode & ~0o077
        )


def _warn_once(path: Path, mode: int, message: str, detail: object) -> None:
    key = (str(path), mode)
    if key not in _WARNED:
        _WARNED.add(key)
        logger.warning(message, path, mode, detail)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def ts(value: dt.datetime | None) -> str | None:
    """An aware datetime as ISO 8601 UTC with microseconds (sortable as text)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_ts(value: str | None) -> dt.datetime | None:
    """Inverse of `ts`."""
    return dt.datetime.fromisoformat(value) if value else None


def must_ts(value: str) -> dt.datetime:
    """`from_ts` for NOT NULL columns."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed


def dumps(value: Any) -> str:
    """Compact JSON with Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def compress(raw: bytes) -> bytes:
    """Raw bodies are stored zlib-compressed."""
    return zlib.compress(raw, 6)


def decompress(blob: bytes | None) -> bytes:
    """Inverse of `compress`."""
    return zlib.decompress(blob) if blob else b""


def pack_text(text: str) -> bytes:
    """A version's extracted text as stored: UTF-8, zlib-compressed (13 KiB of Chinese text
    takes about 2 KiB; nothing queries it in SQL)."""
    return compress(text.encode("utf-8"))


def unpack_text(value: str | bytes) -> str:
    """Inverse of `pack_text`; text stored before it came in plain is returned as it is."""
    return value if isinstance(value, str) else decompress(value).decode("utf-8")


class StoreBase:
    """Owns the SQLite connection (WAL, foreign keys, busy timeout) and its sqlite-utils
    `Database`, which is built on first use: the check pipeline's hot path runs plain
    statements on `conn` and does not pay for importing sqlite-utils."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        make_private(self.path)
        # isolation_level=None: autocommit; transactions are explicit in `atomic()`.
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        self.conn = conn
        self._db: Database | None = None
        self._savepoints = 0

    @property
    def db(self) -> Database:
        """The sqlite-utils `Database` on this connection (migrations, tests)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so two
        writers queue on the busy timeout instead of failing half-way); a nested block is a
        savepoint that rolls back alone (sqlite-utils' `db.atomic()` semantics)."""
        conn = self.conn
        if conn.in_transaction:
            self._savepoints += 1
            name = f"pw_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT or RAISE may have ended it already
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts (internal to state/)."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def row(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> dict[str, Any] | None:
        """The first row of a query, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row and return its id."""
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values())
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """Update columns of one row by id."""
        sets = ", ".join(f"{c} = ?" for c in values)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), row_id))
