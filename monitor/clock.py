"""The clock the pipeline is handed (aware UTC datetimes; tests pass a fixed time).

Storage is UTC; the time zone users read is `monitor.local_time.SHANGHAI`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def as_clock(now: Clock | dt.datetime | None) -> Clock:
    """A clock from a fixed time, a clock, or None (the real time)."""
    if now is None:
        return utcnow
    if isinstance(now, dt.datetime):
        fixed = now
        return lambda: fixed
    return now
