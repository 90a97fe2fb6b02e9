"""Grouping due outbox rows into emails (pure): one per immediate row, one per digest.

A digest gathers every due daily (or weekly) row of one subscriber on one channel. Its
Message-ID is the one of its first row (lowest id), so that a retry of the same digest carries
the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parsers.records import Cadence, OutboxItem


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """The outbox rows one email covers."""

    subscriber_id: int
    cadence: Cadence
    rows: tuple[OutboxItem, ...]

    @property
    def message_id(self) -> str:
        """The email's Message-ID: the first row's (stable across retries)."""
        return min(self.rows, key=lambda r: r.id or 0).message_id

    @property
    def ids(self) -> tuple[int, ...]:
        """The outbox row ids."""
        return tuple(r.id for r in self.rows if r.id is not None)

    @property
    def channel(self) -> str:
        """ "email" or the `[[channel]]` name the rows go to."""
        return self.rows[0].channel

    @property
    def parts_sent(self) -> int:
        """Parts of a split chat message already posted (a retry resumes after them)."""
        return min(r.parts_sent for r in self.rows)

    @property
    def digest(self) -> bool:
        """True for a daily or weekly digest."""
        return self.cadence is not Cadence.IMMEDIATE


def envelopes(rows: Sequence[OutboxItem]) -> list[Envelope]:
    """Immediate rows one by one, digest rows grouped per subscriber, cadence and channel, in
    due order."""
    out: list[Envelope] = []
    digests: dict[tuple[int, Cadence, str], list[OutboxItem]] = {}
    for row in rows:
        if row.cadence is Cadence.IMMEDIATE:
            out.append(Envelope(subscriber_id=row.subscriber_id, cadence=row.cadence, rows=(row,)))
        else:
            digests.setdefault((row.subscriber_id, row.cadence, row.channel), []).append(row)
    for (subscriber_id, cadence, _channel), group in digests.items():
        out.append(Envelope(subscriber_id=subscriber_id, cadence=cadence, rows=tuple(group)))
    return out
