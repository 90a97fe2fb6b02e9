"""The parser's entry points (re-exported lazily by the `parsers` package).

    extract(data, media_type)  -> Extracted       decoded, normalised body text + page metadata
    parse(data, media_type)    -> PolicyDocument  extract, then structure and fields
    parse_text(text)           -> PolicyDocument  structure of (raw or normalised) text
    parse_path(path)           -> PolicyDocument  format from the bytes (the suffix only tells
                                                  HTML, JSON and text apart)
    document_fields(text, title) -> DocumentFields  status, 文号, dates... from the text alone

Errors are `parsers.errors.ParseError` subclasses; a parse that finds no clauses, or far fewer
than the numbered lines suggest, raises `SuspiciousParseError` (never an empty tree).
"""

from __future__ import annotations

import re
from pathlib import Path

from parsers.clauses import structure
from parsers.errors import (
    SuspiciousParseError,
)
from parsers.extraction import HTML, JSON, TEXT, resolve_format
from parsers.extraction import extract as extract  # re-exported by the package
from parsers.feedback import find_feedback
from parsers.fields import document_fields as _document_fields
from parsers.formats import looks_like_html, looks_like_json
from parsers.hanzi import simplified
from parsers.model import DocumentFields, Extracted, PolicyDocument, Status
from parsers.text import normalise
from parsers.tools import DEFAULT_BUDGET, Budget
from parsers.version import PARSER_VERSION

_SUFFIXES = {
    ".txt": TEXT,
    ".text": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".shtml": HTML,
    ".json": JSON,
}
# Traditional numbering words at a line's start (第一條, 第二編, 第三節) read as their
# Simplified forms, so a Traditional repost has the same tree; the clause texts keep theirs.
_TRADITIONAL_NUMBERING = re.compile(r"(?m)^(第[零〇一二兩两三四五六七八九十百千\d]+)([條編節])")
_NUMBERING_WORDS = {"條": "条", "編": "编", "節": "节"}


def document_fields(text: str, title: str | None = None) -> DocumentFields:
    """Status, 文号, issuer, published, comment deadline, effective period from text alone."""
    text = simplified(normalise(text))
    return _document_fields(text, title, first_clause=structure(text).first_offset)


def parse_text(text: str, *, title: str | None = None) -> PolicyDocument:
    """The clause tree of plain text (normalised first)."""
    return parse_extracted(Extracted(title=title, text=normalise(text)))


def parse(
    data: bytes,
    media_type: str,
    *,
    charset: str | None = None,
    url: str | None = None,
    body_selector: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> PolicyDocument:
    """Extract one rendition and read its clause tree and document fields."""
    extracted = extract(
        data, media_type, charset=charset, url=url, body_selector=body_selector, budget=budget
    )
    return parse_extracted(extracted)


def _numbering(text: str) -> str:
    if "條" not in text and "編" not in text and "節" not in text:
        return text
    return _TRADITIONAL_NUMBERING.sub(lambda m: m.group(1) + _NUMBERING_WORDS[m.group(2)], text)


def parse_extracted(extracted: Extracted) -> PolicyDocument:
    """The clause tree and fields of already extracted text.

    Document-level fields of a Traditional text are read from its Simplified form (the
    keywords they are found by are Simplified); clause texts stay as published.
    """
    found = structure(_numbering(extracted.text))
    if not found.clauses:
        raise SuspiciousParseError("no numbered clauses found: empty or unrecognised document")
    accepted = sum(len(c.walk()) for c in found.clauses)
    if found.candidates >= 8 and accepted * 3 < found.candidates:
        raise SuspiciousParseError(
            f"only {accepted} of {found.candidates} numbered lines form a clause tree"
        )
    plain = simplified(extracted.text)
    first = found.first_offset if len(plain) == len(extracted.text) else None
    fields = _document_fields(plain, extracted.title, first_clause=first)
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
        contents=found.contents,
        clauses=found.clauses,
        parser_version=PARSER_VERSION,
        extractor=extracted.extractor,
        ocr=extracted.ocr,
        # A draft may say itself how to comment (a notice's channels are added by the monitor).
        feedback=find_feedback(f"{found.preamble}\n{found.closing}")
        if fields.status is Status.DRAFT
        else (),
    )


def media_type_for(path: Path, data: bytes) -> str:
    """The media type of a file's bytes (UnsupportedFormatError for other formats); for
    text-like bytes, the suffix (.html, .json, .txt), else the content, tells which text."""
    label = path.suffix.lower() or path.name
    by_suffix = _SUFFIXES.get(path.suffix.lower())
    if by_suffix is None:
        by_suffix = HTML if looks_like_html(data) else JSON if looks_like_json(data) else TEXT
    return resolve_format(data, by_suffix, label=label)


def parse_path(
    path: str | Path, *, body_selector: str | None = None, budget: Budget = DEFAULT_BUDGET
) -> PolicyDocument:
    """Parse a file; its format comes from its bytes (see `media_type_for`)."""
    path = Path(path)
    data = path.read_bytes()
    media_type = media_type_for(path, data)
    return parse(data, media_type, body_selector=body_selector, budget=budget)
