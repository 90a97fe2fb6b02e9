"""Shared fixtures: a real SQLite file per test, the fixtures folder, a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fetch.replay import ReplayServer, serve_in_thread
from state.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"  # the replica's snapshots (a link to the bundled monitor/data/site)
SNAPSHOTS = ("2022-06-20", "2022-12-30", "2023-03-01")


@pytest.fixture
def fixtures_dir() -> Path:
    """`tests/fixtures/` (copied from ../shared/fixtures)."""
    return FIXTURES


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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file path in the test's own folder."""
    return tmp_path / "policywatch.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A migrated store on a real file, closed on teardown."""
    s = open_store(db_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No config or secrets leak into tests from the developer's shell."""
    for name in ("POLICYWATCH_CONFIG", "POLICYWATCH_SECRET", "POLICYWATCH_WEB_SECRET"):
        monkeypatch.delenv(name, raising=False)
