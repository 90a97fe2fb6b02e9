"""Scheduling: first runs derived from the database, cron in Asia/Shanghai, jitter capped."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from monitor.config import Config, config_from_dict
from monitor.daemon.lock import new_lock
from monitor.daemon.schedule import next_due, source_trigger
from monitor.daemon.service import Daemon
from monitor.errors import ConfigError
from parsers.records import AttemptOutcome, FetchAttempt
from state.base import utcnow
from state.store import Store


def config(**daemon: str) -> Config:
    return config_from_dict(
        {
            "daemon": {"jitter": "30s", **daemon},
            "fetch": {"allow_hosts": ["127.0.0.1"]},
            "notifications": {"digest_time": "09:30"},
            "source": [
                {"name": "hourly", "kind": "page", "url": "http://127.0.0.1:9/a", "every": "1h"},
                {"name": "fresh", "kind": "page", "url": "http://127.0.0.1:9/b", "every": "1h"},
                {"name": "late", "kind": "page", "url": "http://127.0.0.1:9/c", "every": "10m"},
                {
                    "name": "daily",
                    "kind": "page",
                    "url": "http://127.0.0.1:9/d",
                    "cron": "0 9 * * *",
                },
                {"name": "off", "kind": "page", "url": "http://127.0.0.1:9/e", "enabled": False},
            ],
        }
    )


def checked(store: Store, name: str, at: dt.datetime) -> None:
    source = store.sync_source(name=name, kind="page", url="http://127.0.0.1:9/")
    store.record_attempt(
        FetchAttempt(
            source_id=source.id,
            url="http://127.0.0.1:9/",
            started_at=at,
            finished_at=at,
            outcome=AttemptOutcome.UNCHANGED,
        )
    )


def test_next_due_for_intervals_and_cron() -> None:
    cfg = config()
    hourly, daily = cfg.source("hourly"), cfg.source("daily")
    at = dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)  # 08:30 in Shanghai
    assert next_due(hourly, None) is None
    assert next_due(hourly, at) == at + dt.timedelta(hours=1)
    assert next_due(daily, at) == dt.datetime(2024, 5, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 Shanghai
    # Checked at exactly 09:00 Shanghai: the next one is tomorrow's, not the same minute again.
    nine = dt.datetime(2024, 5, 1, 1, 0, tzinfo=dt.UTC)
    assert next_due(daily, nine) == nine + dt.timedelta(days=1)


def test_jitter_is_capped_at_a_tenth_of_the_interval() -> None:
    cfg = config()
    trigger = source_trigger(cfg.source("late"), dt.timedelta(minutes=5))
    assert trigger.jitter == 60


def test_a_bad_cron_expression_is_a_config_error_at_load() -> None:
    with pytest.raises(
        ConfigError, match=r"source\[1\]\.cron: bad crontab expression '61 \* \* \*'"
    ):
        config_from_dict(
            {
                "fetch": {"allow_hosts": ["127.0.0.1"]},
                "source": [
                    {"name": "x", "kind": "page", "url": "http://127.0.0.1:9/", "cron": "61 * * *"}
                ],
            }
        )


def test_first_runs_come_from_the_last_attempts(store: Store) -> None:
    now = utcnow()
    checked(store, "hourly", now - dt.timedelta(minutes=20))
    checked(store, "late", now - dt.timedelta(hours=3))  # overdue: at once, not skipped
    daemon = Daemon(config(), store, new_lock(now))

    async def first_runs() -> dict[str, dt.datetime]:
        scheduler = daemon.build_scheduler()
        scheduler.start(paused=True)
        try:
            return {job.id: job.next_run_time for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)

    runs = asyncio.run(first_runs())
    assert set(runs) == {
        "check:hourly",
        "check:fresh",
        "check:late",
        "check:daily",
        "send",
        "digest",
        "heartbeat",
        "housekeeping",
        "sources",
    }  # no job for the disabled source
    assert abs(runs["check:hourly"] - (now + dt.timedelta(minutes=40))) < dt.timedelta(seconds=1)
    for due_now in ("check:fresh", "check:late", "send"):
        assert abs(runs[due_now] - now) < dt.timedelta(seconds=5), due_now
    digest = runs["digest"].astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (digest.hour, digest.minute) == (9, 30)
    assert {s.name for s in store.list_sources()} >= {"fresh", "daily"}  # synced from the config


def test_sources_added_in_the_ui_are_scheduled_and_unscheduled_while_running(
    store: Store,
) -> None:
    from monitor.catalog import settings_json
    from monitor.daemon.health import collect_status

    table = {"name": "ui", "kind": "page", "url": "http://127.0.0.1:9/ui", "every": "2h"}
    cfg = config()
    daemon = Daemon(cfg, store, new_lock(utcnow()))

    async def jobs_after(change: object) -> set[str]:
        scheduler = daemon.build_scheduler()
        scheduler.start(paused=True)
        try:
            if callable(change):
                change()
            await daemon._refresh_sources()
            return {job.id for job in scheduler.get_jobs() if job.id.startswith("check:")}
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)

    before = asyncio.run(jobs_after(None))
    assert "check:ui" not in before

    def add() -> None:
        store.add_ui_source(
            name="ui", kind="page", url=table["url"], settings=settings_json(table), now=utcnow()
        )

    assert "check:ui" in asyncio.run(jobs_after(add))
    source = store.get_source("ui")

    def disable() -> None:
        off = {**table, "enabled": False}
        store.update_ui_source(
            source.id, kind="page", url=table["url"], settings=settings_json(off)
        )

    assert "check:ui" not in asyncio.run(jobs_after(disable))
    assert "ui" in {s.name for s in collect_status(cfg, store, now=utcnow()).sources}
