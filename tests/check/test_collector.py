"""A daemon's one-source check cycles leave Python's cyclic garbage collector working.

The daemon checks one source per cycle, all day long, and its cycles overlap. Those cycles used
to `gc.freeze()` the heap like a big `check` cycle does; in CPython 3.11 a freeze also resets
the generations' counts, so the older generations were never collected again and every
reference cycle that outlived one young collection stayed in memory: the daemon grew, faster
as it aged (#18).
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import ReplayServer
from state.store import Store
from tests.conftest import SNAPSHOTS, snapshot_time


class _Node:
    """A reference cycle (it points at itself): only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_one_source_cycles_let_older_garbage_be_collected(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    assert gc.isenabled()
    fetch = FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01)
    source = SourceConfig(
        name="postmeta", kind="postmeta", url=replay.url + "/postmeta/i/61057.json"
    )
    config = Config(fetch=fetch, sources=(source,))
    now = snapshot_time(SNAPSHOTS[0])
    asyncio.run(run_check(config, store, now=now))  # the first sight: a baseline
    node = _Node()
    gone = weakref.ref(node)
    gc.collect(0)  # it outlives a young collection: it is in the middle generation now
    del node
    kept: list[list[int]] = []
    for _ in range(30):  # a day of daemon cycles, with what the daemon allocates between them
        report = asyncio.run(run_check(config, store, sources=("postmeta",), now=now))
        assert not report.failed
        kept = [[n] for n in range(2_000)]  # about three young collections' worth
        if gone() is None:
            break
    assert kept
    assert gone() is None, "a reference cycle from before the cycles was never collected"
