"""Body text of PDF renditions (pypdf): page text, hard-wrapped lines joined into paragraphs.

Pages without a text layer (scans) are read by OCR (`parsers.ocr`), and the result says so.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from parsers.errors import ExtractionError, LimitExceededError
from parsers.text import display_width, join_wrapped, normalise_line
from parsers.tools import DEFAULT_BUDGET, Budget

_CAPTION_ONLY = re.compile(r"^(?:【[^】]*】)?$")
_WORDS = re.compile(r"[\u3400-\u9fffA-Za-z]")
_MIN_LAYER_CHARACTERS = 5  # fewer letters than this on a page (a page number, a stamp): a scan

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PdfText:
    """A PDF's text and how it was read: `pdf` (text layer), `ocr` (all pages), `pdf+ocr`."""

    text: str
    extractor: str
    ocr_pages: tuple[int, ...] = ()

    @property
    def ocr(self) -> bool:
        """True when any page's text came from OCR."""
        return bool(self.ocr_pages)


def pdf_text(data: bytes, *, budget: Budget = DEFAULT_BUDGET) -> PdfText:
    """The text of a PDF, one paragraph per line (wrapped lines joined); scans OCRed."""
    pages = _layer_text(data)
    scanned = [
        n for n, page in enumerate(pages, 1) if len(_WORDS.findall(page)) < _MIN_LAYER_CHARACTERS
    ]
    if scanned:
        if len(scanned) > budget.ocr_pages:
            raise LimitExceededError(
                f"{len(scanned)} pages have no text layer (OCR budget: {budget.ocr_pages} pages)"
            )
        from parsers.ocr import ocr_pages

        for number, text in ocr_pages(data, scanned, budget=budget).items():
            pages[number - 1] = text
    lines = [normalise_line(x) for page in pages for x in page.split("\n")]
    lines = [x for x in lines if x and not x.isdigit()]  # page numbers
    if not lines:
        raise ExtractionError("the PDF has no text, not even by OCR")
    extractor = "pdf" if not scanned else "ocr" if len(scanned) == len(pages) else "pdf+ocr"
    return PdfText(text="\n".join(_join(lines)), extractor=extractor, ocr_pages=tuple(scanned))


def _layer_text(data: bytes) -> list[str]:
    """Each page's text layer (pypdf)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        return [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
        raise ExtractionError(f"not a readable PDF file: {exc}") from exc


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
