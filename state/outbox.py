"""Store mixin: the notification outbox (durable queue of one email per change set × subscriber).

The life of a row: `pending` (due at `due_at`) -> `claimed` (committed with `claimed_at` BEFORE
anything is sent) -> `sent` once the server accepted it, or back to `pending` with an
exponential backoff, or `failed` (the recipient refused it: 5xx to RCPT TO, too many 4xx, a
chat that no longer exists), or `cancelled` (unsubscribed). A row that failed on OUR side
(configuration, connection, login, sender, rate limit) goes back to `pending` with
`hold_reason` set and is never given up. A row left `claimed` by a process that died is
claimed again after the lease and sent with the same Message-ID; a split chat message resumes
after its `parts_sent`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parsers.records import Cadence, OutboxItem, OutboxState
from state.base import StoreBase, from_ts, must_ts, ts

MAX_BACKOFF = dt.timedelta(hours=6)
_DUE_WHERE = "(state = 'pending' AND due_at <= ?) OR (state = 'claimed' AND claimed_at <= ?)"


def _item(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        change_set_id=row["change_set_id"],
        subscriber_id=row["subscriber_id"],
        channel=row["channel"],
        cadence=Cadence(row["cadence"]),
        state=OutboxState(row["state"]),
        message_id=row["message_id"],
        due_at=must_ts(row["due_at"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        claimed_at=from_ts(row["claimed_at"]),
        sent_at=from_ts(row["sent_at"]),
        created_at=must_ts(row["created_at"]),
        parts_sent=row["parts_sent"],
        hold_reason=row["hold_reason"],
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftDelivery:
    """A draft for comment that reached a subscriber: who, over which channel, when."""

    change_set_id: int
    document_id: int
    version_id: int
    subscriber_id: int
    channel: str
    sent_at: dt.datetime
    deadline: dt.date


def backoff(attempts: int, base: dt.timedelta) -> dt.timedelta:
    """Delay before the next try after `attempts` tries: base, 2×, 4×... capped at 6 hours."""
    delay: dt.timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


class OutboxMixin(StoreBase):
    """Outbox rows: queue, claim, confirm, retry, give up."""

    def queue_outbox(self, item: OutboxItem) -> int | None:
        """Queue a row; None when this change set × subscriber × channel is already queued."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (change_set_id, subscriber_id, channel, cadence,"
            " state, message_id, due_at, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (
                item.change_set_id,
                item.subscriber_id,
                item.channel,
                item.cadence.value,
                item.state.value,
                item.message_id,
                ts(item.due_at),
                ts(item.created_at),
            ),
        )
        return int(cursor.lastrowid) if cursor.rowcount and cursor.lastrowid else None

    def due_outbox(
        self, *, now: dt.datetime, lease: dt.timedelta, limit: int = 10_000
    ) -> list[OutboxItem]:
        """Rows due now, and claimed rows whose lease ran out (nothing is changed)."""
        rows = self.rows(
            f"SELECT * FROM outbox WHERE {_DUE_WHERE} ORDER BY due_at, id LIMIT ?",
            (ts(now), ts(now - lease), limit),
        )
        return [_item(r) for r in rows]

    def claim_due(
        self, *, now: dt.datetime, lease: dt.timedelta, limit: int = 10_000
    ) -> list[OutboxItem]:
        """Claim the due rows in one committed transaction (claimed_at = now, attempts + 1)."""
        with self.atomic():
            due = self.due_outbox(now=now, lease=lease, limit=limit)
            self.conn.executemany(
                "UPDATE outbox SET state = 'claimed', claimed_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [(ts(now), item.id) for item in due],
            )
        ids = [item.id for item in due if item.id is not None]
        return self.outbox_rows(ids)

    def outbox_rows(self, ids: Sequence[int]) -> list[OutboxItem]:
        """The rows with these ids, in (due_at, id) order."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.rows(
            f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY due_at, id", tuple(ids)
        )
        return [_item(r) for r in rows]

    def confirm_sent(self, ids: Sequence[int], *, now: dt.datetime) -> int:
        """Mark claimed rows sent (after the server's 250), committed at once; returns count."""
        with self.atomic():
            cursor = self.conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL,"
                " hold_reason = NULL WHERE id = ? AND state = 'claimed'",
                [(ts(now), i) for i in ids],
            )
        return cursor.rowcount

    def record_parts(self, ids: Sequence[int], parts_sent: int) -> None:
        """Committed after each posted part of a split chat message: a retry resumes after it."""
        with self.atomic():
            self.conn.executemany(
                "UPDATE outbox SET parts_sent = ? WHERE id = ? AND state = 'claimed'",
                [(parts_sent, i) for i in ids],
            )

    def schedule_retry(
        self,
        ids: Sequence[int],
        *,
        now: dt.datetime,
        error: str,
        base: dt.timedelta,
        max_attempts: int | None,
        hold_reason: str | None = None,
        not_before: dt.timedelta | None = None,
    ) -> int:
        """Back to pending after `backoff` (at least `not_before`), or failed after
        `max_attempts` (None: never, as for our side's failures, named by `hold_reason`);
        returns how many rows will be retried."""
        retried = 0
        with self.atomic():
            for item in self.outbox_rows(ids):
                if max_attempts is not None and item.attempts >= max_attempts:
                    self._finish(
                        item, OutboxState.FAILED, f"gave up after {item.attempts}: {error}"
                    )
                    continue
                delay = max(backoff(item.attempts, base), not_before or dt.timedelta(0))
                self.update(
                    "outbox",
                    item.id or 0,
                    {
                        "state": "pending",
                        "due_at": ts(now + delay),
                        "last_error": error,
                        "hold_reason": hold_reason,
                    },
                )
                retried += 1
        return retried

    def release_held(self, *, now: dt.datetime) -> int:
        """Make every held row due now (`send --retry-held`, after the operator fixed it)."""
        with self.atomic():
            cursor = self.conn.execute(
                "UPDATE outbox SET due_at = ? WHERE state = 'pending' AND hold_reason IS NOT NULL"
                " AND due_at > ?",
                (ts(now), ts(now)),
            )
        return cursor.rowcount

    def _finish(self, item: OutboxItem, state: OutboxState, error: str | None) -> None:
        self.update(
            "outbox", item.id or 0, {"state": state.value, "last_error": error, "hold_reason": None}
        )

    def give_up(self, ids: Sequence[int], *, error: str) -> None:
        """Mark rows failed with the reason (5xx for the recipient, bad address...)."""
        with self.atomic():
            for item in self.outbox_rows(ids):
                self._finish(item, OutboxState.FAILED, error)

    def cancel_outbox(self, ids: Sequence[int], *, reason: str) -> None:
        """Mark rows cancelled (the subscriber left or was removed)."""
        with self.atomic():
            for item in self.outbox_rows(ids):
                self._finish(item, OutboxState.CANCELLED, reason)

    def withdraw_outbox(self, item_id: int, *, reason: str) -> bool:
        """Cancel a row that no sender has claimed yet; False when it is claimed or done."""
        cursor = self.conn.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ? AND state = 'pending'",
            (reason, item_id),
        )
        return cursor.rowcount == 1

    def get_outbox(self, item_id: int) -> OutboxItem | None:
        """One row by id, or None."""
        rows = self.outbox_rows([item_id])
        return rows[0] if rows else None

    def draft_deliveries(self, *, deadline_from: dt.date) -> list[DraftDelivery]:
        """Sent emails of drafts for comment whose deadline is `deadline_from` or later.

        Runs on every send, so its cost must not grow with the history: it starts from the
        documents' `comment_deadline` lifecycle events (small rows; CROSS JOIN fixes the join
        order) and reads only those documents' versions, never every sent row's clause tree.
        (Left to the planner, it walked every sent outbox row and parsed each one's tree JSON:
        about 23 MB read and parsed per send run after a 30-minute soak.)
        """
        day = deadline_from.isoformat()
        rows = self.rows(
            "SELECT o.subscriber_id, o.channel, o.sent_at, cs.id AS change_set_id,"
            " cs.document_id, cs.to_version_id,"
            " json_extract(v.tree_json, '$.comment_deadline') AS deadline"
            " FROM status_events e"
            " CROSS JOIN versions v ON v.document_id = e.document_id"
            " CROSS JOIN change_sets cs ON cs.to_version_id = v.id"
            " AND cs.document_id = e.document_id AND cs.kind IN ('new_document', 'changed')"
            " CROSS JOIN outbox o ON o.change_set_id = cs.id AND o.state = 'sent'"
            " WHERE e.event = 'comment_deadline' AND e.detail >= :day"
            " AND json_extract(v.tree_json, '$.status') = 'draft'"
            " AND json_extract(v.tree_json, '$.comment_deadline') >= :day"
            " GROUP BY o.id ORDER BY cs.id, o.subscriber_id",
            {"day": day},
        )
        return [
            DraftDelivery(
                change_set_id=r["change_set_id"],
                document_id=r["document_id"],
                version_id=r["to_version_id"],
                subscriber_id=r["subscriber_id"],
                channel=r["channel"],
                sent_at=must_ts(r["sent_at"]),
                deadline=dt.date.fromisoformat(r["deadline"]),
            )
            for r in rows
        ]

    def list_outbox(
        self,
        *,
        state: OutboxState | None = None,
        change_set_id: int | None = None,
        limit: int = 500,
    ) -> list[OutboxItem]:
        """Rows, newest first, optionally of one state and/or change set."""
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(state.value)
        if change_set_id is not None:
            where.append("change_set_id = ?")
            params.append(str(change_set_id))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.rows(
            f"SELECT * FROM outbox{clause} ORDER BY created_at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [_item(r) for r in rows]

    def outbox_counts(self) -> dict[OutboxState, int]:
        """How many rows are in each state (every state present, 0 when none)."""
        counts = dict.fromkeys(OutboxState, 0)
        for row in self.rows("SELECT state, count(*) AS n FROM outbox GROUP BY state"):
            counts[OutboxState(row["state"])] = row["n"]
        return counts
