""" "Check now" from the review UI: one source checked in a background thread, with its own
store and event loop, at most one check per source at a time.

`policywatch serve` and `policywatch run --serve` hand a `BackgroundChecks` to the UI (which
does not import the check pipeline itself). The check is an ordinary one: it records its
attempt and stores what it finds exactly as a scheduled check would.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from monitor.check.cycle import run_check
from monitor.clock import Clock, utcnow
from monitor.config import Config
from state.store import open_store

logger = logging.getLogger(__name__)


class BackgroundChecks:
    """Starts checks of single sources in daemon threads (a `monitor.web` `CheckRunner`)."""

    def __init__(self, config: Config, *, clock: Clock = utcnow) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def start(self, name: str) -> bool:
        """Start checking `name`; False when a check of it started here is still running."""
        with self._lock:
            if self.running_locked(name):
                return False
            thread = threading.Thread(
                target=self._check, args=(name,), name=f"check-now:{name}", daemon=True
            )
            self._threads[name] = thread
            thread.start()
        return True

    def running(self, name: str) -> bool:
        """True while a check of `name` started here is running."""
        with self._lock:
            return self.running_locked(name)

    def running_locked(self, name: str) -> bool:
        """`running` for a caller that holds the lock."""
        thread = self._threads.get(name)
        return thread is not None and thread.is_alive()

    def wait(self, name: str, timeout: float) -> bool:
        """Wait for the check of `name` to end (tests); True when it has."""
        with self._lock:
            thread = self._threads.get(name)
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _check(self, name: str) -> None:
        try:
            with open_store(self.config.database.path, migrate=False) as store:
                report = asyncio.run(run_check(self.config, store, sources=(name,), now=self.clock))
            for source in report.reports:
                logger.info("check now of %s: %s", source.name, source.outcome)
        except Exception:  # a thread's last line of defence: the attempt row says the rest
            logger.exception("check now of %s failed", name)
