"""`policywatch run`: the scheduled service (APScheduler 3.x `AsyncIOScheduler`) in the foreground.

Jobs: one check per enabled source (its `every` with jitter, or its `cron` in Asia/Shanghai;
the config file's sources and those added in the review UI, which a `sources` job picks up as
staff add, change or disable them), sending due outbox rows every `send_every` (comment-deadline
reminders are queued first), the digest at `digest_time`, the heartbeat of the daemon lock, and
a daily retention pass. Every job reads the time from the daemon's `clock` (tests pass a fake
one). The first run of each check is derived from the
database (last attempt + interval; never checked: at once), so a restart neither skips nor
bunches checks. SIGTERM/SIGINT stop scheduling, let in-flight jobs finish (or cancel them, which
rolls their transaction back), close the store and release the lock, all within `STOP_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from monitor.catalog import effective_sources, sync_records
from monitor.check.cycle import run_check
from monitor.check.reader import Reader, cores
from monitor.clock import Clock, utcnow
from monitor.config import Config, SourceConfig
from monitor.daemon import memory
from monitor.daemon.lock import acquire_lock
from monitor.daemon.schedule import next_due, source_trigger
from monitor.daemon.worker_thread import StoreThread
from monitor.local_time import SHANGHAI
from monitor.review.channels import delivery_problems
from monitor.review.sending import SendReport, send_due
from state.daemon import DaemonLock
from state.store import Store, open_store

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from monitor.web.server import UIServer

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 8.0  # seconds in-flight jobs get after SIGTERM before they are cancelled
HOUSEKEEPING_EVERY = dt.timedelta(days=1)
SOURCES_EVERY = dt.timedelta(seconds=15)  # how soon a source added in the UI is scheduled


# -- the service ----------------------------------------------------------------------------


class Daemon:
    """The scheduler, its jobs and the shutdown sequence, over one open store."""

    def __init__(
        self, config: Config, store: Store, lock: DaemonLock, *, clock: Clock = utcnow
    ) -> None:
        self.config = config
        self.store = store
        self.lock = lock
        self.clock = clock
        self.exit_code = 0
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[Any]] = set()
        self._sources = {s.name: s for s in effective_sources(config, store) if s.enabled}
        self._extra: list[tuple[asyncio.Task[Any], Callable[[], None]]] = []
        self._reader: Reader | None = None  # set while `run` runs
        # Send runs block (SMTP): one thread and one connection of their own, kept warm.
        self._sender = StoreThread(config.database.path, name="send")
        self._scheduler: AsyncIOScheduler | None = None

    def request_stop(self, reason: str = "requested", exit_code: int = 0) -> None:
        """Stop scheduling and shut down (idempotent; a second signal cancels in-flight jobs)."""
        if self._stop.is_set():
            logger.warning("second stop request (%s): cancelling in-flight jobs", reason)
            for task in list(self._inflight):
                task.cancel()
            return
        logger.info("stopping: %s", reason, extra={"pw_event": "stopping"})
        self.exit_code = exit_code
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self._stop.is_set()

    def add_companion(self, coro: Awaitable[Any], *, on_stop: Callable[[], None]) -> None:
        """Run a coroutine (the review UI) beside the scheduler; `on_stop` asks it to finish."""
        self._extra.append((asyncio.ensure_future(coro), on_stop))

    async def run(self) -> int:
        """Schedule every job, wait for a stop request, shut down; returns the exit code.

        The reading worker starts first (forked while the process has one thread) and stays
        warm for every check: documents are never read in this process, so a hostile one
        cannot stop the heartbeat or the review UI.
        """
        # one worker per core, not `pool_size()`'s spare: warm for months, mostly idle
        async with Reader.for_config(self.config, workers=cores()) as self._reader:
            return await self._run()

    async def _run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, signal.Signals(sig).name)
        scheduler = self.build_scheduler()
        scheduler.start()
        logger.info(
            "daemon started: %d source(s), pid %s",
            len(self._sources),
            os.getpid(),
            extra={"pw_event": "started", "pw_sources": len(self._sources)},
        )
        try:
            await self._stop.wait()
        finally:
            scheduler.pause()
            await self._drain()
            self._sender.close()
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # let the scheduler's shutdown callback run
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        return self.exit_code

    async def _drain(self) -> None:
        """Let in-flight jobs finish within STOP_TIMEOUT, then cancel what is left."""
        for _task, on_stop in self._extra:
            on_stop()
        pending = {*self._inflight, *(task for task, _stop in self._extra)}
        if pending:
            _done, late = await asyncio.wait(pending, timeout=STOP_TIMEOUT)
            for task in late:
                logger.warning("cancelling %s (did not finish in time)", task.get_name())
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        logger.info("daemon stopped", extra={"pw_event": "stopped"})

    def build_scheduler(self) -> AsyncIOScheduler:
        """Every job, with each check's first run derived from the database (not started)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(
            timezone=SHANGHAI,
            job_defaults={
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": int(self.config.daemon.misfire_grace.total_seconds()) or 1,
            },
        )
        now = utcnow()
        for source in self._sources.values():
            self._add_check(scheduler, source, now)
        self._add_service_jobs(scheduler, now)
        self._scheduler = scheduler
        return scheduler

    def _add_check(
        self, scheduler: AsyncIOScheduler, source: SourceConfig, now: dt.datetime
    ) -> None:
        """The check job of one source: first run at last attempt + interval, or now."""
        record = sync_records(self.store, self.config, [source])[source.name]
        due = max(next_due(source, self.store.last_attempt_at(record.id)) or now, now)
        scheduler.add_job(
            self._tracked(self._check, source),
            source_trigger(source, self.config.daemon.jitter),
            id=f"check:{source.name}",
            name=f"check {source.name}",
            next_run_time=due,
        )
        logger.info("source %s next due %s", source.name, due.isoformat())

    def _add_service_jobs(self, scheduler: AsyncIOScheduler, now: dt.datetime) -> None:
        """Sending, the digest, the heartbeat and housekeeping."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        daemon = self.config.daemon
        every = IntervalTrigger(seconds=daemon.send_every.total_seconds())
        scheduler.add_job(self._tracked(self._send), every, id="send", next_run_time=now)
        at = self.config.notifications.digest_time
        digest = CronTrigger(hour=at.hour, minute=at.minute, timezone=SHANGHAI)
        scheduler.add_job(self._tracked(self._send), digest, id="digest")
        beat = IntervalTrigger(seconds=daemon.heartbeat.total_seconds())
        scheduler.add_job(self._tracked(self._heartbeat), beat, id="heartbeat")
        daily = IntervalTrigger(seconds=HOUSEKEEPING_EVERY.total_seconds())
        # Soon after each start too: a daemon restarted daily would otherwise never prune.
        soon = now + dt.timedelta(minutes=5)
        scheduler.add_job(
            self._tracked(self._housekeeping), daily, id="housekeeping", next_run_time=soon
        )
        every_sources = IntervalTrigger(seconds=SOURCES_EVERY.total_seconds())
        scheduler.add_job(self._tracked(self._refresh_sources), every_sources, id="sources")

    async def _refresh_sources(self) -> None:
        """Schedule the sources staff added or changed in the review UI, unschedule the ones
        they disabled (the config file's change only with a restart, as before)."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        wanted = {s.name: s for s in effective_sources(self.config, self.store) if s.enabled}
        for name, source in self._sources.items():
            if wanted.get(name) != source:
                scheduler.remove_job(f"check:{name}")
                logger.info("source %s unscheduled (disabled, removed or changed)", name)
        now = utcnow()
        for name, source in wanted.items():
            if self._sources.get(name) != source:
                self._add_check(scheduler, source, now)
        self._sources = wanted

    def _tracked(
        self, job: Callable[..., Awaitable[None]], *args: Any
    ) -> Callable[[], Awaitable[None]]:
        """Wrap a job so shutdown can wait for it, and so a bug in it never stops the daemon."""

        async def run() -> None:
            if self._stop.is_set():
                return
            task = asyncio.current_task()
            assert task is not None
            self._inflight.add(task)
            try:
                await job(*args)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job %s failed", getattr(job, "__name__", job))
            finally:
                self._inflight.discard(task)

        run.__name__ = getattr(job, "__name__", "job")
        return run

    async def _check(self, source: SourceConfig) -> None:
        """Check one source; the pipeline records its attempt and flags it after N failures."""
        started = self.clock()
        cycle = await run_check(
            self.config, self.store, sources=(source,), now=self.clock, reader=self._reader
        )
        for report in cycle.reports:
            logger.info(
                "checked %s: %s",
                report.name,
                report.outcome,
                extra=_extra(
                    {
                        "event": "checked",
                        "source": report.name,
                        "outcome": str(report.outcome),
                        "started_at": started.isoformat(),
                        "new_documents": report.new_documents,
                        "changed": report.changed,
                        "error": report.error,
                    }
                ),
            )

    async def _send(self) -> None:
        """Deliver the outbox rows that are due (immediate ones and digests), off the loop."""
        report = await self._sender.run(_send_due, self.config, self.clock)
        logger.debug("send report %r", report)

    async def _heartbeat(self) -> None:
        """Refresh the lock's heartbeat; stop when another daemon took the lock over."""
        if not self.store.heartbeat(self.lock.owner, now=utcnow()):
            logger.error("the daemon lock was taken over by another process; stopping")
            self.request_stop("lock lost", exit_code=1)
        memory.trim()  # freed native memory back to the system: RSS stays flat for months

    async def _housekeeping(self) -> None:
        """Prune attempts and superseded raw bodies past `retention`."""
        report = self.store.apply_retention(older_than=utcnow() - self.config.daemon.retention)
        logger.info(
            "retention: %d attempt(s) deleted, %d raw body(ies) dropped",
            report.attempts_deleted,
            report.raw_bodies_dropped,
            extra={"pw_event": "retention", **_extra(dataclasses.asdict(report))},
        )


def _send_due(store: Store, config: Config, clock: Clock) -> SendReport:
    """One send run, on the send thread's own connection (SMTP blocks; the loop keeps
    checking meanwhile)."""
    return send_due(config, store, now=clock())


def _extra(values: dict[str, Any]) -> dict[str, Any]:
    return {f"pw_{k}": v for k, v in values.items()}


async def serve_daemon(config: Config, store: Store, lock: DaemonLock, *, serve: bool) -> int:
    """Run the daemon (and with `serve`, the review UI in the same loop) until stopped."""
    daemon = Daemon(config, store, lock)
    if serve:
        server = _ui_server(config)
        daemon.add_companion(_serve_ui(server, daemon), on_stop=server.request_exit)
    return await daemon.run()


def _ui_server(config: Config) -> UIServer:
    """The review UI's server inside the daemon (its signals and logging are the daemon's)."""
    # Loaded only for `run --serve`: a daemon without the UI does not carry Starlette.
    from monitor.check.background import BackgroundChecks
    from monitor.web.server import build_app, build_server

    return build_server(build_app(config, checks=BackgroundChecks(config)), config, embedded=True)


async def _serve_ui(server: UIServer, daemon: Daemon) -> None:
    """Serve until asked to exit; if the server stops on its own, stop the daemon too."""
    try:
        await server.serve()
    except SystemExit:  # uvicorn exits when it cannot start (port in use)
        logger.error("the review UI could not start on %s", server.config.port)
    finally:
        if not daemon.stopping:
            daemon.request_stop("review UI stopped", exit_code=1)


def run_daemon(config: Config, *, serve: bool = False) -> int:
    """`policywatch run`: take the lock, run until SIGTERM/SIGINT, release; returns exit code."""
    memory.limit_arenas()  # before the reading pool and the send runs start their threads
    for problem in delivery_problems(config):
        logger.warning("%s: messages for it will be held until it is set", problem)
    with open_store(config.database.path) as store:
        lock = acquire_lock(store, config)
        try:
            return asyncio.run(serve_daemon(config, store, lock, serve=serve))
        finally:
            store.release_daemon_lock(lock.owner)
