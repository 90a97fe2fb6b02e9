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
from dataclasses import dataclass, field

from monitor.check.reader import WORKER_MIN_SOURCES, Reader
from monitor.config import Config, SourceConfig
from monitor.errors import MonitorError
from monitor.fetch.client import Fetcher
from parsers.records import AttemptOutcome, FetchAttempt, SourceRecord
from state.store import Store

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


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


@dataclass(slots=True, kw_only=True)
class Tally:
    """Counters a source check fills while it runs (mutable, private to one check)."""

    new_documents: int = 0
    changed: int = 0
    baselines: int = 0
    unchanged: int = 0
    requests: int = 0  # GETs of this check (a redirect chain or retries count once)
    not_modified: int = 0
    gone: int = 0  # items answering 404/410 (skipped, noted)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    change_sets: list[int] = field(default_factory=list)

    def outcome(self) -> AttemptOutcome:
        """The attempt's outcome: failure wins, then change, new, baseline, 304, unchanged."""
        if self.errors:
            return AttemptOutcome.FAILED
        if self.changed:
            return AttemptOutcome.CHANGED
        if self.new_documents:
            return AttemptOutcome.NEW_DOCUMENT
        if self.baselines:
            return AttemptOutcome.BASELINE
        if self.requests and self.not_modified + self.gone == self.requests:
            return AttemptOutcome.NOT_MODIFIED
        return AttemptOutcome.UNCHANGED


def _clock(now: Clock | dt.datetime | None) -> Clock:
    if now is None:
        return lambda: dt.datetime.now(dt.UTC)
    if isinstance(now, dt.datetime):
        fixed = now
        return lambda: fixed
    return now


def _selected(config: Config, sources: Sequence[str | SourceConfig] | None) -> list[SourceConfig]:
    if sources is None:
        return [s for s in config.sources if s.enabled]
    by_name = {s.name: s for s in config.sources}
    return [
        s if isinstance(s, SourceConfig) else by_name.get(s) or config.source(s) for s in sources
    ]


async def run_check(
    config: Config,
    store: Store,
    *,
    sources: Sequence[str | SourceConfig] | None = None,
    now: Clock | dt.datetime | None = None,
    on_progress: Callable[[SourceReport], None] | None = None,
) -> CycleReport:
    """One cycle over the given (names or configs) or all enabled sources; never raises for one."""
    started = time.perf_counter()
    selected = _selected(config, sources)
    records = store.sync_sources([(s.name, s.kind, s.url, s.auto_approve) for s in selected])
    log = AttemptLog(store)
    try:
        with _fewer_collections():
            reports = await _cycle(config, store, selected, records, log, now, on_progress)
    finally:
        log.flush()
    return CycleReport(reports=tuple(reports), elapsed=time.perf_counter() - started)


_GC_DEPTH = [0]  # cycles running in this process (the daemon may overlap several)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A cycle allocates many short-lived objects and few reference cycles: move what exists
    to the permanent generation and collect the youngest less often (about 5% of a big cycle's
    CPU); the outermost of overlapping cycles restores the collector's settings."""
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
    now: Clock | dt.datetime | None,
    on_progress: Callable[[SourceReport], None] | None,
) -> list[SourceReport]:
    """Check the selected sources over one shared fetcher and reader."""
    async with (
        Reader(worker=len(selected) >= WORKER_MIN_SOURCES) as reader,
        Fetcher(config.fetch) as fetcher,
    ):

        async def one(source: SourceConfig) -> SourceReport:
            report = await check_source(
                source,
                fetcher=fetcher,
                store=store,
                now=now,
                config=config,
                record=records[source.name],
                log=log,
                reader=reader,
            )
            if on_progress is not None:
                on_progress(report)
            return report

        return list(await asyncio.gather(*(one(s) for s in selected)))


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
    now: Clock | dt.datetime | None = None,
    config: Config | None = None,
    record: SourceRecord | None = None,
    log: AttemptLog | None = None,
    reader: Reader | None = None,
) -> SourceReport:
    """Check one source; catches everything, records one attempt, flags after N failures."""
    from monitor.check.items import ItemChecker

    clock = _clock(now)
    started_at, started = clock(), time.perf_counter()
    if record is None:
        record = store.sync_source(
            name=source.name, kind=source.kind, url=source.url, auto_approve=source.auto_approve
        )
    tally = Tally()
    try:
        checker = ItemChecker(
            source,
            record.id,
            fetcher=fetcher,
            store=store,
            clock=clock,
            tally=tally,
            reader=reader,
            approve=_approver(store, record, config, clock),
        )
        await checker.run()
    except (MonitorError, OSError) as exc:
        logger.warning("source %s failed: %s", source.name, exc)
        tally.errors.append(str(exc))
    except Exception as exc:  # the per-source boundary: one bad source never sinks the cycle
        logger.exception("source %s crashed", source.name)
        tally.errors.append(f"{type(exc).__name__}: {exc}")
    outcome = tally.outcome()
    attempt = _attempt(record.id, source, tally, outcome, started_at, clock())
    if log is None:
        store.record_attempt(attempt)
    else:
        log.add(attempt)
    _flag(store, record, outcome, config)
    return SourceReport(
        name=source.name,
        outcome=outcome,
        new_documents=tally.new_documents,
        changed=tally.changed,
        baselines=tally.baselines,
        requests=tally.requests,
        not_modified=tally.not_modified,
        error="; ".join(tally.errors) or None,
        elapsed=time.perf_counter() - started,
    )


def _attempt(
    source_id: int,
    source: SourceConfig,
    tally: Tally,
    outcome: AttemptOutcome,
    started_at: dt.datetime,
    finished_at: dt.datetime,
) -> FetchAttempt:
    detail = (
        f"requests={tally.requests} not_modified={tally.not_modified}"
        f" new={tally.new_documents} changed={tally.changed} baselines={tally.baselines}"
    )
    if tally.notes:
        detail += "; " + "; ".join(tally.notes[:20])
    return FetchAttempt(
        source_id=source_id,
        url=source.url,
        started_at=started_at,
        finished_at=finished_at,
        outcome=outcome,
        error="; ".join(tally.errors)[:2000] or None,
        detail=detail[:2000],
    )


def _flag(
    store: Store, record: SourceRecord, outcome: AttemptOutcome, config: Config | None
) -> None:
    threshold = config.daemon.failure_threshold if config else 5
    failing = outcome is AttemptOutcome.FAILED
    if failing and store.consecutive_failures(record.id) >= threshold:
        store.set_source_flag(record.id, flagged=True)
    elif not failing and record.flagged:
        store.set_source_flag(record.id, flagged=False)  # recovered


def _approver(
    store: Store, record: SourceRecord, config: Config | None, clock: Clock
) -> Callable[[int], object] | None:
    """For an auto-approved source: approve a change set (queueing its emails) inside the
    transaction that stores it, so a crash can never leave it stored but unapproved."""
    if not record.auto_approve or config is None:
        return None
    from monitor.review.actions import approve_change_set

    def approve(change_set_id: int) -> object:
        return approve_change_set(store, change_set_id, actor="auto", now=clock(), config=config)

    return approve
