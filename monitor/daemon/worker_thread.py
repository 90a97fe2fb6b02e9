"""One daemon thread with one store connection of its own, reused by every job given to it.

The daemon's send runs block (SMTP, chat bots) and so run off the event loop. They used to get
a new thread and a new SQLite connection each (every `send_every`, 15 s in the soak): each
connection filled a page cache of its own and gave it back, in a malloc arena shared with the
reading pool's threads. One long-lived thread keeps one connection warm instead: its page
cache is allocated once (SQLite's `cache_size`, 2 MB by default) and the daemon's memory
stays flat (#18).

The thread is a daemon thread: a hung SMTP server cannot hold up the exit. A job cut short at
exit is safe: a send run's rows stay claimed and are sent again, with the same Message-ID,
after the claim lease.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from state.store import Store, open_store

_Job = tuple[Callable[..., Any], tuple[Any, ...], "Future[Any]"]


class StoreThread:
    """Runs `func(store, *args)` jobs one at a time on one thread and one connection."""

    def __init__(self, path: Path, *, name: str) -> None:
        self.path = path
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._busy = False  # a job is running (a hung one is not waited for at close)

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run `func(store, *args)` on the thread (started on first use); its result."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()
        future: Future[Any] = Future()
        self._jobs.put((func, args, future))
        return await asyncio.wrap_future(future)  # a loop gone by then is left alone

    def close(self, timeout: float = 1.0) -> None:
        """Have the thread close its connection and end; waits up to `timeout` for that when
        it is idle (a job still running at exit, a hung SMTP server, is not waited for)."""
        if self._thread is None:
            return
        self._jobs.put(None)
        if not self._busy:
            self._thread.join(timeout)

    def _work(self) -> None:
        store: Store | None = None
        try:
            while (job := self._jobs.get()) is not None:
                func, args, future = job
                if not future.set_running_or_notify_cancel():
                    continue  # its caller was cancelled before the job began
                self._busy = True
                result: Any = None
                error: BaseException | None = None
                try:
                    if store is None:
                        store = open_store(self.path, migrate=False)
                    result = func(store, *args)
                except BaseException as exc:  # handed to the awaiting task
                    error = exc
                # idle before the caller hears back: a close() that follows the result waits
                self._busy = False
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(result)
        finally:
            if store is not None:
                store.close()
