"""`policywatch status`: exit codes and what it reports, from the database alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from monitor.daemon.lock import new_lock
from parsers.records import AttemptOutcome, FetchAttempt
from state.base import utcnow
from state.store import Store
from tests.daemon.conftest import policywatch, write_config

SOURCES = """
[fetch]
allow_hosts = ["127.0.0.1"]

[[source]]
name = "tzgg"
kind = "html-list"
url = "http://127.0.0.1:9/list.html"
every = "30m"

[[source]]
name = "gfxwj"
kind = "html-list"
url = "http://127.0.0.1:9/gfxwj.html"
cron = "0 9 * * *"
"""


def fail(store: Store, source_id: int, at: dt.datetime, error: str = "HTTP 503") -> None:
    store.record_attempt(
        FetchAttempt(
            source_id=source_id,
            url="http://127.0.0.1:9/list.html",
            started_at=at,
            finished_at=at,
            outcome=AttemptOutcome.FAILED,
            error=error,
        )
    )


def succeed(store: Store, source_id: int, at: dt.datetime) -> None:
    store.record_attempt(
        FetchAttempt(
            source_id=source_id,
            url="http://127.0.0.1:9/list.html",
            started_at=at,
            finished_at=at,
            outcome=AttemptOutcome.UNCHANGED,
        )
    )


def status_json(config: Path) -> tuple[int, dict[str, object]]:
    result = policywatch(config, "status", "--json")
    return result.returncode, json.loads(result.stdout)


def test_status_without_a_daemon_exits_1(tmp_path: Path, store: Store) -> None:
    config = write_config(tmp_path, sources=SOURCES)
    code, report = status_json(config)
    assert code == 1
    assert report["daemon"] == {
        "running": False,
        "pid": None,
        "host": None,
        "started_at": None,
        "heartbeat_at": None,
    }
    sources = {s["name"]: s for s in report["sources"]}  # type: ignore[attr-defined]
    assert sources["tzgg"]["next_due"] is None  # never checked: due at once
    assert sources["gfxwj"]["schedule"] == "cron 0 9 * * *"


def test_status_with_a_live_daemon_and_healthy_sources_exits_0(
    tmp_path: Path, store: Store
) -> None:
    config = write_config(tmp_path, sources=SOURCES)
    now = utcnow()
    mine = new_lock(now)  # this test process plays the daemon: alive, fresh heartbeat
    store.acquire_daemon_lock(mine, stale_after=dt.timedelta(seconds=6), is_alive=lambda _: True)
    tzgg = store.sync_source(name="tzgg", kind="html-list", url="http://127.0.0.1:9/list.html")
    fail(store, tzgg.id, now - dt.timedelta(minutes=40))
    succeed(store, tzgg.id, now - dt.timedelta(minutes=10))
    code, report = status_json(config)
    assert code == 0, report
    assert report["daemon"]["running"] is True  # type: ignore[index]
    assert report["daemon"]["pid"] == mine.pid  # type: ignore[index]
    source = next(s for s in report["sources"] if s["name"] == "tzgg")  # type: ignore[attr-defined]
    assert source["consecutive_failures"] == 0
    assert source["last_error"] == "HTTP 503"
    assert source["last_success"] is not None
    due = dt.datetime.fromisoformat(source["next_due"])
    assert due == dt.datetime.fromisoformat(source["last_success"]) + dt.timedelta(minutes=30)


def test_status_exits_1_when_a_source_reached_the_failure_threshold(
    tmp_path: Path, store: Store
) -> None:
    config = write_config(tmp_path, sources=SOURCES, daemon={"failure_threshold": 3})
    now = utcnow()
    lock = new_lock(now)
    store.acquire_daemon_lock(lock, stale_after=dt.timedelta(seconds=6), is_alive=lambda _: True)
    tzgg = store.sync_source(name="tzgg", kind="html-list", url="http://127.0.0.1:9/list.html")
    for minutes in (90, 60, 30):
        fail(store, tzgg.id, now - dt.timedelta(minutes=minutes), error="connection refused")
    code, report = status_json(config)
    assert code == 1
    source = next(s for s in report["sources"] if s["name"] == "tzgg")  # type: ignore[attr-defined]
    assert (source["consecutive_failures"], source["failing"]) == (3, True)
    store.heartbeat(lock.owner, now=utcnow())  # the live daemon beats on (a loaded machine is slow)
    table = policywatch(config, "status")
    assert table.returncode == 1
    assert "connection refused" in table.stdout
    assert "Daemon: running" in table.stdout


def test_status_reports_a_dead_daemon_whose_lock_was_left_behind(
    tmp_path: Path, store: Store
) -> None:
    config = write_config(tmp_path)
    old = utcnow() - dt.timedelta(minutes=5)
    gone = new_lock(old)
    store.acquire_daemon_lock(
        type(gone)(
            owner=gone.owner, pid=2**22 + 7, host=gone.host, started_at=old, heartbeat_at=old
        ),
        stale_after=dt.timedelta(seconds=6),
        is_alive=lambda _: True,
    )
    result = policywatch(config, "status")
    assert result.returncode == 1
    assert "NOT running" in result.stdout


def test_status_without_a_database_exits_1(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = policywatch(config, "status")
    assert result.returncode == 1
    assert "no database" in result.stderr
