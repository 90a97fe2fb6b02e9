"""Body text of PDF renditions (pypdf): page text, hard-wrapped lines joined into paragraphs."""

from __future__ import annotations

import io
import logging

from parsers.errors import ExtractionError
from parsers.text import join_wrapped, normalise_line

log = logging.getLogger(__name__)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, one paragraph per line (wrapped lines joined)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"not a readable PDF file: {exc}") from exc
    lines = [normalise_line(x) for page in pages for x in page.split("\n")]
    lines = [x for x in lines if x and not x.isdigit()]  # page numbers
    if not lines:
        raise ExtractionError("the PDF has no text layer (scanned?)")
    return "\n".join(_join(lines))


def _join(lines: list[str]) -> list[str]:
    from parsers.clauses import match_label

    width = max(len(x) for x in lines)
    out: list[str] = []
    block: list[str] = []
    for line in lines:
        if match_label(line) is not None and block:
            out.extend(join_wrapped(block, width))
            block = []
        block.append(line)
    out.extend(join_wrapped(block, width))
    return out
