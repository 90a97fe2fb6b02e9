"""`policywatch status`: the health of the daemon and every source, read from the database only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.catalog import effective_sources
from monitor.config import Config, SourceConfig, format_duration
from monitor.daemon.lock import STALE_BEATS, holder_alive
from monitor.daemon.schedule import next_due
from monitor.review.channels import delivery_problems
from state.daemon import DaemonLock, OutboxBacklog
from state.errors import NotFoundError

if TYPE_CHECKING:
    from state.store import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStatus:
    """One configured source as `status` shows it."""

    name: str
    enabled: bool
    schedule: str  # "every 30m" or "cron 0 9 * * *"
    last_success: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    consecutive_failures: int
    next_due: dt.datetime | None  # None: due at once (never checked), or disabled
    failing: bool  # consecutive failures reached the threshold


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonStatus:
    """The daemon's lock and heartbeat, every source, the outbox backlog."""

    running: bool
    lock: DaemonLock | None
    heartbeat_age: dt.timedelta | None
    sources: tuple[SourceStatus, ...]
    outbox: OutboxBacklog
    problems: tuple[str, ...] = ()  # delivery settings the environment lacks

    @property
    def healthy(self) -> bool:
        """The daemon runs, no source failed `failure_threshold` times in a row, no message
        is held by a failure on our side and no channel lacks its password or secret."""
        return (
            self.running
            and not any(s.failing for s in self.sources)
            and not self.outbox.held
            and not self.problems
        )


def daemon_running(lock: DaemonLock | None, config: Config, now: dt.datetime) -> bool:
    """Does the lock belong to a live daemon (process alive here, or fresh heartbeat)?"""
    if lock is None:
        return False
    alive = holder_alive(lock)
    if alive is False:
        return False
    return now - lock.heartbeat_at <= config.daemon.heartbeat * STALE_BEATS


def collect_status(config: Config, store: Store, *, now: dt.datetime) -> DaemonStatus:
    """Everything `status` prints, computed from the database and the config."""
    lock = store.daemon_lock()
    return DaemonStatus(
        running=daemon_running(lock, config, now),
        lock=lock,
        heartbeat_age=now - lock.heartbeat_at if lock else None,
        sources=tuple(_source_status(config, store, s) for s in effective_sources(config, store)),
        outbox=store.outbox_backlog(now=now),
        problems=tuple(delivery_problems(config)),
    )


def _source_status(config: Config, store: Store, source: SourceConfig) -> SourceStatus:
    name = source.name
    schedule = f"cron {source.cron}" if source.cron else f"every {format_duration(source.every)}"
    try:
        health = store.source_health(store.get_source(name))
    except NotFoundError:  # never synced: the daemon has not seen it yet
        health = None
    failures = health.consecutive_failures if health else 0
    return SourceStatus(
        name=name,
        enabled=source.enabled,
        schedule=schedule,
        last_success=health.last_success if health else None,
        last_error=health.last_error if health else None,
        last_error_at=health.last_error_at if health else None,
        consecutive_failures=failures,
        next_due=next_due(source, health.last_attempt if health else None)
        if source.enabled
        else None,
        failing=source.enabled and failures >= config.daemon.failure_threshold,
    )
