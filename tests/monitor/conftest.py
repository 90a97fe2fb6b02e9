"""Fixtures for the monitor tests: a replay server of `tests/fixtures/site` on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.replay import ReplayServer, serve_in_thread

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"
SNAPSHOTS = ("2022-06-20", "2022-12-30", "2023-03-01")


@pytest.fixture
def site() -> Path:
    """The folder of recorded snapshots."""
    return SITE


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A replay server serving the first snapshot (2022-06-20); `.switch(SITE / name)` moves on."""
    server = serve_in_thread(SITE / SNAPSHOTS[0])
    try:
        yield server
    finally:
        server.close()
