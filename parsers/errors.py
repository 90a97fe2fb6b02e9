"""Errors raised by the parsers (pure: no I/O errors here).

ParseError                      anything the parser cannot turn into a clause tree
 ├── UnsupportedMediaTypeError  no extractor for this media type
 ├── ExtractionError            the body could not be found or decoded
 │    └── LimitExceededError    over a budget: a ZIP's inflated size or member count
 └── SuspiciousParseError       text found but no (or far too few) clauses: never "all deleted"
"""

from __future__ import annotations


class ParseError(Exception):
    """Base class of every parser error."""


class UnsupportedMediaTypeError(ParseError):
    """No extractor is registered for the media type."""


class ExtractionError(ParseError):
    """The document body could not be located or decoded."""


class LimitExceededError(ExtractionError):
    """Reading the document would pass a budget (inflated size, member count)."""


class SuspiciousParseError(ParseError):
    """The parse found no clauses, or far fewer than the text suggests."""
