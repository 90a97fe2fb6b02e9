"""The draft as bureaus also publish it: .doc, .wps, .rtf (LibreOffice) and a scanned PDF (OCR).

The files are made in the tests from the replica's draft DOCX by real LibreOffice; each is read
by the real converter and the real Tesseract (see conftest.py; one conversion per session).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

import parsers
from parsers.diff import diff_documents
from parsers.extraction import resolve_format
from parsers.formats import DOC, sniff
from parsers.model import Clause, PolicyDocument
from parsers.tools import Budget


def _tree(doc: PolicyDocument) -> list[tuple[tuple[str, ...], str | None, str, tuple[str, ...]]]:
    return [(c.path, c.heading, c.text, c.responsible_units) for c in doc.walk()]


@pytest.mark.parametrize("kind", ["doc", "wps", "rtf"])
def test_word_binaries_and_rtf_parse_to_the_whole_draft_tree(
    kind: str, parsed_renditions: dict[str, PolicyDocument], draft: PolicyDocument
) -> None:
    doc = parsed_renditions[kind]
    assert len(draft.walk()) == 41  # 9 sections, 32 measures
    assert _tree(doc) == _tree(draft)
    assert doc.title == draft.title and doc.status == draft.status
    assert doc.extractor == "libreoffice+docx" and not doc.ocr


def test_diff_of_the_docx_against_the_doc_is_empty(
    parsed_renditions: dict[str, PolicyDocument], draft: PolicyDocument
) -> None:
    result = diff_documents(draft, parsed_renditions["doc"])
    assert result.empty, result


def test_the_formats_are_found_by_content_not_by_name(
    renditions: dict[str, Path], tmp_path: Path
) -> None:
    named_wrong = tmp_path / "draft.pdf"  # a .doc behind a .pdf name
    named_wrong.write_bytes(renditions["doc"].read_bytes())
    found = sniff(named_wrong.read_bytes())
    assert found is not None and found.media_type == "application/msword"
    for kind in ("doc", "wps"):  # Kingsoft's .wps is the Word 97 format (LibreOffice too)
        data = renditions[kind].read_bytes()
        assert resolve_format(data, "application/octet-stream", label="x") == DOC
        assert resolve_format(data, "application/pdf", label="x") == DOC  # content wins
    rtf = renditions["rtf"].read_bytes()
    assert resolve_format(rtf, "text/plain", label="x") == "application/rtf"


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def test_a_scanned_page_is_read_by_ocr_and_says_so(
    parsed_renditions: dict[str, PolicyDocument], draft: PolicyDocument, renditions: dict[str, Path]
) -> None:
    scan = parsed_renditions["scan"]
    assert scan.ocr and scan.extractor == "ocr"
    with_layer = parsers.extract(renditions["pdf"].read_bytes(), "application/pdf")
    assert not with_layer.ocr and with_layer.extractor == "pdf"
    first = [c for c in draft.walk() if c.kind == "measure"][:3]
    read = {c.path: c for c in scan.walk()}
    assert [c.path for c in scan.walk()][:5] == [
        ("一",),
        ("一", "一"),
        ("一", "二"),
        ("二",),
        ("二", "三"),
    ]
    for clause in first:
        found: Clause = read[clause.path]
        assert found.heading == clause.heading
        assert _similar(found.text, clause.text) > 0.9, (found.text, clause.text)
    assert read[("一", "一")].responsible_units == first[0].responsible_units


def test_ocr_is_bounded_by_its_budget(renditions: dict[str, Path]) -> None:
    data = renditions["scan"].read_bytes()
    with pytest.raises(parsers.LimitExceededError, match="OCR budget"):
        parsers.parse(data, "application/pdf", budget=Budget(ocr_pages=0))
    with pytest.raises(parsers.LimitExceededError, match="took longer than"):
        parsers.parse(data, "application/pdf", budget=Budget(seconds=0.05))


def test_a_conversion_over_its_time_budget_is_stopped(renditions: dict[str, Path]) -> None:
    data = renditions["doc"].read_bytes()
    with pytest.raises(parsers.LimitExceededError, match="soffice took longer than 0.05 s"):
        parsers.parse(data, "application/msword", budget=Budget(seconds=0.05))


def test_missing_libreoffice_is_a_clear_error(
    renditions: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no soffice on it
    with pytest.raises(parsers.ToolError, match="soffice is not installed.*libreoffice-writer"):
        parsers.parse_path(renditions["wps"])
    assert os.environ["PATH"] == str(tmp_path)


def test_a_documents_ocr_has_an_overall_deadline(renditions: dict[str, Path]) -> None:
    data = renditions["scan"].read_bytes()
    with pytest.raises(parsers.LimitExceededError, match="document took longer than 0 s"):
        parsers.parse(data, "application/pdf", budget=Budget(document_seconds=0))


def test_a_conversion_over_its_memory_budget_is_stopped(renditions: dict[str, Path]) -> None:
    data = renditions["doc"].read_bytes()
    with pytest.raises(parsers.LimitExceededError, match="memory budget"):
        parsers.parse(data, "application/msword", budget=Budget(memory_bytes=64 << 20))


def test_a_missing_chinese_model_is_a_clear_error(
    renditions: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))  # a tessdata folder without chi_sim
    with pytest.raises(parsers.ToolError, match="no chi_sim model: install tesseract-ocr-chi-sim"):
        parsers.parse_path(renditions["scan"])
