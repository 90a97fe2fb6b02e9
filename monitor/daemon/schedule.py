"""When each job of the daemon runs: a source's `every` (with jitter) or `cron` (Asia/Shanghai),
and its first run derived from the database, so a restart neither skips nor bunches checks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from monitor.config import SourceConfig
from monitor.local_time import SHANGHAI

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger


def cron_trigger(source: SourceConfig, *, jitter: dt.timedelta | None = None) -> BaseTrigger:
    """The CronTrigger of a source with `cron` (Asia/Shanghai; validated when the config loads)."""
    from apscheduler.triggers.cron import CronTrigger  # APScheduler loads with the daemon only

    assert source.cron is not None
    trigger: BaseTrigger = CronTrigger.from_crontab(source.cron, timezone=SHANGHAI)
    if jitter:
        trigger.jitter = int(jitter.total_seconds()) or None
    return trigger


def next_due(source: SourceConfig, last_attempt: dt.datetime | None) -> dt.datetime | None:
    """When the source is next due, from its last attempt; None: never checked (due at once)."""
    if last_attempt is None:
        return None
    if source.cron:
        # The first cron time after the last check: a time missed while down is due at once.
        after = last_attempt + dt.timedelta(microseconds=1)
        fire: dt.datetime | None = cron_trigger(source).get_next_fire_time(None, after)
        return fire.astimezone(dt.UTC) if fire else None
    return last_attempt + source.every


def source_trigger(source: SourceConfig, jitter: dt.timedelta) -> BaseTrigger:
    """The trigger of a source's check job; jitter is capped at a tenth of the interval."""
    from apscheduler.triggers.interval import IntervalTrigger  # APScheduler loads with the daemon

    if source.cron:
        return cron_trigger(source, jitter=jitter)
    spread = min(jitter, source.every / 10).total_seconds()
    return IntervalTrigger(seconds=source.every.total_seconds(), jitter=spread or None)
