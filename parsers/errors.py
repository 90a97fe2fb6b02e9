"""Errors raised by the parsers (pure: no I/O errors here).

ParseError                        anything the parser cannot turn into a clause tree
 ├── UnsupportedMediaTypeError    no extractor for this media type
 │    └── UnsupportedFormatError  the bytes are no format we read (found by content, not name)
 ├── ExtractionError              the body could not be found or decoded
 │    ├── LimitExceededError      over a budget: a ZIP's inflated size or member count, a
 │    │                           converter's or OCR's time or memory
 │    └── ToolError               a local converter (LibreOffice, pdftoppm, Tesseract) is
 │                                missing or failed
 └── SuspiciousParseError         text found but no (or far too few) clauses: never "all deleted"
"""

from __future__ import annotations


class ParseError(Exception):
    """Base class of every parser error."""


class UnsupportedMediaTypeError(ParseError):
    """No extractor is registered for the media type."""


class UnsupportedFormatError(UnsupportedMediaTypeError):
    """The content is no document format policywatch reads: `.xyz (detected: PNG image)`."""

    def __init__(self, label: str, detected: str) -> None:
        super().__init__(f"{label} (detected: {detected})")
        self.label = label
        self.detected = detected


class ExtractionError(ParseError):
    """The document body could not be located or decoded."""


class LimitExceededError(ExtractionError):
    """Reading the document would pass a budget (inflated size, members, time, memory)."""


class ToolError(ExtractionError):
    """A local program the format needs is missing, failed or was stopped."""


class SuspiciousParseError(ParseError):
    """The parse found no clauses, or far fewer than the text suggests."""
