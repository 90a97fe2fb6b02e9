"""Store mixin: the notification outbox (filled by the notifications work)."""

from __future__ import annotations

from state.base import StoreBase


class OutboxMixin(StoreBase):
    """Outbox rows: queue, claim, confirm, retry."""
