"""Body text of OFD files (GB/T 33190, the national fixed-layout format): a ZIP of XML parts.

`OFD.xml` names the document root (`DocBody/DocRoot`, e.g. `Doc_0/Document.xml`), which lists
the pages (`Pages/Page@BaseLoc`, e.g. `Pages/Page_0/Content.xml`). Each page's `TextObject`s
carry a `Boundary` ("x y w h", millimetres from the top left) and `TextCode`s with their own
`X`/`Y` offsets (baseline) and `DeltaX` advances; the file order of the objects is the
producer's drawing order, not the reading order. Text is put back in reading order: runs on
one baseline (within half a font size) form a line, left to right; lines top to bottom. A
line starts a paragraph when it is indented or the line before it stopped short of the right
margin; wrapped lines are joined, across pages too; page numbers (`- 3 -`) are dropped. Template pages (running heads), annotations and signatures
are not body text and are not read. No third-party OFD library fitted: see the README.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from parsers.archive import open_zip, read_member
from parsers.errors import ExtractionError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_MAX_PRIVATE_SHARE = 0.02
_PAGE_NUMBER = re.compile(r"^\s*[-—–－]?\s*\d{1,4}\s*[-—–－]?\s*$")


@dataclass(frozen=True, slots=True)
class _Run:
    x: float  # left edge of the first glyph
    y: float  # baseline
    end: float  # right edge of the last glyph
    size: float  # font size
    text: str


def ofd_text(data: bytes) -> str:
    """The paragraphs of an .ofd file, one per line, pages in order."""
    package = open_zip(data, "OFD")
    with package:
        root = _xml(read_member(package, _member(package, "OFD.xml"), "OFD"), "OFD.xml")
        doc_root = _first_text(root, "DocRoot")
        if not doc_root:
            raise ExtractionError("OFD.xml names no DocRoot")
        doc_path = posixpath.normpath(doc_root.lstrip("/"))
        document = _xml(read_member(package, _member(package, doc_path), "OFD"), doc_path)
        folder = posixpath.dirname(doc_path)
        pages: list[list[list[_Run]]] = []
        for page in document.iter("{*}Page"):
            path = _resolve(folder, page.get("BaseLoc") or "")
            content = _xml(read_member(package, _member(package, path), "OFD"), path)
            pages.append([line for line in _lines(_runs(content)) if not _page_number(line)])
    text = "\n".join(_paragraphs(pages))
    if not text.strip():
        raise ExtractionError("the OFD file has no text (scanned pages?)")
    private = len(_PRIVATE_USE.findall(text))
    if private > len(text) * _MAX_PRIVATE_SHARE:
        # Embedded subset fonts may map glyphs to private-use code points: such text is not
        # the document's words, and storing it would make every later version "changed".
        raise ExtractionError(
            f"the OFD's text is in its fonts' private codes ({private} characters): unreadable"
        )
    return text


def _xml(data: bytes, name: str) -> Any:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"OFD part {name} is not well-formed XML: {exc}") from exc


def _member(package: Any, path: str) -> str:
    """The member named `path`, matched without regard to case (producers differ)."""
    names = {name.lower(): name for name in package.namelist()}
    found = names.get(path.lower())
    if found is None:
        raise ExtractionError(f"OFD package has no {path}")
    return str(found)


def _resolve(folder: str, location: str) -> str:
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, location))


def _first_text(root: Any, local: str) -> str:
    for node in root.iter(f"{{*}}{local}"):
        return (node.text or "").strip()
    return ""


def _numbers(value: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(value or "")]


def _advances(value: str | None) -> list[float]:
    """`DeltaX`: numbers, where `g N d` repeats the advance d N times."""
    out: list[float] = []
    tokens = (value or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def _runs(content: Any) -> list[_Run]:
    runs: list[_Run] = []
    for obj in content.iter("{*}TextObject"):
        box = _numbers(obj.get("Boundary"))
        if len(box) < 4:
            continue
        size = (_numbers(obj.get("Size")) or [box[3]])[0]
        ctm = _numbers(obj.get("CTM"))
        scale_x, scale_y = (ctm[0], ctm[3]) if len(ctm) == 6 else (1.0, 1.0)
        for code in obj.iter("{*}TextCode"):
            text = "".join(code.itertext())
            if not text.strip():
                continue
            x = box[0] + (_numbers(code.get("X")) or [0.0])[0] * scale_x
            y = box[1] + (_numbers(code.get("Y")) or [size])[0] * scale_y
            advances = _advances(code.get("DeltaX"))
            width = (sum(advances[: len(text) - 1]) + size) * scale_x
            runs.append(_Run(x=x, y=y, end=x + width, size=size * scale_y, text=text))
    return runs


def _lines(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped on baselines (top to bottom), each line left to right."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(lines[-1][0].y - run.y) <= run.size / 2:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [sorted(line, key=lambda r: r.x) for line in lines]


def _line_text(line: list[_Run]) -> str:
    """A line's runs joined; a visible gap becomes a space (dropped later between CJK)."""
    parts = [line[0].text]
    for before, run in zip(line, line[1:], strict=False):
        parts.append(" " if run.x - before.end > run.size / 4 else "")
        parts.append(run.text)
    return "".join(parts)


def _page_number(line: list[_Run]) -> bool:
    """`- 3 -`, `— 3 —`, `3`: a page number, not text."""
    return _PAGE_NUMBER.match(_line_text(line)) is not None


def _paragraphs(pages: list[list[list[_Run]]]) -> list[str]:
    """Lines joined into paragraphs: an indented line, or one after a line that stopped short
    of the right margin, starts one; a page's first line may continue the page before."""
    out: list[str] = []
    short = True  # the line before ended a paragraph
    for lines in pages:
        if not lines:
            continue
        left = min(line[0].x for line in lines)
        right = max(line[-1].end for line in lines)
        for line in lines:
            size = max(r.size for r in line)
            text = _line_text(line)
            if short or line[0].x > left + size / 2:
                out.append(text)
            else:
                out[-1] += text
            short = line[-1].end < right - size * 1.5
    return out
