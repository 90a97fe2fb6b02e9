"""Parse any rendition of a Chinese policy document into a clause tree (pure: no I/O but files).

    extract(data, media_type)  -> Extracted       decoded, normalised body text + page metadata
    parse(data, media_type)    -> PolicyDocument  extract, then structure and fields
    parse_text(text)           -> PolicyDocument  structure of (raw or normalised) text
    parse_path(path)           -> PolicyDocument  format from the bytes, never the file name
    document_fields(text, title) -> DocumentFields  status, 文号, dates... from the text alone

Errors are `parsers.errors.ParseError` subclasses; a parse that finds no clauses, or far fewer
than the numbered lines suggest, raises `SuspiciousParseError` (never an empty tree); content
in no format we read raises `UnsupportedFormatError` (`.xls (detected: Excel 97-2003 …)`).

Formats (found by content): HTML, JSON posts, text, DOCX, PDF (scanned pages OCRed with
Tesseract), OFD, and .doc / .wps / .rtf through LibreOffice (`parsers.office`). Local programs
run only in `parsers.tools`, under a `Budget` (time, memory, OCR pages).

The functions load on first use (`parsers.api`): a process that only passes records around
(the check pipeline's main process, the web UI) does not import lxml, python-docx or pypdf.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parsers.errors import (
    ExtractionError,
    LimitExceededError,
    ParseError,
    SuspiciousParseError,
    ToolError,
    UnsupportedFormatError,
    UnsupportedMediaTypeError,
)
from parsers.version import PARSER_VERSION

if TYPE_CHECKING:
    from parsers.api import (
        document_fields,
        extract,
        media_type_for,
        parse,
        parse_extracted,
        parse_path,
        parse_text,
    )

__all__ = [
    "PARSER_VERSION",
    "ExtractionError",
    "LimitExceededError",
    "ParseError",
    "SuspiciousParseError",
    "ToolError",
    "UnsupportedFormatError",
    "UnsupportedMediaTypeError",
    "document_fields",
    "extract",
    "media_type_for",
    "parse",
    "parse_extracted",
    "parse_path",
    "parse_text",
]

_LAZY = frozenset(__all__) - {
    "PARSER_VERSION",
    "ExtractionError",
    "LimitExceededError",
    "ParseError",
    "SuspiciousParseError",
    "ToolError",
    "UnsupportedFormatError",
    "UnsupportedMediaTypeError",
}


def __getattr__(name: str) -> Any:
    """Load `parsers.api` when one of its functions is first asked for."""
    if name in _LAZY:
        from parsers import api

        return getattr(api, name)
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")
