"""Body text of PDF renditions (pypdf): page text, hard-wrapped lines joined into paragraphs."""

from __future__ import annotations

import io
import logging
import re

from parsers.errors import ExtractionError
from parsers.text import display_width, join_wrapped, normalise_line

_CAPTION_ONLY = re.compile(r"^(?:【[^】]*】)?$")

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
    """Blocks start at numbered lines; a label alone on its line is glued to the next line."""
    from parsers.clauses import match_label

    width = max(display_width(x) for x in lines)
    out: list[str] = []
    block: list[str] = []
    glue = False
    for line in lines:
        label = match_label(line)
        if label is None and glue:
            block[-1] = f"{block[-1]} {line}"
            glue = False
            continue
        if label is not None and block:
            out.extend(join_wrapped(block, width))
            block = []
        block.append(line)
        glue = label is not None and _CAPTION_ONLY.match(label.rest) is not None
    out.extend(join_wrapped(block, width))
    return out
