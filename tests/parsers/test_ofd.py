"""OFD files (GB/T 33190) built in the tests from the draft's text, read in reading order."""

from __future__ import annotations

import io
import zipfile

import pytest

import parsers
from parsers.archive import MAX_MEMBERS
from parsers.docx import docx_text
from parsers.model import PolicyDocument
from parsers.ofd import ofd_text
from tests.parsers.ofd_package import RUNNING_HEAD, build_ofd


@pytest.fixture(scope="module")
def draft_ofd(draft_docx: bytes) -> bytes:
    """The draft's paragraphs laid out on A4 pages as an OFD file."""
    title, *paragraphs = docx_text(draft_docx).split("\n")
    return build_ofd(title, paragraphs)


def test_the_package_is_real_ofd(draft_ofd: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(draft_ofd)) as package:
        names = package.namelist()
    assert "OFD.xml" in names and "Doc_0/Document.xml" in names
    assert sum(n.startswith("Doc_0/Pages/Page_") for n in names) >= 4  # several pages


def test_an_ofd_parses_to_the_whole_draft_tree(draft_ofd: bytes, draft: PolicyDocument) -> None:
    doc = parsers.parse(draft_ofd, "application/octet-stream")
    assert doc.extractor == "ofd" and not doc.ocr
    assert doc.title == draft.title and doc.status == draft.status

    def tree(d: PolicyDocument) -> list[object]:
        return [(c.path, c.heading, c.text, c.responsible_units) for c in d.walk()]

    assert tree(doc) == tree(draft)


def test_reading_order_comes_from_the_coordinates(draft_ofd: bytes, draft_docx: bytes) -> None:
    text = ofd_text(draft_ofd)
    assert text.split("\n") == docx_text(draft_docx).split("\n")  # shuffled objects, same text
    assert RUNNING_HEAD not in text  # the template page's running head is no body text
    assert "- 2 -" not in text  # nor are page numbers


def test_an_ofd_without_text_or_root_is_an_error() -> None:
    empty = build_ofd("", [])
    with pytest.raises(parsers.ExtractionError, match="no text"):
        ofd_text(empty)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    with pytest.raises(parsers.ExtractionError, match="DocRoot"):
        parsers.extract(buffer.getvalue(), "application/ofd")


def test_an_ofd_with_too_many_members_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", "<OFD/>")
        for i in range(MAX_MEMBERS + 1):
            package.writestr(f"Doc_0/Res/{i}.xml", "")
    with pytest.raises(parsers.LimitExceededError, match="members"):
        parsers.extract(buffer.getvalue(), "application/ofd")


def test_text_in_private_font_codes_is_refused_not_stored() -> None:
    # Producers that embed subset fonts may write glyph codes from the private use area.
    garbled = build_ofd(
        "通知", ["一、总则", "（一）" + "".join(chr(0xE100 + i) for i in range(40))]
    )
    with pytest.raises(parsers.ExtractionError, match="private codes"):
        ofd_text(garbled)
