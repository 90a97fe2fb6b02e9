"""Store mixin: staff users of the review UI, and the subscriber edits the UI makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from parsers.records import Role, User
from state.base import StoreBase, from_ts, ts
from state.errors import ConflictError, NotFoundError


def _user(row: dict[str, Any]) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        active=bool(row["active"]),
        created_at=from_ts(row["created_at"]),
        session_version=int(row["session_version"]),
    )


class UsersMixin(StoreBase):
    """Staff accounts (name, role, password hash, active)."""

    def add_user(self, *, name: str, role: Role, password_hash: str, now: dt.datetime) -> int:
        """Create a staff account; ConflictError when the name is taken."""
        with self.atomic():
            if self.scalar("SELECT 1 FROM users WHERE name = ?", (name,)):
                raise ConflictError(f"a user named {name!r} exists")
            return self.insert(
                "users",
                {
                    "name": name,
                    "role": role.value,
                    "password_hash": password_hash,
                    "active": 1,
                    "created_at": ts(now),
                },
            )

    def get_user(self, user_id: int) -> User:
        """The user with this id."""
        row = self.row("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise NotFoundError(f"no user {user_id}")
        return _user(row)

    def find_user(self, name: str) -> User | None:
        """The user called `name`, or None."""
        row = self.row("SELECT * FROM users WHERE name = ?", (name,))
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        """Every staff account, by name."""
        return [_user(r) for r in self.rows("SELECT * FROM users ORDER BY name")]

    def set_user_password(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (e.g. a rehash with stronger parameters)."""
        self.update("users", user_id, {"password_hash": password_hash})

    def set_user_active(self, user_id: int, *, active: bool) -> None:
        """Enable or disable a staff account (disabling ends its sessions)."""
        with self.atomic():
            self.update("users", user_id, {"active": int(active)})
            if not active:
                self.end_sessions(user_id)

    def end_sessions(self, user_id: int) -> None:
        """End every session of a user: cookies carry the version they were issued with."""
        self.conn.execute(
            "UPDATE users SET session_version = session_version + 1 WHERE id = ?", (user_id,)
        )

    # -- edits the review UI makes to subscribers (creation and routing live in people.py) ----

    def update_subscriber(
        self, subscriber_id: int, *, name: str, email: str, company: str | None
    ) -> None:
        """Change a subscriber's name, email and company; ConflictError on a taken email."""
        with self.atomic():
            taken = self.scalar(
                "SELECT id FROM subscribers WHERE email = ? AND id != ?", (email, subscriber_id)
            )
            if taken:
                raise ConflictError(f"{email} is already a subscriber")
            if not self.scalar("SELECT 1 FROM subscribers WHERE id = ?", (subscriber_id,)):
                raise NotFoundError(f"no subscriber {subscriber_id}")
            self.update(
                "subscribers", subscriber_id, {"name": name, "email": email, "company": company}
            )

    def subscription_owner(self, subscription_id: int) -> int:
        """The subscriber id a subscription belongs to."""
        owner = self.scalar(
            "SELECT subscriber_id FROM subscriptions WHERE id = ?", (subscription_id,)
        )
        if owner is None:
            raise NotFoundError(f"no subscription {subscription_id}")
        return int(owner)

    def delete_subscription(self, subscription_id: int) -> None:
        """Remove one subscription (the subscriber stays)."""
        self.conn.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
