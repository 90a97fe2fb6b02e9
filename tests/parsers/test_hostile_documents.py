"""Hostile documents (#16): ZIP bombs are refused before python-docx sees them (item 4), and
control characters never leave the parser (item 12)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

import parsers
from parsers.model import document_to_json

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _with_padding(docx: bytes, member: str, padding: int) -> bytes:
    """The DOCX with `padding` bytes of white space after `member`'s XML (still valid XML),
    deflated as a stream: a few hundred KB that inflate to `padding` bytes."""
    out = io.BytesIO()
    deflated = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", deflated) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != member:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            with target.open(member, "w", force_zip64=True) as sink:
                sink.write(data)
                chunk = b" " * (1 << 20)
                for _ in range(padding // len(chunk)):
                    sink.write(chunk)
    return out.getvalue()


def test_a_docx_bomb_is_refused_before_it_is_inflated(draft_docx: bytes) -> None:
    bomb = _with_padding(draft_docx, "word/document.xml", 96 << 20)
    assert len(bomb) < 1 << 20  # under a megabyte on the wire
    with pytest.raises(parsers.LimitExceededError, match="inflates to 100,6"):
        parsers.parse(bomb, DOCX)


def test_all_members_together_are_capped(
    draft_docx: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parsers import archive

    monkeypatch.setattr(archive, "MAX_INFLATED_BYTES", len(draft_docx) * 2)  # the sum, not one
    with pytest.raises(parsers.LimitExceededError, match=r"DOCX inflates to [\d,]+ bytes"):
        parsers.parse(draft_docx, DOCX)


def test_a_docx_of_many_members_is_refused(draft_docx: bytes) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(draft_docx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for i in range(5_000):  # parsers.archive.MAX_MEMBERS, with the draft's own: over it
            target.writestr(f"customXml/padding{i}.xml", b"")
    with pytest.raises(parsers.LimitExceededError, match="members"):
        parsers.parse(out.getvalue(), DOCX)


def test_the_draft_is_within_the_budget(draft_docx: bytes) -> None:
    assert len(parsers.parse(draft_docx, DOCX).walk()) == 41


CONTROLS = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160)])


def test_control_characters_are_removed_at_parse_time() -> None:
    text = (
        f"关于印发《测试\x1b[31m办法》的通知\n一、总则{CONTROLS}\n"
        f"（一）适用范围。本办法\x00适用于\x07全市\x85企业\x9b。（责任单位：市\x01工业和信息化局）\n"
        "（二）资金支持。最高奖励30万\x0b元。\n"
    )
    as_bytes = text.replace("\x00", "").encode()  # NUL bytes make a file binary data
    for doc in (parsers.parse(as_bytes, "text/plain"), parsers.parse_text(text)):
        dumped = json.dumps(document_to_json(doc), ensure_ascii=False)
        assert not _CONTROL.search(dumped), repr(_CONTROL.findall(dumped))
        measure = doc.clauses[0].children[0]
        assert measure.text.startswith("本办法适用于全市")
        assert measure.responsible_units == ("市工业和信息化局",)
    assert "\t" not in CONTROLS and "\n" not in CONTROLS


def test_control_characters_leave_html_titles_and_attachment_names() -> None:
    page = (
        "<html><head><title>x</title><meta name='ArticleTitle' content='关于\x1b印发《办法》的通知'>"
        "</head><body><div class='TRS_Editor'><p>一、总则</p><p>（一）适用。本办法\x08适用。</p>"
        "<p><a href='/a.docx'>附件\x07一</a></p></div></body></html>"
    )
    extracted = parsers.extract(page.encode(), "text/html", url="http://h/p.html")
    assert extracted.title == "关于印发《办法》的通知"
    assert [a.name for a in extracted.attachments] == ["附件一"]
    assert not _CONTROL.search(extracted.text)


def _member_offset(data: bytes, name: str) -> tuple[int, int]:
    """Where a member's local header starts, and where its (compressed) data starts."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        info = package.getinfo(name)
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_length = int.from_bytes(data[header + 28 : header + 30], "little")
    return header, header + 30 + name_length + extra_length


def _corrupt(draft: bytes) -> bytes:
    _, start = _member_offset(draft, "word/document.xml")
    return draft[:start] + bytes(b ^ 0x5A for b in draft[start : start + 64]) + draft[start + 64 :]


def _method(draft: bytes, method: int) -> bytes:
    """The DOCX with word/document.xml's compression method set in both of its headers."""
    header, _ = _member_offset(draft, "word/document.xml")
    out = bytearray(draft)
    out[header + 8 : header + 10] = method.to_bytes(2, "little")
    central = draft.index(b"PK\x01\x02")
    while int.from_bytes(draft[central + 42 : central + 46], "little") != header:
        central = draft.index(b"PK\x01\x02", central + 4)
    out[central + 10 : central + 12] = method.to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize(
    "damage",
    [_corrupt, lambda d: _method(d, 99), lambda d: d[: len(d) // 2]],
    ids=["bad-deflate", "unknown-method", "truncated"],
)
def test_a_damaged_docx_is_an_extraction_error(draft_docx: bytes, damage: object) -> None:
    assert callable(damage)
    with pytest.raises(parsers.ExtractionError):
        parsers.extract(damage(draft_docx), DOCX)


def test_a_pdf_with_an_unknown_filter_is_an_extraction_error() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="1. Scope")
    data = bytes(pdf.output())
    assert b"/FlateDecode" in data
    with pytest.raises(parsers.ExtractionError, match="not a readable PDF"):
        parsers.extract(data.replace(b"/FlateDecode", b"/FlaXeDecode"), "application/pdf")
