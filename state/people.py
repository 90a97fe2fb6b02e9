"""Store mixin: subscribers, their subscriptions and channels (and the notification secret).

A subscriber's channels are "email" (their own address) and names of `[[channel]]` tables
(a 钉钉 / 企业微信 / 飞书 group, an Apprise URL); the config owns what a name points to.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Any

from parsers.records import Cadence, Subscriber, Subscription
from state.base import StoreBase, dumps, from_ts, ts
from state.errors import ConflictError, NotFoundError


def _subscriber(row: dict[str, Any]) -> Subscriber:
    return Subscriber(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        company=row["company"],
        language=row["language"],
        active=bool(row["active"]),
        created_at=from_ts(row["created_at"]),
    )


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=row["id"],
        subscriber_id=row["subscriber_id"],
        documents=tuple(json.loads(row["documents_json"])),
        sources=tuple(json.loads(row["sources_json"])),
        topics=tuple(json.loads(row["topics_json"])),
        keywords=tuple(json.loads(row["keywords_json"])),
        min_severity=row["min_severity"],
        cadence=Cadence(row["cadence"]),
    )


class PeopleMixin(StoreBase):
    """Subscribers and subscriptions."""

    def add_subscriber(
        self,
        subscriber: Subscriber,
        subscriptions: Sequence[Subscription],
        *,
        now: dt.datetime,
        channels: Sequence[str] = ("email",),
    ) -> int:
        """Create a subscriber with their subscriptions and channels in one transaction;
        returns the id. ConflictError when the email (case-insensitive) is already subscribed.
        """
        with self.atomic():
            if self.scalar("SELECT id FROM subscribers WHERE email = ?", (subscriber.email,)):
                raise ConflictError(f"{subscriber.email} is already a subscriber")
            sub_id = self.insert(
                "subscribers",
                {
                    "name": subscriber.name,
                    "email": subscriber.email,
                    "company": subscriber.company,
                    "language": subscriber.language,
                    "active": int(subscriber.active),
                    "created_at": ts(subscriber.created_at or now),
                },
            )
            for subscription in subscriptions:
                self._add_subscription(sub_id, subscription)
            for channel in dict.fromkeys(channels):
                self.add_channel(sub_id, channel)
        return sub_id

    def add_channel(self, subscriber_id: int, channel: str) -> bool:
        """Give a subscriber a channel ("email" or a `[[channel]]` name); False if they had it."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO subscriber_channels (subscriber_id, channel) VALUES (?, ?)",
            (subscriber_id, channel),
        )
        return cursor.rowcount == 1

    def remove_channel(self, subscriber_id: int, channel: str) -> bool:
        """Take a channel away (its queued messages are cancelled when they come due)."""
        cursor = self.conn.execute(
            "DELETE FROM subscriber_channels WHERE subscriber_id = ? AND channel = ?",
            (subscriber_id, channel),
        )
        return cursor.rowcount == 1

    def channels_of(self, subscriber_id: int) -> list[str]:
        """A subscriber's channels, email first, then by name."""
        rows = self.rows(
            "SELECT channel FROM subscriber_channels WHERE subscriber_id = ?"
            " ORDER BY channel != 'email', channel",
            (subscriber_id,),
        )
        return [r["channel"] for r in rows]

    def all_channels(self) -> dict[int, list[str]]:
        """Every subscriber's channels (routing input), email first."""
        out: dict[int, list[str]] = {}
        for row in self.rows(
            "SELECT subscriber_id, channel FROM subscriber_channels"
            " ORDER BY subscriber_id, channel != 'email', channel"
        ):
            out.setdefault(row["subscriber_id"], []).append(row["channel"])
        return out

    def _add_subscription(self, subscriber_id: int, sub: Subscription) -> int:
        return self.insert(
            "subscriptions",
            {
                "subscriber_id": subscriber_id,
                "documents_json": dumps(list(sub.documents)),
                "sources_json": dumps(list(sub.sources)),
                "topics_json": dumps(list(sub.topics)),
                "keywords_json": dumps(list(sub.keywords)),
                "min_severity": sub.min_severity,
                "cadence": sub.cadence.value,
            },
        )

    def add_subscription(self, subscriber_id: int, subscription: Subscription) -> int:
        """Add one more subscription to a subscriber; returns its id."""
        self.get_subscriber(subscriber_id)
        return self._add_subscription(subscriber_id, subscription)

    def import_subscribers(
        self, people: Sequence[tuple[Subscriber, Sequence[Subscription]]], *, now: dt.datetime
    ) -> list[int]:
        """Add many subscribers in ONE transaction: all or nothing (ConflictError on a dup)."""
        with self.atomic():
            return [self.add_subscriber(who, subs, now=now) for who, subs in people]

    def get_subscriber(self, subscriber_id: int) -> Subscriber:
        """The subscriber with this id."""
        row = self.row("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,))
        if row is None:
            raise NotFoundError(f"no subscriber {subscriber_id}")
        return _subscriber(row)

    def find_subscriber(self, id_or_email: str) -> Subscriber | None:
        """A subscriber by numeric id or by email (case-insensitive), or None."""
        if id_or_email.isdigit():
            row = self.row("SELECT * FROM subscribers WHERE id = ?", (int(id_or_email),))
        else:
            row = self.row("SELECT * FROM subscribers WHERE email = ?", (id_or_email.strip(),))
        return _subscriber(row) if row else None

    def list_subscribers(self, *, active_only: bool = False) -> list[Subscriber]:
        """Subscribers in id order."""
        where = " WHERE active = 1" if active_only else ""
        return [_subscriber(r) for r in self.rows(f"SELECT * FROM subscribers{where} ORDER BY id")]

    def subscriptions_of(self, subscriber_id: int) -> list[Subscription]:
        """A subscriber's subscriptions in id order."""
        rows = self.rows(
            "SELECT * FROM subscriptions WHERE subscriber_id = ? ORDER BY id", (subscriber_id,)
        )
        return [_subscription(r) for r in rows]

    def active_subscriptions(self) -> list[tuple[Subscriber, list[Subscription]]]:
        """Every active subscriber with their subscriptions (routing input)."""
        by_id: dict[int, list[Subscription]] = {}
        for row in self.rows(
            "SELECT s.* FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id"
            " WHERE p.active = 1 ORDER BY s.id"
        ):
            by_id.setdefault(row["subscriber_id"], []).append(_subscription(row))
        return [(p, by_id.get(p.id or 0, [])) for p in self.list_subscribers(active_only=True)]

    def set_subscriber_active(self, subscriber_id: int, *, active: bool) -> None:
        """Activate or deactivate (unsubscribe) a subscriber."""
        self.get_subscriber(subscriber_id)
        self.update("subscribers", subscriber_id, {"active": int(active)})

    def remove_subscriber(self, subscriber_id: int) -> None:
        """Delete a subscriber, their subscriptions and outbox rows."""
        with self.atomic():
            self.get_subscriber(subscriber_id)
            self.conn.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))

    def secret(self, name: str) -> str:
        """A random secret kept in the database (created on first use)."""
        key = f"secret:{name}"
        with self.atomic():
            value = self.scalar("SELECT value FROM kv WHERE key = ?", (key,))
            if value is None:
                value = secrets.token_hex(32)
                self.conn.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (key, value))
        return str(value)
