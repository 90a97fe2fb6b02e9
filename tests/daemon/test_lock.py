"""The daemon lock row: atomic take-over rules, heartbeat, release (store level, real SQLite)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from monitor.daemon.lock import holder_alive, new_lock
from state.base import utcnow
from state.daemon import DaemonLock, LockHeldError
from state.store import Store, open_store

T0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(seconds=60)


def lock(owner: str, *, at: dt.datetime = T0, pid: int = 4242, host: str = "box-a") -> DaemonLock:
    return DaemonLock(owner=owner, pid=pid, host=host, started_at=at, heartbeat_at=at)


def alive(_lock: DaemonLock) -> bool | None:
    return True


def dead(_lock: DaemonLock) -> bool | None:
    return False


def unknown(_lock: DaemonLock) -> bool | None:
    return None


def test_first_daemon_takes_the_free_lock(store: Store) -> None:
    assert store.daemon_lock() is None
    assert store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive) is None
    held = store.daemon_lock()
    assert held is not None and (held.owner, held.pid, held.host) == ("a", 4242, "box-a")


def test_second_daemon_is_refused_and_told_who_holds_it(store: Store) -> None:
    store.acquire_daemon_lock(lock("a", pid=111), stale_after=STALE, is_alive=alive)
    with pytest.raises(LockHeldError) as err:
        store.acquire_daemon_lock(
            lock("b", at=T0 + dt.timedelta(hours=1)), stale_after=STALE, is_alive=alive
        )
    assert err.value.holder.owner == "a"
    assert "pid 111 on box-a" in str(err.value)
    assert store.daemon_lock().owner == "a"  # type: ignore[union-attr]


def test_dead_holder_on_this_host_is_replaced_at_once(store: Store) -> None:
    store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
    later = lock("b", at=T0 + dt.timedelta(seconds=1))
    replaced = store.acquire_daemon_lock(later, stale_after=STALE, is_alive=dead)
    assert replaced is not None and replaced.owner == "a"
    assert store.daemon_lock().owner == "b"  # type: ignore[union-attr]


def test_holder_on_another_host_is_trusted_until_its_heartbeat_is_stale(store: Store) -> None:
    store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
    with pytest.raises(LockHeldError):
        store.acquire_daemon_lock(
            lock("b", at=T0 + STALE - dt.timedelta(seconds=1)), stale_after=STALE, is_alive=unknown
        )
    replaced = store.acquire_daemon_lock(
        lock("b", at=T0 + STALE + dt.timedelta(seconds=1)), stale_after=STALE, is_alive=unknown
    )
    assert replaced is not None and replaced.owner == "a"


def test_a_live_holder_keeps_the_lock_even_with_an_old_heartbeat(store: Store) -> None:
    store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
    with pytest.raises(LockHeldError):
        store.acquire_daemon_lock(
            lock("b", at=T0 + dt.timedelta(days=1)), stale_after=STALE, is_alive=alive
        )


def test_heartbeat_and_release_only_work_for_the_owner(store: Store) -> None:
    store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
    beat = T0 + dt.timedelta(seconds=10)
    assert store.heartbeat("a", now=beat)
    assert store.daemon_lock().heartbeat_at == beat  # type: ignore[union-attr]
    assert not store.heartbeat("b", now=beat)
    assert not store.release_daemon_lock("b")
    assert store.release_daemon_lock("a")
    assert store.daemon_lock() is None


def test_taken_over_daemon_notices_at_its_next_heartbeat(store: Store) -> None:
    store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
    store.acquire_daemon_lock(lock("b"), stale_after=STALE, is_alive=dead)
    assert not store.heartbeat("a", now=T0 + dt.timedelta(seconds=5))
    assert not store.release_daemon_lock("a")
    assert store.daemon_lock().owner == "b"  # type: ignore[union-attr]


def test_two_connections_race_and_exactly_one_wins(db_path: Path, store: Store) -> None:
    other = open_store(db_path)
    try:
        store.acquire_daemon_lock(lock("a"), stale_after=STALE, is_alive=alive)
        with pytest.raises(LockHeldError):
            other.acquire_daemon_lock(lock("b"), stale_after=STALE, is_alive=alive)
    finally:
        other.close()


def test_holder_alive_sees_this_process_and_rejects_dead_or_reused_pids() -> None:
    mine = new_lock(utcnow())
    assert mine.pid == os.getpid()
    assert holder_alive(mine) is True
    assert holder_alive(dataclasses.replace(mine, pid=2**22 + 1)) is False
    # Our pid, but the lock was taken an hour before this process started: a reused pid.
    earlier = utcnow() - dt.timedelta(hours=1)
    assert holder_alive(dataclasses.replace(mine, started_at=earlier)) is False
    assert holder_alive(dataclasses.replace(mine, owner="another-boot/x")) is False
    assert holder_alive(dataclasses.replace(mine, host="elsewhere.example")) is None
