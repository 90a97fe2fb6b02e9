"""Build a real OFD package (GB/T 33190) from paragraphs, laid out as a 公文 printer lays it.

A4 pages (210 x 297 mm), 5 mm CJK glyphs (ASCII half width), 28 mm left margin, 156 mm lines,
first lines indented two characters, a centred title, a page number `- N -` at the foot of
each page, a template page with a running head. Each line is one `TextObject` (some split in
two runs), written to the page XML in shuffled order: the drawing order of real producers is
not the reading order, so a reader must use the coordinates.
"""

from __future__ import annotations

import io
import random
import zipfile
from xml.sax.saxutils import escape

NS = "http://www.ofdspec.org/2016"
SIZE = 5.0
LEFT = 28.0
WIDTH = 156.0
TOP = 37.0
PITCH = 8.5
LINES_PER_PAGE = 26
RUNNING_HEAD = "内部资料 注意保存"


def _advance(char: str) -> float:
    return SIZE / 2 if ord(char) < 128 else SIZE


def _wrap(paragraph: str, indent: float) -> list[tuple[float, str]]:
    """(x, text) per line: the first indented, each at most WIDTH wide."""
    lines: list[tuple[float, str]] = []
    x, start, used = LEFT + indent, 0, indent
    for i, char in enumerate(paragraph):
        if used + _advance(char) > WIDTH + 0.01:
            lines.append((x, paragraph[start:i]))
            x, start, used = LEFT, i, 0.0
        used += _advance(char)
    lines.append((x, paragraph[start:]))
    return lines


def _text_object(ident: int, x: float, y: float, text: str) -> str:
    deltas = " ".join(f"{_advance(c):g}" for c in text[:-1])
    width = sum(_advance(c) for c in text)
    return (
        f'<ofd:TextObject ID="{ident}" Boundary="{x:.2f} {y:.2f} {width:.2f} {SIZE * 1.2:.2f}" '
        f'Font="3" Size="{SIZE}"><ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{SIZE:.2f}" DeltaX="{deltas}">{escape(text)}</ofd:TextCode>'
        "</ofd:TextObject>"
    )


def _page_xml(objects: list[str]) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}">'
        '<ofd:Template TemplateID="2"/>'
        "<ofd:Area><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:Area>"
        f'<ofd:Content><ofd:Layer ID="9">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def _layout(title: str, paragraphs: list[str]) -> list[list[tuple[float, str]]]:
    """Lines per page: (x, text); the title centred, body paragraphs indented."""
    lines: list[tuple[float, str]] = []
    title_width = sum(_advance(c) for c in title)
    lines.append((LEFT + max(0.0, (WIDTH - title_width) / 2), title))
    for paragraph in paragraphs:
        lines.extend(_wrap(paragraph, indent=2 * SIZE))
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


def build_ofd(title: str, paragraphs: list[str], *, seed: int = 7) -> bytes:
    """The bytes of an .ofd file holding `title` and `paragraphs`."""
    rng = random.Random(seed)
    ident = 100
    pages: list[str] = []
    for number, page in enumerate(_layout(title, paragraphs), 1):
        objects: list[str] = []
        for row, (x, text) in enumerate(page):
            y = TOP + row * PITCH
            if len(text) > 12 and rng.random() < 0.3:  # a line drawn as two runs
                cut = 6
                head_width = sum(_advance(c) for c in text[:cut])
                objects.append(_text_object(ident, x, y, text[:cut]))
                objects.append(_text_object(ident + 1, x + head_width, y, text[cut:]))
                ident += 2
            else:
                objects.append(_text_object(ident, x, y, text))
                ident += 1
        foot = f"- {number} -"
        objects.append(_text_object(ident, 105 - len(foot) * SIZE / 4, 275.0, foot))
        ident += 1
        rng.shuffle(objects)
        pages.append(_page_xml(objects))
    return _package(pages)


def _package(pages: list[str]) -> bytes:
    page_list = "".join(
        f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}">'
        "<ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
        f"<ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    )
    root = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" '
        'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>4a2b</ofd:DocID>'
        "<ofd:Creator>policywatch tests</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    fonts = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="3" FontName="仿宋_GB2312" FamilyName="仿宋"/></ofd:Fonts>'
        "</ofd:Res>"
    )
    template = _page_xml([_text_object(1, LEFT, 15.0, RUNNING_HEAD)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", root)
        package.writestr("Doc_0/Document.xml", document)
        package.writestr("Doc_0/PublicRes.xml", fonts)
        package.writestr("Doc_0/Tpls/Tpl_0/Content.xml", template)
        for i, page in enumerate(pages):
            package.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page)
    return buffer.getvalue()
