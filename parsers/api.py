"""The parser's entry points (re-exported lazily by the `parsers` package).

    extract(data, media_type)  -> Extracted       decoded, normalised body text + page metadata
    parse(data, media_type)    -> PolicyDocument  extract, then structure and fields
    parse_text(text)           -> PolicyDocument  structure of (raw or normalised) text
    parse_path(path)           -> PolicyDocument  media type from the suffix or the bytes
    document_fields(text, title) -> DocumentFields  status, 文号, dates... from the text alone

Errors are `parsers.errors.ParseError` subclasses; a parse that finds no clauses, or far fewer
than the numbered lines suggest, raises `SuspiciousParseError` (never an empty tree).
"""

from __future__ import annotations

from pathlib import Path

from parsers.clauses import structure
from parsers.errors import (
    SuspiciousParseError,
)
from parsers.extraction import DOCX, HTML, JSON, PDF, TEXT
from parsers.extraction import extract as extract  # re-exported by the package
from parsers.feedback import find_feedback
from parsers.fields import document_fields as _document_fields
from parsers.model import DocumentFields, Extracted, PolicyDocument, Status
from parsers.text import normalise
from parsers.version import PARSER_VERSION

_SUFFIXES = {
    ".txt": TEXT,
    ".text": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".shtml": HTML,
    ".json": JSON,
    ".docx": DOCX,
    ".pdf": PDF,
}


def document_fields(text: str, title: str | None = None) -> DocumentFields:
    """Status, 文号, issuer, published, comment deadline, effective period from text alone."""
    return _document_fields(normalise(text), title)


def parse_text(text: str, *, title: str | None = None) -> PolicyDocument:
    """The clause tree of plain text (normalised first)."""
    return parse_extracted(Extracted(title=title, text=normalise(text)))


def parse(
    data: bytes, media_type: str, *, charset: str | None = None, url: str | None = None
) -> PolicyDocument:
    """Extract one rendition and read its clause tree and document fields."""
    return parse_extracted(extract(data, media_type, charset=charset, url=url))


def parse_extracted(extracted: Extracted) -> PolicyDocument:
    """The clause tree and fields of already extracted text."""
    found = structure(extracted.text)
    if not found.clauses:
        raise SuspiciousParseError("no numbered clauses found: empty or unrecognised document")
    accepted = sum(len(c.walk()) for c in found.clauses)
    if found.candidates >= 8 and accepted * 3 < found.candidates:
        raise SuspiciousParseError(
            f"only {accepted} of {found.candidates} numbered lines form a clause tree"
        )
    fields = _document_fields(extracted.text, extracted.title, first_clause=found.first_offset)
    return PolicyDocument(
        title=fields.title,
        status=fields.status,
        doc_number=fields.doc_number or extracted.doc_number,
        issuer=extracted.issuer or fields.issuer,
        published=extracted.published or fields.published,
        comment_deadline=fields.comment_deadline,
        effective=fields.effective,
        preamble=found.preamble,
        closing=found.closing,
        clauses=found.clauses,
        parser_version=PARSER_VERSION,
        # A draft may say itself how to comment (a notice's channels are added by the monitor).
        feedback=find_feedback(f"{found.preamble}\n{found.closing}")
        if fields.status is Status.DRAFT
        else (),
    )


def media_type_for(path: Path, data: bytes) -> str:
    """Media type from the file suffix, else from the first bytes."""
    by_suffix = _SUFFIXES.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    head = data[:512].lstrip()
    if head.startswith(b"%PDF"):
        return PDF
    if head.startswith(b"PK"):
        return DOCX
    if head[:1] in (b"{", b"["):
        return JSON
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return HTML
    return TEXT


def parse_path(path: str | Path) -> PolicyDocument:
    """Parse a file; the media type comes from its suffix (or its bytes)."""
    path = Path(path)
    data = path.read_bytes()
    return parse(data, media_type_for(path, data))
