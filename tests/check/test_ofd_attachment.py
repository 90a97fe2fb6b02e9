"""A consultation notice whose draft is only in an `.ofd` attachment (GB/T 33190, built in the
tests from the draft's text): `check` follows it as it follows a .docx and stores the draft with
the notice's comment deadline. (.rtf attachments: tests/check/test_unreadable_attachments.py;
.doc: tests/check/test_doc_attachment.py.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parsers.docx import docx_text
from parsers.model import Status
from state.store import Store
from tests.check.notice_snapshot import DRAFT, DRAFT_DOCX, check_notices, notice_with_attachment
from tests.parsers.ofd_package import build_ofd


def test_a_notice_whose_draft_is_an_ofd_file_yields_the_draft(
    site: Path, store: Store, tmp_path: Path
) -> None:
    title, *paragraphs = docx_text((site / "2022-06-20" / DRAFT_DOCX).read_bytes()).split("\n")
    snapshot = notice_with_attachment(
        site,
        tmp_path,
        suffix=".ofd",
        data=build_ofd(title, paragraphs),
        content_type="application/octet-stream",  # what most servers say of an .ofd
    )
    report, requests = check_notices(snapshot, store)
    assert not report.failed, report.reports
    assert f"/{DRAFT}.ofd" in requests
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None and version.url.endswith("/9886501.ofd")
    draft = version.document
    assert draft.extractor == "ofd" and not draft.ocr
    assert draft.status is Status.DRAFT
    assert draft.comment_deadline == dt.date(2022, 7, 20)  # from the notice, not the file
    assert len(draft.walk()) == 41  # 9 sections, 32 measures
    assert report.new_documents == 1
