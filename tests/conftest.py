"""Shared fixtures: a real SQLite file per test, the fixtures folder, a clean environment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from monitor.fetch.replay import ReplayServer, serve_in_thread
from state.store import Store, open_store

if TYPE_CHECKING:
    from tests.replica import Replica

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"  # the replica's snapshots (a link to the bundled monitor/data/site)
SNAPSHOTS = ("2022-06-20", "2022-12-30", "2023-03-01")


def snapshot_time(name: str) -> dt.datetime:
    """10:30 in Beijing on a snapshot's day: "now" for a replay of it, so that what was news
    that day is news to a first check (its `baseline_recent` window reaches it)."""
    day = dt.date.fromisoformat(name)
    return dt.datetime(day.year, day.month, day.day, 2, 30, tzinfo=dt.UTC)


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


@pytest.fixture(scope="session")
def _replica_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Replica]:
    """The replica replayed once per session: the first snapshot, and the first two."""
    from tests.replica import build_replica  # it imports this module (SITE, snapshot_time)

    base = tmp_path_factory.mktemp("replica-templates")
    return {
        "draft": build_replica(base / "draft" / "policywatch.db", ("2022-06-20",)),
        "story": build_replica(base / "story" / "policywatch.db"),
    }


def _replica_copy(template: Replica, tmp_path: Path) -> Replica:
    path = tmp_path / "replica" / "policywatch.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.path, path)
    return dataclasses.replace(template, path=path)


@pytest.fixture
def draft_replica(_replica_templates: dict[str, Replica], tmp_path: Path) -> Replica:
    """This test's copy of the replica after the first snapshot (the draft's change set
    pending; three subscribers, two staff accounts)."""
    return _replica_copy(_replica_templates["draft"], tmp_path)


@pytest.fixture
def story_replica(_replica_templates: dict[str, Replica], tmp_path: Path) -> Replica:
    """This test's copy of the replica after the first two snapshots (the draft's and the
    17-change draft -> final change sets pending)."""
    return _replica_copy(_replica_templates["story"], tmp_path)
