"""A consultation notice whose draft is only in a `.doc` attachment (the 2022-06-20 snapshot with
its DOCX turned into a Word 97 file by real LibreOffice): `check` reads the draft through
LibreOffice, as it reads the DOCX."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import serve_in_thread
from parsers.model import Status
from state.store import Store

NOTICE = "xxgk/xxgkml/qt/tzgg/content/post_9886501.html"
DRAFT = "attachment/0/98/98865/9886501"


def _doc_snapshot(site: Path, tmp_path: Path) -> Path:
    snap = tmp_path / "snap"
    shutil.copytree(site / "2022-06-20", snap)
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: run `make office`")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc"]
        + ["--outdir", str((snap / DRAFT).parent), str(snap / f"{DRAFT}.docx")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (snap / f"{DRAFT}.docx").unlink()
    page = snap / NOTICE
    page.write_text(page.read_text("utf-8").replace(f"{DRAFT}.docx", f"{DRAFT}.doc"), "utf-8")
    manifest = json.loads((snap / "manifest.json").read_text("utf-8"))
    for entry in manifest["entries"]:
        if entry["file"] == f"{DRAFT}.docx":
            entry.update(
                url=f"/{DRAFT}.doc", file=f"{DRAFT}.doc", content_type="application/msword"
            )
    (snap / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return snap


def test_a_notice_whose_draft_is_a_doc_file_yields_the_draft(
    site: Path, store: Store, tmp_path: Path
) -> None:
    server = serve_in_thread(_doc_snapshot(site, tmp_path))
    try:
        source = SourceConfig(
            name="tzgg",
            kind="html-list",
            url=server.url + "/xxgk/xxgkml/qt/tzgg/index.html",
            keywords=("专精特新",),
            max_pages=1,
        )
        config = Config(
            fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
            sources=(source,),
        )
        report = asyncio.run(run_check(config, store))
        assert not report.failed, report.reports
        assert f"/{DRAFT}.doc" in server.requests
    finally:
        server.close()
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None
    assert version.document.status == Status.DRAFT
    assert version.document.extractor == "libreoffice+docx"
    assert len(version.document.walk()) == 41  # 9 sections, 32 measures
