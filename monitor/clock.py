"""Time: the clock the pipeline is handed, and the time zone users read (Asia/Shanghai).

Storage is UTC; only display, digests and cron schedules use Beijing time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

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
