"""Acceptance: `policywatch run` against the replayed bureau site ends where `check` ends."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitor.check.cycle import run_check
from monitor.config import load_config
from monitor.fetch.replay import Fault, ReplayServer
from parsers.records import AttemptOutcome
from state.store import open_store
from tests.conftest import SITE, SNAPSHOTS
from tests.daemon.conftest import (
    SOURCE_NAMES,
    DaemonProcess,
    db_dump,
    replay_config,
)


def check_once(config_path: Path) -> None:
    """What `policywatch check` does: one cycle over every enabled source."""
    config = load_config(config_path)
    store = open_store(config.database.path)
    try:
        asyncio.run(run_check(config, store))
    finally:
        store.close()


def wait_all_checked_since(daemon: DaemonProcess, since: dt.datetime) -> None:
    """Block until every source logged a check that *started* after `since`."""
    pending = set(SOURCE_NAMES)

    def fresh(record: dict[str, Any]) -> bool:
        if (
            record.get("event") == "checked"
            and record.get("error") is None
            and dt.datetime.fromisoformat(record["started_at"]) > since
        ):
            pending.discard(record["source"])
        return not pending

    daemon.wait_for(fresh, timeout=60)


def test_run_follows_three_snapshots_like_check_and_stops_on_sigterm(
    tmp_path: Path, replay: ReplayServer, spawn: Callable[..., DaemonProcess]
) -> None:
    daemon_config = replay_config(tmp_path / "daemon", replay.url)
    reference_config = replay_config(tmp_path / "reference", replay.url)
    daemon = spawn(daemon_config)
    daemon.wait_event("started")
    for snapshot in SNAPSHOTS:
        replay.switch(SITE / snapshot)
        wait_all_checked_since(daemon, dt.datetime.now(dt.UTC))
        check_once(reference_config)
    assert daemon.stop() == 0
    assert '"stopped"' in daemon.drain()
    produced = db_dump(tmp_path / "daemon" / "policywatch.db")
    expected = db_dump(tmp_path / "reference" / "policywatch.db")
    # the first sight is a baseline (years after the snapshots): draft -> final, correction
    assert len(expected["versions"]) >= 3 and len(expected["change_sets"]) >= 2
    assert produced == expected


def test_sigterm_lets_an_in_flight_check_finish_its_transaction(
    tmp_path: Path, replay: ReplayServer, spawn: Callable[..., DaemonProcess]
) -> None:
    hanging = "/xxgk/xxgkml/qt/tzgg/index.html"
    replay.set_fault(hanging, Fault.HANG)
    config = replay_config(tmp_path, replay.url, timeout=1.5)
    daemon = spawn(config)
    daemon.wait_event("started")
    deadline = time.monotonic() + 30
    while hanging not in replay.requests:  # the check of tzgg is now in flight
        assert time.monotonic() < deadline, "tzgg was never requested"
        time.sleep(0.01)
    assert daemon.stop() == 0
    log = daemon.drain()
    assert "cancelling" not in log  # it finished (with its fetch timeout) instead
    store = open_store(tmp_path / "policywatch.db", migrate=False)
    try:
        attempts = store.attempts(store.get_source("tzgg").id)
        assert attempts and attempts[0].outcome is AttemptOutcome.FAILED
        assert store.daemon_lock() is None
    finally:
        store.close()
