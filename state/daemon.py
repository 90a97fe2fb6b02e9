"""Store mixin: the daemon lock row, heartbeat and housekeeping (filled by the daemon work)."""

from __future__ import annotations

from state.base import StoreBase


class DaemonMixin(StoreBase):
    """The single-daemon lock and its heartbeat."""
