"""Shared fixtures: a real SQLite file per test, the fixtures folder, a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from state.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """`tests/fixtures/` (copied from ../shared/fixtures)."""
    return FIXTURES


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
