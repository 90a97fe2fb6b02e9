"""The daemon sends comment-deadline reminders on time, once, and not when the final came
first: the real scheduler and send job (every 200 ms) over a real database, with a fake clock
the test moves from the draft's day to its reminder time and past it.

The daemon runs in this process (`Daemon(..., clock=...)`); every send run records the time it
saw, so "nothing was sent" is asserted only after a run that saw the new time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import monitor.daemon.service as service
from monitor.config import Config, DaemonConfig
from monitor.daemon.lock import acquire_lock
from monitor.daemon.service import Daemon
from monitor.review.actions import approve_change_set
from monitor.review.reminders import reminder_time
from monitor.review.sending import SendReport
from parsers.records import ChangeSetKind, OutboxState
from state.store import Store, open_store
from tests.replica import DRAFT_DAY, Replica, replica_config, store_final

DEADLINE = dt.date(2022, 7, 20)


class FakeClock:
    """A clock the test sets; the daemon's jobs read it."""

    def __init__(self, now: dt.datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, now: dt.datetime) -> None:
        """Move the clock."""
        with self._lock:
            self._now = now


def _config(replica: Replica, tmp_path: Path) -> Config:
    config = replica_config(replica.path, tmp_path / "outbox")
    daemon = DaemonConfig(send_every=dt.timedelta(milliseconds=200), jitter=dt.timedelta(0))
    return dataclasses.replace(config, sources=(), daemon=daemon)


def _states(store: Store, kind: ChangeSetKind) -> list[OutboxState]:
    sets = [cs.id for cs in store.list_change_sets() if cs.kind is kind]
    return [i.state for cs_id in sets for i in store.list_outbox(change_set_id=cs_id)]


async def _until(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _run_daemon(
    config: Config,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Callable[[list[dt.datetime]], object],
    stores: list[tuple[int, Store]] | None = None,
) -> None:
    """Run the daemon while `scenario(seen)` moves the clock; `seen`: the send runs' times;
    `stores`: each send run's thread and connection."""
    seen: list[dt.datetime] = []
    real = service._send_due

    def counting(store: Store, config: Config, clock: Callable[[], dt.datetime]) -> SendReport:
        report = real(store, config, clock)
        seen.append(clock())
        if stores is not None:
            stores.append((threading.get_ident(), store))
        return report

    monkeypatch.setattr(service, "_send_due", counting)
    with open_store(config.database.path) as store:
        lock = acquire_lock(store, config)
        daemon = Daemon(config, store, lock, clock=clock)

        async def main() -> None:
            task = asyncio.ensure_future(daemon.run())
            try:
                await scenario(seen)  # type: ignore[misc]
            finally:
                daemon.request_stop("test over")
                assert await task == 0

        try:
            asyncio.run(main())
        finally:
            store.release_daemon_lock(lock.owner)


@dataclasses.dataclass
class _Setup:
    config: Config
    clock: FakeClock
    due: dt.datetime  # the reminder time of the draft's deadline
    db: Store  # the test's own connection, to watch the outbox


def _approved_draft(replica: Replica, tmp_path: Path) -> _Setup:
    """The replica's draft approved on its day (three emails queued), the clock on that day."""
    config = _config(replica, tmp_path)
    with open_store(replica.path) as store:
        approve_change_set(store, replica.draft_set, actor="t", now=DRAFT_DAY, config=config)
    return _Setup(
        config=config,
        clock=FakeClock(DRAFT_DAY),
        due=reminder_time(DEADLINE, config),
        db=open_store(replica.path, migrate=False),
    )


async def _drafts_sent(db: Store) -> None:
    await _until(
        lambda: _states(db, ChangeSetKind.NEW_DOCUMENT) == [OutboxState.SENT] * 3,
        "the draft's three emails",
    )


async def _after_a_run_at(seen: list[dt.datetime], now: dt.datetime) -> None:
    count = len(seen)
    await _until(lambda: len(seen) > count and seen[-1] == now, f"a send run at {now}")


def test_the_daemon_reminds_once_at_the_reminder_time(
    draft_replica: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _approved_draft(draft_replica, tmp_path)

    async def scenario(seen: list[dt.datetime]) -> None:
        await _drafts_sent(t.db)
        t.clock.set(t.due - dt.timedelta(minutes=5))
        await _after_a_run_at(seen, t.due - dt.timedelta(minutes=5))
        assert _states(t.db, ChangeSetKind.REMINDER) == []  # not yet
        t.clock.set(t.due)
        await _until(
            lambda: _states(t.db, ChangeSetKind.REMINDER) == [OutboxState.SENT] * 3,
            "three reminders sent",
        )
        for later in (t.due + dt.timedelta(hours=6), t.due + dt.timedelta(days=2)):
            t.clock.set(later)
            await _after_a_run_at(seen, later)
        assert _states(t.db, ChangeSetKind.REMINDER) == [OutboxState.SENT] * 3  # exactly once

    try:
        _run_daemon(t.config, t.clock, monkeypatch, scenario)
    finally:
        t.db.close()
    assert len(list(t.config.outbox.dir.glob("*.eml"))) == 6  # three drafts, three reminders


def test_the_daemon_does_not_remind_when_the_final_came_first(
    draft_replica: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _approved_draft(draft_replica, tmp_path)

    async def scenario(seen: list[dt.datetime]) -> None:
        await _drafts_sent(t.db)
        store_final(t.db, draft_replica, t.due - dt.timedelta(days=2))  # the final is out early
        for later in (t.due, t.due + dt.timedelta(days=1)):
            t.clock.set(later)
            await _after_a_run_at(seen, later)
        assert _states(t.db, ChangeSetKind.REMINDER) == []

    try:
        _run_daemon(t.config, t.clock, monkeypatch, scenario)
    finally:
        t.db.close()


def test_every_send_run_reuses_one_thread_and_one_connection(
    draft_replica: Replica, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send runs (every 200 ms here) share one thread and one SQLite connection, closed at
    exit: no new thread, connection and page cache per run (a months-long daemon's memory)."""
    t = _approved_draft(draft_replica, tmp_path)
    runs: list[tuple[int, Store]] = []

    async def scenario(seen: list[dt.datetime]) -> None:
        await _drafts_sent(t.db)
        for minutes in (1, 2, 3):
            t.clock.set(DRAFT_DAY + dt.timedelta(minutes=minutes))
            await _after_a_run_at(seen, DRAFT_DAY + dt.timedelta(minutes=minutes))

    try:
        _run_daemon(t.config, t.clock, monkeypatch, scenario, runs)
    finally:
        t.db.close()
    assert len(runs) >= 4
    assert len({thread for thread, _store in runs}) == 1
    assert threading.get_ident() not in {thread for thread, _store in runs}  # off the loop
    stores = {id(store): store for _thread, store in runs}
    assert len(stores) == 1
    assert _closed_soon(next(iter(stores.values())))  # when the daemon stopped


def _closed_soon(store: Store, wait: float = 10.0) -> bool:
    """True once the store's connection is closed (its own thread closes it)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            store.conn.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        time.sleep(0.01)
    return False
