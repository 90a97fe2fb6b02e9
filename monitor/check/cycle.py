"""One check cycle: discover, fetch, parse, link, store versions and change sets.

`run_check` checks every (or the named) enabled source over one shared `Fetcher`;
`check_source` is the per-source boundary: it catches everything, records exactly one
`FetchAttempt` and flags the source after `failure_threshold` consecutive failures.

Change detection (per URL, see `monitor.check.items`): each URL remembers its validators and the
clause tree it showed last; only a URL whose tree changed (or a new URL) can add a version,
and only when its tree differs from the document's latest version, so one final published on
four renditions is one version. A fetch error, an empty page, an unrecognised layout or a
collapsed parse is a failed attempt and never a change set.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import parsers
from monitor.catalog import effective_sources, sync_records
from monitor.check.items import ItemChecker, Traffic, unreadable
from monitor.check.outcome import ItemOutcome
from monitor.check.reader import Reader
from monitor.check.versions import Approver, Baseline, UrlMemory, VersionWriter
from monitor.clock import Clock, as_clock
from monitor.config import Config, SourceConfig, format_duration
from monitor.errors import MonitorError
from monitor.fetch.client import Fetcher
from parsers.records import AttemptOutcome, FetchAttempt, SourceRecord
from state.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """What one source check did."""

    name: str
    outcome: AttemptOutcome
    new_documents: int = 0
    changed: int = 0  # change sets of kind CHANGED
    baselines: int = 0
    requests: int = 0
    not_modified: int = 0  # requests answered 304
    error: str | None = None
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        """True when the attempt failed."""
        return self.outcome is AttemptOutcome.FAILED


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleReport:
    """The sum of one cycle over several sources."""

    reports: tuple[SourceReport, ...] = ()
    elapsed: float = 0.0

    @property
    def checked(self) -> int:
        """Sources checked."""
        return len(self.reports)

    @property
    def unchanged(self) -> int:
        """Sources that brought nothing new (304s, same trees, baselines)."""
        quiet = (AttemptOutcome.NOT_MODIFIED, AttemptOutcome.UNCHANGED, AttemptOutcome.BASELINE)
        return sum(1 for r in self.reports if r.outcome in quiet)

    @property
    def new_documents(self) -> int:
        """New documents found."""
        return sum(r.new_documents for r in self.reports)

    @property
    def changed(self) -> int:
        """New versions of known documents (change sets)."""
        return sum(r.changed for r in self.reports)

    @property
    def failed(self) -> int:
        """Sources whose check failed."""
        return sum(1 for r in self.reports if r.failed)

    @property
    def not_modified(self) -> int:
        """Requests answered 304."""
        return sum(r.not_modified for r in self.reports)

    @property
    def requests(self) -> int:
        """HTTP requests made."""
        return sum(r.requests for r in self.reports)


def _selected(
    config: Config, store: Store, sources: Sequence[str | SourceConfig] | None
) -> list[SourceConfig]:
    """The sources to check: given ones, named ones (the file's or the review UI's), or every
    enabled one."""
    if sources is not None and all(isinstance(s, SourceConfig) for s in sources):
        return [s for s in sources if isinstance(s, SourceConfig)]
    known = effective_sources(config, store)
    if sources is None:
        return [s for s in known if s.enabled]
    by_name = {s.name: s for s in known}
    selected = []
    for wanted in sources:
        if isinstance(wanted, SourceConfig):
            selected.append(wanted)
        elif wanted in by_name:
            selected.append(by_name[wanted])
        else:
            selected.append(config.source(wanted))  # ConfigError naming the known ones
    return selected


async def run_check(
    config: Config,
    store: Store,
    *,
    sources: Sequence[str | SourceConfig] | None = None,
    now: Clock | dt.datetime | None = None,
    on_progress: Callable[[SourceReport], None] | None = None,
    reader: Reader | None = None,
    batched: bool = False,
) -> CycleReport:
    """One cycle over the given (names or configs) or all enabled sources; never raises for one.

    `reader`: a running Reader to read with (the daemon's, kept warm); else one for this cycle.
    `batched`: commit the results of many sources in one transaction (`Batch`), for a process
    that only checks (`policywatch check`); else each source's results commit as they come.
    """
    started = time.perf_counter()
    selected = _selected(config, store, sources)
    records = sync_records(store, config, selected)
    log = AttemptLog(store)
    batch = Batch(store) if batched else None
    with batch or contextlib.nullcontext(), _fewer_collections(len(selected)):
        try:
            async with contextlib.AsyncExitStack() as stack:
                if reader is None:  # started first: its worker forks before any thread exists
                    reader = await stack.enter_async_context(Reader.for_config(config))
                reports = await _cycle(
                    config, store, selected, records, log, as_clock(now), on_progress, reader, batch
                )
        finally:
            log.flush()
    return CycleReport(reports=tuple(reports), elapsed=time.perf_counter() - started)


class Batch:
    """One write transaction over the results of many sources, committed every `size` sources
    or `seconds` (a first sight of 1,000 pages made 2,000 commits, each writing the same
    index and table pages to the WAL again).

    Kill-safety holds as it did per source: a source's version, change set, approval, emails
    queued in the outbox, URL validators and attempt all live in the same transaction, and
    every unit inside it is complete (the store's blocks never span an `await`, so a commit
    between two sources never splits one). A kill loses the uncommitted sources whole, URL
    validators included, so the next check fetches and reads them again and stores exactly
    what this one would have. Only for a process that acts on nothing it has not committed:
    `policywatch check` (emails are sent by `run`/`send` from committed outbox rows). Not the
    daemon: it checks one source per cycle, and its other jobs (heartbeat, retention,
    overlapping checks) write on the same connection, so a transaction held across awaits
    would carry their writes along. The write lock is held at most `seconds` at a time: other
    writers wait on the busy timeout (10 s), readers never wait (WAL).
    """

    def __init__(self, store: Store, *, size: int = 100, seconds: float = 0.5) -> None:
        self.store = store
        self.size = size
        self.seconds = seconds
        self._pending = 0
        self._since = 0.0

    def __enter__(self) -> Batch:
        self._begin()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _begin(self) -> None:
        if not self.store.conn.in_transaction:
            self.store.conn.execute("BEGIN IMMEDIATE")
        self._pending, self._since = 0, time.monotonic()

    def done(self) -> None:
        """A source's check is over (no store block open): commit when the batch is full."""
        self._pending += 1
        if self._pending >= self.size or time.monotonic() - self._since >= self.seconds:
            self.commit()
            self._begin()

    def commit(self) -> None:
        """Commit what the batch holds (complete sources only)."""
        if self.store.conn.in_transaction:
            self.store.conn.execute("COMMIT")

    def close(self) -> None:
        """Commit and end the batch (a failed commit rolls back: the sources are read again)."""
        try:
            self.commit()
        except BaseException:
            if self.store.conn.in_transaction:
                self.store.conn.execute("ROLLBACK")
            raise


_GC_DEPTH = [0]  # cycles running in this process (the daemon may overlap several)


FREEZE_FROM = 2  # sources in a cycle: the daemon's one-source cycles leave the collector alone


@contextlib.contextmanager
def _fewer_collections(sources: int) -> Iterator[None]:
    """A cycle of many sources allocates many short-lived objects and few reference cycles:
    move what exists to the permanent generation and collect the youngest less often (about
    5% of a big cycle's CPU); the outermost of overlapping cycles restores the collector's
    settings.

    Not for the daemon's one-source cycles: `gc.freeze()` also resets the generations' counts
    (CPython 3.11), so cycles that overlap all day long meant no collection of the older
    generations ever ran again, and every reference cycle that outlived one young collection
    stayed in memory: the daemon grew from 61 to 83 MB in a 30-minute soak, faster as it aged
    (#18)."""
    if sources < FREEZE_FROM:
        yield
        return
    _GC_DEPTH[0] += 1
    old = gc.get_threshold()
    if _GC_DEPTH[0] == 1:
        gc.freeze()
        gc.set_threshold(max(old[0], 20_000), old[1], old[2])
    try:
        yield
    finally:
        _GC_DEPTH[0] -= 1
        if _GC_DEPTH[0] == 0:
            gc.set_threshold(*_GC_DEFAULT)
            gc.unfreeze()


_GC_DEFAULT = gc.get_threshold()


async def _cycle(
    config: Config,
    store: Store,
    selected: list[SourceConfig],
    records: dict[str, SourceRecord],
    log: AttemptLog,
    clock: Clock,
    on_progress: Callable[[SourceReport], None] | None,
    reader: Reader,
    batch: Batch | None = None,
) -> list[SourceReport]:
    """Check the selected sources over one shared fetcher and reader."""
    gate = asyncio.Semaphore(in_flight(config))
    memory = UrlMemory(store, ahead=(s.url for s in selected))
    async with Fetcher(config.fetch) as fetcher:

        async def one(source: SourceConfig) -> SourceReport:
            async with gate:
                report = await check_source(
                    source,
                    fetcher=fetcher,
                    store=store,
                    memory=memory,
                    clock=clock,
                    config=config,
                    record=records[source.name],
                    log=log,
                    reader=reader,
                )
            if batch is not None:
                batch.done()
            if on_progress is not None:
                on_progress(report)
            return report

        return list(await asyncio.gather(*(one(s) for s in selected)))


def in_flight(config: Config) -> int:
    """Sources a cycle checks at once: enough to keep every connection `[fetch]` allows busy
    while some sources wait on the reading workers, few enough that the bodies fetched ahead
    of the workers stay under a megabyte (a first sight of 1,000 pages held every page until
    its turn: peak RSS 70 MB, now 50 MB)."""
    return max(32, 4 * config.fetch.concurrency)


class AttemptLog:
    """Writes the attempts of quiet checks in batches; failures and news go out at once.

    A version and its change set are written (in their own transaction) when they are found;
    only the bookkeeping row of a check that brought nothing waits here, at most `size` of them.
    """

    def __init__(self, store: Store, *, size: int = 250) -> None:
        self.store = store
        self.size = size
        self.pending: list[FetchAttempt] = []

    def add(self, attempt: FetchAttempt) -> None:
        """Record an attempt: quiet ones batched, the others written now."""
        quiet = attempt.outcome in (AttemptOutcome.NOT_MODIFIED, AttemptOutcome.UNCHANGED)
        if not quiet:
            self.store.record_attempt(attempt)
            return
        self.pending.append(attempt)
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Write the pending attempts in one transaction."""
        pending, self.pending = self.pending, []
        self.store.record_attempts(pending)


async def check_source(
    source: SourceConfig,
    *,
    fetcher: Fetcher,
    store: Store,
    memory: UrlMemory,
    clock: Clock,
    config: Config,
    record: SourceRecord,
    log: AttemptLog,
    reader: Reader,
) -> SourceReport:
    """Check one source; catches everything, records one attempt, flags after N failures."""
    started_at, started = clock(), time.perf_counter()
    traffic = Traffic(fetcher)
    first_sight = record.first_sight
    writer = VersionWriter(
        store=store,
        memory=memory,
        source_id=record.id,
        clock=clock,
        approve=_approver(store, record, config, clock),
        baseline=Baseline.at(started_at, source.baseline_recent) if first_sight else None,
    )
    checker = ItemChecker(
        source, traffic=traffic, store=store, memory=memory, reader=reader, writer=writer
    )
    outcome = await _bounded(checker, source, config.daemon.check_deadline)
    verdict = attempt_outcome(outcome, traffic)
    attempt = _attempt(record.id, source, outcome, traffic, verdict, started_at, clock())
    if first_sight:  # the attempt and the baseline's tally in one transaction
        with store.atomic():
            log.add(attempt)
            store.record_baseline(
                record.id,
                baselines=outcome.baselines,
                recent=outcome.new_documents,
                at=started_at,
                done=verdict is not AttemptOutcome.FAILED,
            )
    else:
        log.add(attempt)
    _flag(store, record, verdict, config)
    return SourceReport(
        name=source.name,
        outcome=verdict,
        new_documents=outcome.new_documents,
        changed=outcome.changed,
        baselines=outcome.baselines,
        requests=traffic.requests,
        not_modified=traffic.not_modified,
        error="; ".join(outcome.errors) or None,
        elapsed=time.perf_counter() - started,
    )


async def _bounded(
    checker: ItemChecker, source: SourceConfig, deadline: dt.timedelta
) -> ItemOutcome:
    """Run one source's check, catching everything, within `[daemon] check_deadline` (what it
    stored before the deadline stays: each version is its own transaction)."""
    scope = asyncio.timeout(deadline.total_seconds())
    try:
        async with scope:
            return await checker.run()
    except (MonitorError, OSError) as exc:  # TimeoutError is an OSError
        if scope.expired():
            limit = format_duration(deadline)
            message = f"the check took longer than [daemon] check_deadline ({limit})"
            logger.warning("source %s failed: %s", source.name, message)
            return ItemOutcome(errors=(message,))
        logger.warning("source %s failed: %s", source.name, exc)
        return ItemOutcome(errors=(str(exc),))
    except parsers.ParseError as exc:  # a watched page that cannot be read: named, no crash
        logger.warning("source %s failed: %s: %s", source.name, type(exc).__name__, exc)
        return ItemOutcome(errors=(unreadable(source.url, exc),))
    except Exception as exc:  # the per-source boundary: one bad source never sinks the cycle
        logger.exception("source %s crashed", source.name)
        return ItemOutcome(errors=(f"{type(exc).__name__}: {exc}",))


def attempt_outcome(outcome: ItemOutcome, traffic: Traffic) -> AttemptOutcome:
    """The attempt's outcome: failure wins, then change, new, baseline, 304, unchanged."""
    if outcome.errors:
        return AttemptOutcome.FAILED
    if outcome.changed:
        return AttemptOutcome.CHANGED
    if outcome.new_documents:
        return AttemptOutcome.NEW_DOCUMENT
    if outcome.baselines:
        return AttemptOutcome.BASELINE
    if traffic.requests and traffic.not_modified + outcome.gone == traffic.requests:
        return AttemptOutcome.NOT_MODIFIED
    return AttemptOutcome.UNCHANGED


def _attempt(
    source_id: int,
    source: SourceConfig,
    outcome: ItemOutcome,
    traffic: Traffic,
    verdict: AttemptOutcome,
    started_at: dt.datetime,
    finished_at: dt.datetime,
) -> FetchAttempt:
    detail = (
        f"requests={traffic.requests} not_modified={traffic.not_modified}"
        f" new={outcome.new_documents} changed={outcome.changed} baselines={outcome.baselines}"
    )
    if outcome.notes:
        detail += "; " + "; ".join(outcome.notes[:20])
    return FetchAttempt(
        source_id=source_id,
        url=source.url,
        started_at=started_at,
        finished_at=finished_at,
        outcome=verdict,
        error="; ".join(outcome.errors)[:2000] or None,
        detail=detail[:2000],
    )


def _flag(store: Store, record: SourceRecord, outcome: AttemptOutcome, config: Config) -> None:
    failing = outcome is AttemptOutcome.FAILED
    if failing and store.consecutive_failures(record.id) >= config.daemon.failure_threshold:
        store.set_source_flag(record.id, flagged=True)
    elif not failing and record.flagged:
        store.set_source_flag(record.id, flagged=False)  # recovered


def _approver(store: Store, record: SourceRecord, config: Config, clock: Clock) -> Approver | None:
    """For an auto-approved source: approve a change set (queueing its emails) inside the
    transaction that stores it, so a crash can never leave it stored but unapproved."""
    if not record.auto_approve:
        return None
    # Loaded for auto-approving sources only: composing emails needs Jinja, which a check
    # process otherwise never imports (start-up of `policywatch check`, bench/bench_check.py).
    from monitor.review.actions import approve_change_set

    def approve(change_set_id: int) -> object:
        return approve_change_set(store, change_set_id, actor="auto", now=clock(), config=config)

    return approve
