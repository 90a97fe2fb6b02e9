"""Build the clause tree from normalised text (one paragraph per line), regex-based and linear.

Numbering schemes and the `kind` each gives (the vocabulary of `Clause.kind`):

    第X编 part · 第X章 chapter · 第X节 division · 第X条 article · 一、 / `01` section ·
    （一） measure · 1. / 1、 item · （1） subitem · ① point

Nesting follows first appearance, as in the documents themselves: a scheme already open on the
stack closes everything below it (a sibling); a new scheme opens a child list. A numbered line
is accepted only when its number continues the sequence (a sibling: a higher number, at most
5 on; a new list: 1, or one more than the last number of that scheme anywhere, so that measures
（一）…（三十二） and articles 1..37 run on across sections and chapters); other lines are text.
A numeral too long to be a clause number (more than 8 characters) is text.

Labels are the numeral as written without decoration (`九`, `3`, `①`), except the `01` section
numbers of WeChat-style reposts, which become the Chinese numeral (`01` -> `一`) so that a repost
and the original `一、` compare equal. `number` is the label's integer value.

A clause's `heading` is its caption (`第一条【立法目的】`), the title line of a part, chapter,
division or section (`一、加大财税支持力度`), or the short first sentence of a measure or item
(`（九）激发创新活力。…` -> `激发创新活力`). `text` is what follows the label and the heading, with
the responsible-units notes moved to `responsible_units` and without a sentence-final `。`
(renditions differ in that alone: the seed drops it before its units notes, the final keeps it).
An unnumbered paragraph after an article's item list is the article's next paragraph (款), not
part of the last item.

Unnumbered lines before the first clause are the preamble. A table of contents (`目录` and a run
of part, chapter and division headings without body, before the body's own first heading) is
left out of the tree; `Structure.contents` gives its span. The closing is recognised by its
place and its form: after a clause closed by a units note, or from a closing line (`特此通知`,
`附件：`, `本措施自…起施行`) on, lines are closing text, unless a later line continues the
numbering of an article, measure, section or chapter, which shows that the "closing" was a
paragraph inside the text (then it goes back to its clause).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.fields import find_amounts, find_dates, split_units
from parsers.model import Clause
from parsers.numerals import cn_to_int, int_to_cn

_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"[{_CN}\d]+"
_MAX_NUMERAL = 8  # a longer numeral is not a clause number (and int() of it can fail)

# (kind, pattern); group 1 is the label, group 2 the rest of the line.
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第({_NUM})编\s*(.*)$")),
    ("chapter", re.compile(rf"^第({_NUM})章\s*(.*)$")),
    ("division", re.compile(rf"^第({_NUM})节\s*(.*)$")),
    ("article", re.compile(rf"^第({_NUM})条\s*(.*)$")),
    ("section", re.compile(rf"^([{_CN}]+)\s*[、.]\s*(.*)$")),
    ("repost", re.compile(r"^(0[1-9]|[1-9]\d)\s*([\u4e00-\u9fff“][^。，；]{1,38})$")),
    ("measure", re.compile(rf"^（([{_CN}]+)）\s*(.*)$")),
    ("item", re.compile(r"^(\d{1,3})\s*[.、](?!\d)\s*(.*)$")),
    ("subitem", re.compile(r"^（(\d{1,3})）\s*(.*)$")),
    ("point", re.compile(r"^([\u2460-\u2473])\s*(.*)$")),
)
_CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))
# The schemes a line may match by its first character (each pattern's first one), in order.
_SCHEMES_BY_FIRST: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(s for s in _SCHEMES if s[0] in kinds)
    for chars, kinds in (
        ("第", ("part", "chapter", "division", "article")),
        (_CN, ("section",)),
        ("0123456789", ("repost", "item")),
        ("（", ("measure", "subitem")),
        (_CIRCLED, ("point",)),
    )
    for first in chars
}
_CAPTION = re.compile(r"^【([^【】]{1,30})】\s*")
_FIRST_SENTENCE = re.compile(r"^([^。，；：！？\n]{2,24})[。：](?=.)", re.S)
# What a document calls itself in its closing sentence (本措施自…起施行).
DOC_NOUNS = (
    r"(?:若干措施|实施细则|措施|办法|规定|条例|细则|方案|意见|通知|指引|规则|决定|解释|通告|公告|"
    r"法|准则|制度|纲要|计划|指南)"
)
# A closing line: 特此通知, 附件：, the document's own effective-date sentence
# (本措施自2023年1月1日起施行; "本条例施行前的…" inside an article is not one), or the issuing
# lines under the text: the issuer's name alone (深圳市工业和信息化局) or a date alone.
_CLOSING = re.compile(
    r"^(?:特此(?:通知|通告|公告|函|批复)[。！]?$|附件[：:\d]|"
    rf"本{DOC_NOUNS}(?:自|从|于)[^。]{{0,40}}?(?:施行|实施|执行|生效)|"
    r"[\u4e00-\u9fff（）]{2,30}(?:局|委员会|厅|办公室|办公厅|人民政府|人民法院|人民检察院|中心|署)$|"
    r"\d{4}年\d{1,2}月\d{1,2}日$)"
)
_TITLE_KINDS = frozenset({"part", "chapter", "division"})
_SENTENCE_KINDS = frozenset({"section", "measure", "item", "subitem", "point"})
_LIST_KINDS = frozenset({"measure", "item", "subitem", "point"})
# A closing is undone by the next number of one of these (the text goes on after it).
_BODY_KINDS = frozenset({"part", "chapter", "division", "article", "section", "measure"})
# 目录: the title line, and the entries of a table of contents (a heading, maybe a page number).
_TOC_TITLE = re.compile(r"^目\s*录$")
_TOC_ENTRY = re.compile(
    rf"^(?:第({_NUM})(编|章|节)\s*[^。；，：]{{0,40}}?|附\s*则|附\s*录)(?:\s*[.…·．]*\s*\d{{1,4}})?$"
)
_TOC_TOP = frozenset({"part", "chapter"})
_TOC_PAGE = re.compile(r"[\s.…·．]*\d{1,4}$")


@dataclass(slots=True)
class _Label:
    kind: str
    label: str
    number: int
    rest: str


@dataclass(slots=True)
class _Node:
    kind: str
    label: str
    number: int
    lines: list[str]
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Structure:
    """The result of `structure`: clauses plus the unnumbered text around them."""

    clauses: tuple[Clause, ...]
    preamble: str
    closing: str
    first_offset: int | None  # character offset of the first clause's line in the text
    candidates: int  # numbered-looking lines, accepted or not
    contents: tuple[int, int] | None = None  # [start, end) offsets of a 目录 left out


def match_label(line: str) -> _Label | None:
    """The numbering at the start of `line`, if any (not yet checked against the sequence)."""
    schemes = _SCHEMES_BY_FIRST.get(line[:1])
    if schemes is None:
        return None
    for kind, pattern in schemes:
        match = pattern.match(line)
        if match is None:
            continue
        raw, rest = match.group(1), match.group(2)
        if kind == "point":
            return _Label(kind=kind, label=raw, number=ord(raw) - 0x2460 + 1, rest=rest)
        number = cn_to_int(raw) if len(raw) <= _MAX_NUMERAL else None
        if number is None or number == 0:
            continue
        if kind == "repost":
            return _Label(kind="section", label=int_to_cn(number), number=number, rest=rest)
        return _Label(kind=kind, label=raw, number=number, rest=rest)
    return None


@dataclass(slots=True)
class _Ending:
    """A closing begun tentatively: where its lines start and which clause it interrupted."""

    start: int  # index into `_Builder.closing`
    clause: _Node | None  # the open clause the lines go back to if the text goes on


class _Builder:
    """The stack machine of `structure` (see the module docstring)."""

    def __init__(self) -> None:
        self.roots: list[_Node] = []
        self.stack: list[_Node] = []
        self.last: dict[str, int] = {}
        self.preamble: list[str] = []
        self.closing: list[str] = []
        self.pending: list[str] = []
        self.closed = False
        self.ending: _Ending | None = None
        self.candidates = 0

    def accept(self, lab: _Label) -> bool:
        for node in reversed(self.stack):
            if node.kind == lab.kind:
                if self.ending is not None:  # after a closing line only the body goes on
                    return lab.kind in _BODY_KINDS and lab.number == node.number + 1
                return node.number < lab.number <= node.number + 5
        if self.ending is not None:
            return lab.kind in _BODY_KINDS and lab.number == self.last.get(lab.kind, 0) + 1
        return lab.number == 1 or lab.number == self.last.get(lab.kind, 0) + 1

    def open(self, lab: _Label) -> None:
        if self.ending is not None:
            self._resume()
        depth = next(
            (i for i, node in enumerate(self.stack) if node.kind == lab.kind), len(self.stack)
        )
        del self.stack[depth:]
        if self.pending:
            target = self.stack[-1].lines if self.stack else self.closing
            target.extend(self.pending)
            self.pending.clear()
        node = _Node(kind=lab.kind, label=lab.label, number=lab.number, lines=[lab.rest])
        (self.stack[-1].children if self.stack else self.roots).append(node)
        self.stack.append(node)
        self.last[lab.kind] = lab.number
        self.closed = _ends_with_units(lab.rest)

    def _resume(self) -> None:
        """The numbering went on after a closing line: its lines were body text after all."""
        assert self.ending is not None
        lines = self.closing[self.ending.start :]
        del self.closing[self.ending.start :]
        if self.ending.clause is not None:
            self.ending.clause.lines.extend(lines)
        self.ending = None

    def text(self, line: str) -> None:
        if not self.stack and not self.roots:
            self.preamble.append(line)
        elif self.ending is not None:
            self.closing.append(line)
        elif _CLOSING.match(line):
            clause = self.stack[-1] if self.stack else None
            self.ending = _Ending(start=len(self.closing), clause=clause)
            self.closing.extend(self.pending)
            self.pending.clear()
            self.closing.append(line)
        elif self.closed:
            self.pending.append(line)
        else:
            self._paragraph_owner().lines.append(line)
            self.closed = _ends_with_units(line)

    def _paragraph_owner(self) -> _Node:
        """The clause an unnumbered paragraph belongs to: after an article's item list, the
        article (its next 款), and the list is closed."""
        top = self.stack[-1]
        if top.kind not in _LIST_KINDS:
            return top
        for depth in range(len(self.stack) - 2, -1, -1):
            node = self.stack[depth]
            if node.kind == "article":
                del self.stack[depth + 1 :]
                return node
            if node.kind not in _LIST_KINDS:
                break
        return top

    def feed(self, line: str, lab: _Label | None) -> bool:
        """Take the next line, `lab` its `match_label`; True when it opened a clause."""
        if lab is not None:
            self.candidates += 1
            if self.accept(lab):
                self.open(lab)
                return True
        self.text(line)
        return False


def _ends_with_units(line: str) -> bool:
    return line.endswith(("）", "]", "］", "）。", "]。", "］。")) and "责任单位" in line[-400:]


def contents_lines(lines: list[str], labels: list[_Label | None]) -> tuple[int, int] | None:
    """The [start, end) line range of a table of contents (目录), if the text has one.

    A 目录 is a run of part/chapter/division headings without body before the body's own first
    heading: after a `目录` title line, or (without a title) at least three headings from
    第一编/第一章 on that the body then repeats from its first one. `labels`: `match_label` of
    each line.
    """
    for i, line in enumerate(lines):
        lab = labels[i]
        if lab is not None and lab.kind == "article":
            return None  # the body has begun: a 目录 comes before it
        titled = "录" in line and _TOC_TITLE.match(line.replace(" ", "")) is not None
        if not titled and not (lab is not None and lab.kind in _TOC_TOP and lab.number == 1):
            continue
        first = i + 1 if titled else i
        end = first
        key = _heading_key(lines[first]) if first < len(lines) else ""
        while end < len(lines) and _TOC_ENTRY.match(lines[end]):
            if end > first and _heading_key(lines[end]) == key:
                break  # the body's own first heading
            end += 1
        if end - first < (2 if titled else 3) or end == len(lines):
            continue
        restart = _heading_key(lines[end]) == _heading_key(lines[first])
        if restart or (titled and _starts_body(lines[end])):
            return i, end
    return None


def _starts_body(line: str) -> bool:
    lab = match_label(line)
    return lab is not None and lab.number == 1 and lab.kind in ("part", "chapter", "article")


def _heading_key(line: str) -> str:
    return _TOC_PAGE.sub("", line).replace(" ", "").replace("\u3000", "")


def structure(text: str) -> Structure:
    """Read the clause tree of normalised text (one paragraph per line)."""
    lines = text.split("\n")
    labels = [match_label(line) for line in lines]
    toc = contents_lines(lines, labels)
    builder = _Builder()
    first: int | None = None
    offset = 0
    span: tuple[int, int] | None = None
    for number, line in enumerate(lines):
        if toc is not None and toc[0] <= number < toc[1]:
            if number == toc[0]:
                span = (offset, offset)
            assert span is not None
            span = (span[0], offset + len(line))
        elif builder.feed(line, labels[number]) and first is None:
            first = offset
        offset += len(line) + 1
    closing = builder.closing + builder.pending
    clauses = tuple(_freeze(node, ()) for node in builder.roots)
    return Structure(
        clauses=clauses,
        preamble="\n".join(builder.preamble),
        closing="\n".join(closing),
        first_offset=first,
        candidates=builder.candidates,
        contents=span,
    )


def first_clause_offset(text: str) -> int | None:
    """Character offset of the first accepted clause in `text` (None when there is none)."""
    return structure(text).first_offset


def _heading(node: _Node) -> tuple[str | None, str]:
    first, rest_lines = node.lines[0], node.lines[1:]
    caption = _CAPTION.match(first)
    if caption:
        return caption.group(1), "\n".join([first[caption.end() :], *rest_lines]).strip()
    if node.kind in _TITLE_KINDS and rest_lines and all(map(_is_title_line, rest_lines)):
        # a title broken over lines (第四章 外商投资经营国际海上运输 / 及其辅助性业务的特别规定)
        return "".join([first, *rest_lines]) or None, ""
    if node.kind in _TITLE_KINDS or (node.kind == "section" and _is_title_line(first)):
        return first or None, "\n".join(rest_lines)
    if (node.children or rest_lines) and node.kind != "article" and _is_title_line(first):
        return first, "\n".join(rest_lines)
    if node.kind in _SENTENCE_KINDS:
        sentence = _FIRST_SENTENCE.match(first)
        if sentence:
            return sentence.group(1), "\n".join([first[sentence.end() :], *rest_lines])
    return None, "\n".join(node.lines)


def _is_title_line(line: str) -> bool:
    return 0 < len(line) <= 40 and not any(p in line for p in "。；！？，：")


def _freeze(node: _Node, parent: tuple[str, ...]) -> Clause:
    path = (*parent, node.label)
    heading, body = _heading(node)
    body, units = split_units(body)
    if heading is not None:
        heading = heading.rstrip("。：")
    return Clause(
        kind=node.kind,
        label=node.label,
        number=node.number,
        level=len(path),
        path=path,
        heading=heading,
        text=body.strip().rstrip("。").rstrip(),
        responsible_units=units,
        amounts=find_amounts(body),
        dates=find_dates(body),
        children=tuple(_freeze(child, path) for child in node.children),
    )
