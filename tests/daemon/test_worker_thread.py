"""`StoreThread`: the daemon's blocking jobs (send runs) on one thread and one connection."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from monitor.daemon.worker_thread import StoreThread
from state.store import Store, open_store


def test_jobs_share_one_thread_and_connection_and_a_failure_reaches_its_caller(
    db_path: Path,
) -> None:
    open_store(db_path).close()  # migrated: the thread's connection does not migrate
    worker = StoreThread(db_path, name="send")
    seen: list[tuple[int, Store]] = []

    def job(store: Store, value: int) -> int:
        seen.append((threading.get_ident(), store))
        if value < 0:
            raise ValueError("a bad run")
        return int(store.scalar("SELECT ?", (value,)))

    async def main() -> list[int]:
        first = await worker.run(job, 1)
        with pytest.raises(ValueError, match="a bad run"):
            await worker.run(job, -1)
        return [first, await worker.run(job, 3)]

    try:
        assert asyncio.run(main()) == [1, 3]
    finally:
        worker.close(timeout=30)  # idle: waits for the connection to close
    assert len({thread for thread, _store in seen}) == 1 and len(seen) == 3
    assert threading.get_ident() not in {thread for thread, _store in seen}
    stores = {id(store): store for _thread, store in seen}
    assert len(stores) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        next(iter(stores.values())).conn.execute("SELECT 1")


def test_a_caller_cancelled_before_its_job_began_does_not_stop_the_thread(db_path: Path) -> None:
    open_store(db_path).close()
    worker = StoreThread(db_path, name="send")
    ran: list[str] = []

    async def main() -> int:
        busy = asyncio.create_task(worker.run(lambda store: time.sleep(0.3)))
        waiting = asyncio.create_task(worker.run(lambda store: ran.append("cancelled job")))
        await asyncio.sleep(0.05)
        waiting.cancel()
        await busy
        return int(await asyncio.wait_for(worker.run(lambda store: store.scalar("SELECT 7")), 10))

    try:
        assert asyncio.run(main()) == 7
    finally:
        worker.close(timeout=30)
    assert ran == []  # a job whose caller gave up before it began is not run
