"""Store mixin: the single-daemon lock row, its heartbeat, the outbox backlog and housekeeping.

The lock guards the daemon, not the database: readers never look at it. Taking it is one
`BEGIN IMMEDIATE` transaction, so two daemons starting at the same moment cannot both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parsers.records import OutboxState
from state.base import StoreBase, from_ts, must_ts, ts
from state.errors import ConflictError


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonLock:
    """Who holds (or held) the daemon lock of this database."""

    owner: str  # a token unique to one daemon process
    pid: int
    host: str
    started_at: dt.datetime
    heartbeat_at: dt.datetime


class LockHeldError(ConflictError):
    """Another daemon holds the lock; `holder` says which."""

    def __init__(self, holder: DaemonLock) -> None:
        super().__init__(
            f"another policywatch daemon holds this database: pid {holder.pid} on {holder.host},"
            f" started {holder.started_at:%Y-%m-%d %H:%M:%S} UTC,"
            f" last heartbeat {holder.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
        )
        self.holder = holder


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldGroup:
    """Messages held by one failure on our side: `status` says how many and why."""

    channel: str  # "email" or a `[[channel]]` name
    reason: str  # auth, config, connection, sender, rate-limit, server
    error: str  # the last error, as the server or platform said it
    count: int
    since: dt.datetime  # the oldest of them was queued then
    next_try: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxBacklog:
    """Outbox rows not yet delivered, for `status`."""

    pending: int  # waiting (due or not), held ones included
    due: int  # pending and due now
    claimed: int  # taken by a sender, not confirmed yet
    failed: int  # given up
    oldest_due_at: dt.datetime | None
    held: int = 0  # pending because our side failed (never given up)
    held_groups: tuple[HeldGroup, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionReport:
    """What one housekeeping pass removed."""

    attempts_deleted: int
    raw_bodies_dropped: int


def _lock(row: dict[str, Any]) -> DaemonLock:
    return DaemonLock(
        owner=row["owner"],
        pid=row["pid"],
        host=row["host"],
        started_at=must_ts(row["started_at"]),
        heartbeat_at=must_ts(row["heartbeat_at"]),
    )


class DaemonMixin(StoreBase):
    """The single-daemon lock and its heartbeat; retention and vacuum."""

    def daemon_lock(self) -> DaemonLock | None:
        """The lock row as it is (held, or left behind by a daemon that died), or None."""
        row = self.row("SELECT * FROM daemon_lock WHERE id = 1")
        return _lock(row) if row else None

    def acquire_daemon_lock(
        self,
        mine: DaemonLock,
        *,
        stale_after: dt.timedelta,
        is_alive: Callable[[DaemonLock], bool | None],
    ) -> DaemonLock | None:
        """Take the lock for `mine`; returns the stale holder replaced (or None), else raises.

        A holder is stale when `is_alive` says False (its pid is gone on this host), or when
        `is_alive` cannot tell (another host) and its heartbeat is older than `stale_after`.
        Raises LockHeldError naming the live holder.
        """
        with self.atomic():
            holder = self.daemon_lock()
            if holder is not None and holder.owner != mine.owner:
                alive = is_alive(holder)
                old = mine.heartbeat_at - holder.heartbeat_at > stale_after
                if alive or (alive is None and not old):
                    raise LockHeldError(holder)
            self.conn.execute(
                "INSERT OR REPLACE INTO daemon_lock"
                " (id, owner, pid, host, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)",
                (mine.owner, mine.pid, mine.host, ts(mine.started_at), ts(mine.heartbeat_at)),
            )
        return holder if holder is not None and holder.owner != mine.owner else None

    def heartbeat(self, owner: str, *, now: dt.datetime) -> bool:
        """Refresh the heartbeat of the lock held by `owner`; False if it is no longer ours."""
        with self.atomic():
            cursor = self.conn.execute(
                "UPDATE daemon_lock SET heartbeat_at = ? WHERE id = 1 AND owner = ?",
                (ts(now), owner),
            )
        return cursor.rowcount == 1

    def release_daemon_lock(self, owner: str) -> bool:
        """Drop the lock if `owner` holds it; True when it did."""
        with self.atomic():
            cursor = self.conn.execute(
                "DELETE FROM daemon_lock WHERE id = 1 AND owner = ?", (owner,)
            )
        return cursor.rowcount == 1

    def outbox_backlog(self, *, now: dt.datetime) -> OutboxBacklog:
        """Counts of undelivered outbox rows by state, and the oldest due pending row."""
        counts = {
            r["state"]: r["n"]
            for r in self.rows("SELECT state, count(*) AS n FROM outbox GROUP BY state")
        }
        pending = OutboxState.PENDING.value
        groups = self.held_groups()
        return OutboxBacklog(
            pending=counts.get(pending, 0),
            due=int(
                self.scalar(
                    "SELECT count(*) FROM outbox WHERE state = ? AND due_at <= ?",
                    (pending, ts(now)),
                )
            ),
            claimed=counts.get(OutboxState.CLAIMED.value, 0),
            failed=counts.get(OutboxState.FAILED.value, 0),
            oldest_due_at=from_ts(
                self.scalar("SELECT min(due_at) FROM outbox WHERE state = ?", (pending,))
            ),
            held=sum(g.count for g in groups),
            held_groups=groups,
        )

    def held_groups(self) -> tuple[HeldGroup, ...]:
        """Held rows grouped by channel, reason and last error (largest group first)."""
        rows = self.rows(
            "SELECT channel, hold_reason, last_error, count(*) AS n, min(created_at) AS since,"
            " min(due_at) AS next_try FROM outbox WHERE state = 'pending'"
            " AND hold_reason IS NOT NULL GROUP BY channel, hold_reason, last_error"
            " ORDER BY n DESC, channel"
        )
        return tuple(
            HeldGroup(
                channel=r["channel"],
                reason=r["hold_reason"],
                error=r["last_error"] or "",
                count=r["n"],
                since=must_ts(r["since"]),
                next_try=must_ts(r["next_try"]),
            )
            for r in rows
        )

    def apply_retention(self, *, older_than: dt.datetime) -> RetentionReport:
        """Prune what is older than `older_than`; every version and its text stay.

        Deletes fetch attempts, except each source's newest (the schedule is derived from it),
        and drops the raw body of versions that a later version superseded and whose clause tree
        did not change (an unchanged re-fetch: the body is no evidence of anything).
        """
        cutoff = ts(older_than)
        with self.atomic():
            attempts = self.conn.execute(
                "DELETE FROM fetch_attempts WHERE started_at < ? AND id NOT IN"
                " (SELECT max(id) FROM fetch_attempts GROUP BY source_id)",
                (cutoff,),
            ).rowcount
            bodies = self.conn.execute(
                "UPDATE versions SET raw = NULL WHERE raw IS NOT NULL AND fetched_at < ?"
                " AND EXISTS (SELECT 1 FROM versions later WHERE later.document_id ="
                " versions.document_id AND later.seq > versions.seq)"
                " AND EXISTS (SELECT 1 FROM versions prev WHERE prev.document_id ="
                " versions.document_id AND prev.seq = versions.seq - 1"
                " AND prev.tree_hash = versions.tree_hash)"
                " AND id NOT IN (SELECT last_version_id FROM renditions"
                " WHERE last_version_id IS NOT NULL)",
                (cutoff,),
            ).rowcount
        return RetentionReport(attempts_deleted=int(attempts), raw_bodies_dropped=int(bodies))

    def vacuum(self) -> tuple[int, int]:
        """Checkpoint the WAL and rebuild the file; returns its size in bytes before and after."""
        before = self._file_size()
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, self._file_size()

    def _file_size(self) -> int:
        pages = int(self.scalar("PRAGMA page_count"))
        return pages * int(self.scalar("PRAGMA page_size"))
