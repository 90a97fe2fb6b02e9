"""Documents are read in a worker process under a CPU, memory and wall-clock budget (#16,
break 5): a hostile file fails its own read, the worker is replaced when it had to die, and
the next read works."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from monitor.check.reader import Reader
from monitor.check.worker import MIB, Limits, WorkerPool
from monitor.errors import ReadLimitError
from tests.check import hostile

T = TypeVar("T")
SITE = Path(__file__).parents[1] / "fixtures" / "site"
PAGE = SITE / "2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"


def _run(job: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(job())  # type: ignore[arg-type]


def test_a_pdf_that_pypdf_chews_on_stops_at_the_cpu_limit_and_the_worker_reads_on() -> None:
    slow = hostile.nested_forms_pdf()  # 13 KB; pypdf would take minutes
    assert len(slow) < 16_000

    async def job() -> tuple[float, str, int]:
        async with Reader(limits=Limits(cpu_seconds=1.0)) as reader:
            started = time.monotonic()
            with pytest.raises(ReadLimitError, match="more than 1s of CPU"):
                await reader.read(slow, "application/pdf", "http://gxj.sz.gov.cn/a.pdf")
            elapsed = time.monotonic() - started
            after = await reader.read(PAGE.read_bytes(), "text/html", "http://gxj.sz.gov.cn/")
            assert after.tree is not None
            return elapsed, after.extracted.title or "", reader.workers_started

    elapsed, title, started = _run(job)
    assert elapsed < 10  # one CPU second, on a busy two-core machine
    assert "专精特新" in title
    assert started <= 1  # the worker survived its limit (a spare one may have been reused)


def test_a_read_over_the_memory_budget_fails_and_a_fresh_worker_takes_the_next() -> None:
    pool = WorkerPool(limits=Limits(cpu_seconds=10, memory_bytes=200 * MIB))

    async def job() -> tuple[int, int]:
        pool.start()
        try:
            assert await pool.call(hostile.allocate, 50) == 50 << 20
            with pytest.raises(ReadLimitError, match="more than 200 MiB"):
                await pool.call(hostile.allocate, 1024)
            return await pool.call(hostile.allocate, 50), pool.started
        finally:
            pool.close()

    size, started = _run(job)
    assert size == 50 << 20
    assert started == 2  # the worker that ran out retired; a new one read on


def test_a_read_stuck_out_of_reach_of_signals_is_ended_by_the_watchdog() -> None:
    pool = WorkerPool(limits=Limits(cpu_seconds=5, wall=1.0))

    async def job() -> tuple[float, str, int]:
        pool.start()
        try:
            started = time.monotonic()
            with pytest.raises(ReadLimitError, match="longer than 1s"):
                await pool.call(hostile.stuck, 60)
            elapsed = time.monotonic() - started
            return elapsed, await pool.call(hostile.stuck, 0), pool.started
        finally:
            pool.close()

    elapsed, answer, started = _run(job)
    assert elapsed < 5 and answer == "woke up" and started == 2


def test_a_cancelled_read_ends_its_worker() -> None:
    """The check deadline (or a stopping daemon) cancels a read: its process goes too."""
    pool = WorkerPool(limits=Limits(cpu_seconds=60))

    async def job() -> tuple[str, int]:
        pool.start()
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(pool.call(hostile.stuck, 60), timeout=0.5)
            return await pool.call(hostile.stuck, 0), pool.started
        finally:
            pool.close()

    assert _run(job) == ("woke up", 2)


def test_an_exception_that_does_not_unpickle_arrives_as_the_nearest_kind() -> None:
    pool = WorkerPool(limits=Limits(cpu_seconds=10))

    async def job() -> None:
        pool.start()
        try:
            with pytest.raises(ValueError, match="AwkwardError: 7: no format we read"):
                await pool.call(hostile.raise_awkward)
        finally:
            pool.close()

    _run(job)


def test_workers_read_at_a_lower_priority_than_the_process_that_fetches() -> None:
    pool = WorkerPool(limits=Limits(niceness=7))

    async def job() -> int:
        pool.start()
        try:
            return int(await pool.call(os.nice, 0))
        finally:
            pool.close()

    assert _run(job) == os.nice(0) + 7
