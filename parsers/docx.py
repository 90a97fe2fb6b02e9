"""Body text of DOCX renditions (python-docx): paragraphs and table rows, in document order.

The package is checked against the ZIP budget (`parsers.archive`) before python-docx sees it.
"""

from __future__ import annotations

import io
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from parsers.archive import ZIP_ERRORS, open_zip
from parsers.errors import ExtractionError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx file, one per line; table rows as cells joined by spaces."""
    from docx import Document

    open_zip(data, "DOCX").close()
    try:
        document = Document(io.BytesIO(data))
    except (*ZIP_ERRORS, KeyError, etree.LxmlError) as exc:
        raise ExtractionError(f"not a readable DOCX file: {exc}") from exc
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            lines.append(_paragraph(child))
        elif child.tag == f"{_W}tbl":
            lines.extend(_table_rows(child))
    return "\n".join(lines)


def _paragraph(element: Any) -> str:
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.iter(f"{_W}tr"):
        cells = [
            " ".join(_paragraph(p) for p in cell.iter(f"{_W}p")).strip()
            for cell in row.iter(f"{_W}tc")
        ]
        rows.append(" ".join(c for c in cells if c))
    return rows
