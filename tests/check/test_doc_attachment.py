"""A consultation notice whose draft is only in a `.doc` attachment (the 2022-06-20 snapshot with
its DOCX turned into a Word 97 file by real LibreOffice): `check` reads the draft through
LibreOffice, as it reads the DOCX."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from parsers.model import Status
from state.store import Store
from tests.check.notice_snapshot import DRAFT, DRAFT_DOCX, check_notices, notice_with_attachment


def _doc(site: Path, tmp_path: Path) -> bytes:
    """The replica's draft DOCX as LibreOffice writes it in the Word 97 format."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: run `make office`")
    source = tmp_path / "9886501.docx"
    shutil.copyfile(site / "2022-06-20" / DRAFT_DOCX, source)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc"]
        + ["--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (tmp_path / "9886501.doc").read_bytes()


def test_a_notice_whose_draft_is_a_doc_file_yields_the_draft(
    site: Path, store: Store, tmp_path: Path
) -> None:
    snapshot = notice_with_attachment(
        site, tmp_path, suffix=".doc", data=_doc(site, tmp_path), content_type="application/msword"
    )
    report, requests = check_notices(snapshot, store)
    assert not report.failed, report.reports
    assert f"/{DRAFT}.doc" in requests
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None
    assert version.document.status == Status.DRAFT
    assert version.document.extractor == "libreoffice+docx"
    assert len(version.document.walk()) == 41  # 9 sections, 32 measures
