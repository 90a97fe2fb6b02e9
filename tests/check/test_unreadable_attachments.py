"""A notice whose only attachment policywatch cannot read fails the attempt, naming the file and
the parser's reason, through the real replay server: a spreadsheet or binary under a document's
name (UnsupportedFormatError, "… (detected: …)"), a ZIP bomb (LimitExceededError), LibreOffice
missing (ToolError), a `[parse]` budget (LimitExceededError); a watched page that becomes a
spreadsheet likewise. Never a change set, never a crash, and the next check, once the cause is
gone, reads the draft: nothing is lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from fpdf import FPDF

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, ParseConfig, SourceConfig
from monitor.fetch.replay import serve_in_thread
from parsers.archive import MAX_MEMBER_BYTES
from parsers.docx import docx_text
from parsers.records import AttemptOutcome, FetchAttempt
from state.store import Store
from tests.check.notice_snapshot import DRAFT, DRAFT_DOCX, check_notices, notice_with_attachment
from tests.parsers.test_formats import XLSX, _zip  # a ZIP holding what makes an Excel workbook


def _zip_bomb() -> bytes:
    """A DOCX whose document.xml inflates past the member budget (64 KiB on the wire)."""
    xml = b"<w:document>" + b" " * (MAX_MEMBER_BYTES + 1024) + b"</w:document>"
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": xml})


def _rtf(paragraphs: list[str]) -> bytes:
    """An RTF file of the paragraphs, as Word writes Chinese: `\\uN?` escapes."""

    def escaped(text: str) -> str:
        return "".join(
            c if ord(c) < 128 else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?"
            for c in text
        )

    body = "".join(f"{escaped(p)}\\par\n" for p in paragraphs)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0\n" + body + "}").encode("ascii")


def _last_attempt(store: Store) -> FetchAttempt:
    [source] = store.list_sources()
    return store.attempts(source.id, limit=1)[0]


def _assert_failed_without_loss(store: Store, report_failed: int, *words: str) -> str:
    """The attempt failed naming the attachment and `words`; nothing was stored."""
    assert report_failed == 1
    attempt = _last_attempt(store)
    assert attempt.outcome is AttemptOutcome.FAILED
    error = attempt.error or ""
    for word in words:
        assert word in error, error
    assert store.list_change_sets() == [] and store.list_documents() == []
    return error


@pytest.mark.parametrize(
    ("suffix", "content_type", "data", "named"),
    [
        (".doc", "application/msword", XLSX, ".doc (detected: Excel workbook (.xlsx))"),
        (
            ".pdf",
            "application/pdf",
            b"\x00\x01\x02garbage\x00" * 64,
            ".pdf (detected: binary data)",
        ),
    ],
    ids=["xlsx-named-doc", "binary-named-pdf"],
)
def test_an_attachment_in_no_format_we_read_is_a_failed_attempt(
    site: Path,
    store: Store,
    tmp_path: Path,
    suffix: str,
    content_type: str,
    data: bytes,
    named: str,
) -> None:
    snapshot = notice_with_attachment(
        site, tmp_path, suffix=suffix, data=data, content_type=content_type
    )
    report, requests = check_notices(snapshot, store)
    assert f"/{DRAFT}{suffix}" in requests
    error = _assert_failed_without_loss(
        store, report.failed, f"/{DRAFT}{suffix}: UnsupportedFormatError: ", named
    )
    assert report.reports[0].error == error  # what `check` prints is what the store keeps


def test_a_zip_bomb_attachment_is_refused_before_it_is_inflated(
    site: Path, store: Store, tmp_path: Path
) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 1024 * 1024  # small on the wire, 64 MiB inflated
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    snapshot = notice_with_attachment(
        site, tmp_path, suffix=".docx", data=bomb, content_type=docx_type
    )
    report, _ = check_notices(snapshot, store)
    _assert_failed_without_loss(
        store, report.failed, "LimitExceededError: ", "word/document.xml", "not read"
    )


def test_libreoffice_missing_fails_the_attempt_and_the_next_check_reads_the_draft(
    site: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = docx_text((site / "2022-06-20" / DRAFT_DOCX).read_bytes()).split("\n")
    snapshot = notice_with_attachment(
        site, tmp_path, suffix=".rtf", data=_rtf(paragraphs), content_type="application/rtf"
    )
    empty = tmp_path / "bin"
    empty.mkdir()
    with monkeypatch.context() as patched:
        patched.setenv("PATH", str(empty))  # a machine without soffice
        report, _ = check_notices(snapshot, store)
    _assert_failed_without_loss(
        store, report.failed, f"/{DRAFT}.rtf: ToolError: soffice is not installed", "libreoffice"
    )

    report, requests = check_notices(snapshot, store)  # LibreOffice is back on PATH
    assert not report.failed, report.reports
    assert f"/{DRAFT}.rtf" in requests
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None and version.document.extractor == "libreoffice+docx"
    assert len(version.document.walk()) == 41


def test_the_parse_budget_of_the_config_bounds_what_a_check_reads(
    site: Path, store: Store, tmp_path: Path
) -> None:
    pdf = FPDF()
    pdf.add_page()  # a page with no text layer: a scan to OCR
    snapshot = notice_with_attachment(
        site, tmp_path, suffix=".pdf", data=bytes(pdf.output()), content_type="application/pdf"
    )
    budget = ParseConfig(ocr_max_pages=0, convert_timeout=dt.timedelta(seconds=5))
    report, _ = check_notices(snapshot, store, parse=budget)
    _assert_failed_without_loss(
        store, report.failed, "LimitExceededError: 1 pages have no text layer (OCR budget: 0 pages)"
    )


def test_a_watched_page_that_turns_into_a_spreadsheet_is_a_named_failure_not_a_crash(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "policy.doc").write_bytes(XLSX)
    entry = {"url": "/policy.doc", "file": "policy.doc", "content_type": "application/msword"}
    (snap / "manifest.json").write_text(json.dumps({"entries": [entry]}), encoding="utf-8")
    server = serve_in_thread(snap)
    try:
        config = Config(
            fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
            sources=(SourceConfig(name="one", kind="page", url=server.url + "/policy.doc"),),
        )
        with caplog.at_level(logging.WARNING, logger="monitor.check.cycle"):
            report = asyncio.run(run_check(config, store))
    finally:
        server.close()
    error = _assert_failed_without_loss(store, report.failed, "UnsupportedFormatError: .doc")
    assert error.startswith(server.url + "/policy.doc: ")
    assert not [r for r in caplog.records if r.exc_info]  # a warning, no traceback ("crashed")
