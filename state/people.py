"""Store mixin: subscribers, subscriptions and staff users (filled by the notifications work)."""

from __future__ import annotations

from state.base import StoreBase


class PeopleMixin(StoreBase):
    """Subscribers, subscriptions, staff users."""
