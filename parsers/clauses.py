"""Build the clause tree from normalised text (one paragraph per line), regex-based and linear.

Numbering schemes and the `kind` each gives (the vocabulary of `Clause.kind`):

    第X编 part · 第X章 chapter · 第X节 division · 第X条 article · 一、 / `01` section ·
    （一） measure · 1. / 1、 item · （1） subitem · ① point

Nesting follows first appearance, as in the documents themselves: a scheme already open on the
stack closes everything below it (a sibling); a new scheme opens a child list. A numbered line
is accepted only when its number continues the sequence (a sibling: a higher number, at most
5 on; a new list: 1, or one more than the last number of that scheme anywhere, so that measures
（一）…（三十二） and articles 1..37 run on across sections and chapters); other lines are text.

Labels are the numeral as written without decoration (`九`, `3`, `①`), except the `01` section
numbers of WeChat-style reposts, which become the Chinese numeral (`01` -> `一`) so that a repost
and the original `一、` compare equal. `number` is the label's integer value.

A clause's `heading` is its caption (`第一条【立法目的】`), the title line of a part, chapter,
division or section (`一、加大财税支持力度`), or the short first sentence of a measure or item
(`（九）激发创新活力。…` -> `激发创新活力`). `text` is what follows the label and the heading, with
the responsible-units notes moved to `responsible_units` and without a sentence-final `。`
(renditions differ in that alone: the seed drops it before its units notes, the final keeps it).

Unnumbered lines before the first clause are the preamble. After a clause closed by a units note,
or from a closing line (`特此通知`, `本措施自…施行`, `附件：`) on, lines are the closing text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.fields import find_amounts, find_dates, split_units
from parsers.model import Clause
from parsers.numerals import cn_to_int, int_to_cn

_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"[{_CN}\d]+"

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
_FIRST_CHARS = frozenset("第（0123456789" + _CN + "".join(chr(c) for c in range(0x2460, 0x2474)))
_CAPTION = re.compile(r"^【([^【】]{1,30})】\s*")
_FIRST_SENTENCE = re.compile(r"^([^。，；：！？\n]{2,24})[。：](?=.)", re.S)
_CLOSING = re.compile(
    r"^(?:特此(?:通知|通告|公告|函|批复)|附件[：:\d]|"
    r"本(?:措施|办法|规定|条例|细则|方案|意见|通知|指引|规则|决定|实施细则|若干措施)"
    r"[^。]{0,40}(?:施行|实施|执行|生效))"
)
_TITLE_KINDS = frozenset({"part", "chapter", "division"})
_SENTENCE_KINDS = frozenset({"section", "measure", "item", "subitem", "point"})


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


def match_label(line: str) -> _Label | None:
    """The numbering at the start of `line`, if any (not yet checked against the sequence)."""
    if not line or line[0] not in _FIRST_CHARS:
        return None
    for kind, pattern in _SCHEMES:
        match = pattern.match(line)
        if match is None:
            continue
        raw, rest = match.group(1), match.group(2)
        if kind == "point":
            return _Label(kind=kind, label=raw, number=ord(raw) - 0x2460 + 1, rest=rest)
        number = cn_to_int(raw)
        if number is None or number == 0:
            continue
        if kind == "repost":
            return _Label(kind="section", label=int_to_cn(number), number=number, rest=rest)
        return _Label(kind=kind, label=raw, number=number, rest=rest)
    return None


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
        self.ending = False
        self.candidates = 0

    def accept(self, lab: _Label) -> bool:
        for node in reversed(self.stack):
            if node.kind == lab.kind:
                return node.number < lab.number <= node.number + 5
        return lab.number == 1 or lab.number == self.last.get(lab.kind, 0) + 1

    def open(self, lab: _Label) -> None:
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

    def text(self, line: str) -> None:
        if not self.stack and not self.roots:
            self.preamble.append(line)
        elif self.ending:
            self.closing.append(line)
        elif _CLOSING.match(line):
            self.ending = True
            self.closing.extend(self.pending)
            self.pending.clear()
            self.closing.append(line)
        elif self.closed:
            self.pending.append(line)
        else:
            self.stack[-1].lines.append(line)
            self.closed = _ends_with_units(line)

    def feed(self, line: str) -> bool:
        lab = None if self.ending else match_label(line)
        if lab is not None:
            self.candidates += 1
            if self.accept(lab):
                self.open(lab)
                return True
        self.text(line)
        return False


def _ends_with_units(line: str) -> bool:
    return line.endswith(("）", "]", "］", "）。", "]。", "］。")) and "责任单位" in line[-400:]


def structure(text: str) -> Structure:
    """Read the clause tree of normalised text (one paragraph per line)."""
    builder = _Builder()
    first: int | None = None
    offset = 0
    for line in text.split("\n"):
        if builder.feed(line) and first is None:
            first = offset
        offset += len(line) + 1
    builder.closing[:0] = []
    closing = builder.closing + builder.pending
    clauses = tuple(_freeze(node, ()) for node in builder.roots)
    return Structure(
        clauses=clauses,
        preamble="\n".join(builder.preamble),
        closing="\n".join(closing),
        first_offset=first,
        candidates=builder.candidates,
    )


def first_clause_offset(text: str) -> int | None:
    """Character offset of the first accepted clause in `text` (None when there is none)."""
    return structure(text).first_offset


def _heading(node: _Node) -> tuple[str | None, str]:
    first, rest_lines = node.lines[0], node.lines[1:]
    caption = _CAPTION.match(first)
    if caption:
        return caption.group(1), "\n".join([first[caption.end() :], *rest_lines]).strip()
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
