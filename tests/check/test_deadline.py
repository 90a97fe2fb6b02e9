"""A source whose server crawls fails its own check at `[daemon] check_deadline`; the other
sources of the cycle are checked as usual (#16, break 3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from monitor.check.cycle import run_check
from monitor.config import Config, DaemonConfig, FetchConfig, SourceConfig
from monitor.fetch.replay import ReplayServer
from parsers.records import AttemptOutcome
from state.store import Store
from tests.fetch.trickle import TrickleServer

PAGE = "/xxgk/xxgkml/zcfgjzcjd/gygh/202002/t20200209_19005892.htm"


def test_a_slow_source_fails_at_the_check_deadline_and_only_that_source(
    replay: ReplayServer, store: Store, tmp_path: Path
) -> None:
    with TrickleServer(slow="body", interval=0.2) as slow:
        config = Config(
            fetch=FetchConfig(
                allow_hosts=("127.0.0.1",), timeout=1.0, deadline=dt.timedelta(seconds=30)
            ),
            daemon=DaemonConfig(check_deadline=dt.timedelta(seconds=2)),
            sources=(
                SourceConfig(name="slow", kind="page", url=slow.url + "/post_1.html"),
                SourceConfig(name="plan", kind="page", url=replay.url + PAGE),
            ),
        )
        started = time.monotonic()
        report = asyncio.run(run_check(config, store))
        elapsed = time.monotonic() - started
    by_name = {r.name: r for r in report.reports}
    assert by_name["slow"].outcome is AttemptOutcome.FAILED
    assert "check_deadline (2s)" in (by_name["slow"].error or "")
    assert by_name["plan"].outcome is AttemptOutcome.BASELINE
    assert elapsed < 6
    source = store.sync_source(name="slow", kind="page", url=slow.url + "/post_1.html")
    [attempt] = store.attempts(source.id)
    assert attempt.outcome is AttemptOutcome.FAILED  # recorded like any failed attempt
