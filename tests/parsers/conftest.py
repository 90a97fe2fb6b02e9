"""Fixtures for the parser tests: paths into tests/fixtures and the replica's draft DOCX."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DRAFT_DOCX = FIXTURES / "site/2022-06-20/attachment/0/98/98865/9886501.docx"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The tests/fixtures folder."""
    return FIXTURES


@pytest.fixture(scope="session")
def draft_docx() -> bytes:
    """The replica's draft for comment, as the bureau attached it (DOCX)."""
    return DRAFT_DOCX.read_bytes()
