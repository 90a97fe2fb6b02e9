"""Comparison keys of clauses and the record of an alignment of two clause trees.

`canonical` is the one text key every comparison uses (widths folded, punctuation and white
space dropped); `flatten` turns a clause tree into `Node`s in document order with their keys
(own text, whole text with descendants, long paragraphs, kind group); `Alignment` records which
old node is which new node, and which clauses were merged into or split off from another.
The matching itself is `parsers.pairing`; splits and merges are found by `parsers.flows`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.hanzi import as_is, simplified
from parsers.model import Clause

_PARAGRAPH = 20  # canonical characters a paragraph needs to count as kept whole
_KEPT_SIGNS = frozenset("%‰")  # punctuation by category, but they change the meaning

_GROUPS = {
    "part": "part",
    "chapter": "chapter",
    "division": "division",
    "section": "section",
    "article": "article",
    "measure": "list",
    "item": "list",
    "subitem": "list",
    "point": "list",
}
_CONTAINER_KINDS = frozenset({"part", "chapter", "division", "section"})


@functools.lru_cache(maxsize=16384)  # one clause text is compared many times per diff
def canonical(text: str | None) -> str:
    """Text for comparison: widths folded, lower case, punctuation and white space dropped,
    Traditional characters in their Simplified form (a Traditional repost is no change)."""
    return folded(text)[0] if text else ""


@functools.lru_cache(maxsize=16384)
def folded(text: str) -> tuple[str, bool]:
    """`canonical(text)`, and whether it was found character by character (`local`): then
    `canonical(a + b) == canonical(a) + canonical(b)` for two local texts `a` and `b`.

    Local: what is left once punctuation is dropped (`_drop` deletes character by character)
    is GB 2312 that `simplified` returns as it is (no OpenCC, which converts phrases), is NFKC
    already (every GB 2312 character is a starter no composition takes as its second one, so
    two such texts are NFKC joined as well: tests/parsers/test_align_keys.py checks the
    repertoire), and holds no capital sigma (the one letter `str.lower` lowers by context)."""
    if not text:
        return "", True
    dropped = _drop(text)  # full-width punctuation goes here, so usually...
    local = as_is(dropped)
    if not local:
        dropped = simplified(dropped)
    if unicodedata.is_normalized("NFKC", dropped):  # ...what is left needs no NFKC (fast)
        return dropped.lower(), local and "\u03a3" not in dropped
    return _drop(unicodedata.normalize("NFKC", dropped).lower()), False


def _dropped(ch: str) -> bool:
    """Whether `canonical` deletes a character: punctuation, white space, control characters
    (by Unicode category), but not the signs that change a meaning (`_KEPT_SIGNS`)."""
    return ch not in _KEPT_SIGNS and (ch.isspace() or unicodedata.category(ch)[0] in "PZC")


def _drop(text: str) -> str:
    """`text` without the characters `_dropped` deletes. For text of the common blocks (the
    usual case) a regular expression does it about twice as fast as `str.translate` (a
    dictionary lookup a character); other text goes through the table."""
    dropped, outside = _patterns()
    if outside.search(text) is not None:
        return text.translate(_DROP)
    return dropped.sub("", text)


# The blocks Chinese policy text is written in: Latin-1, general punctuation to the
# miscellaneous symbols (①, ℃, Ⅲ, →), CJK symbols and punctuation to CJK compatibility (〇,
# 《》, ㈠, ㎡), CJK unified ideographs, CJK compatibility forms, full-width forms.
_COMMON_BLOCKS = (
    (0x0000, 0x00FF),
    (0x2000, 0x2BFF),
    (0x3000, 0x33FF),
    (0x4E00, 0x9FFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Runs of the characters of `_COMMON_BLOCKS` that `_dropped` deletes, and any character
    outside those blocks; built on first use, about 4 ms (a block of letters only, as the CJK
    ideographs are, is checked at once: `isalpha` means categories L*, none of them dropped)."""
    codes: list[int] = []
    for first, last in _COMMON_BLOCKS:
        block = "".join(map(chr, range(first, last + 1)))
        if block.isalpha() and _SPACE.search(block) is None:
            continue
        codes.extend(first + i for i, ch in enumerate(block) if _dropped(ch))
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    dropped = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    common = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _COMMON_BLOCKS)
    return re.compile(f"[{dropped}]+"), re.compile(f"[^{common}]")


_SPACE = re.compile(r"\s")  # what `str.isspace` is true for


class _DropTable(dict[int, int | None]):
    """A `str.translate` table deleting the characters `_dropped` deletes.

    Filled lazily, one code point at a time, so the category lookup runs once per character.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if _dropped(chr(code)) else code
        self[code] = value
        return value


_DROP = _DropTable()


def full_text(clause: Clause) -> str:
    """Heading and own text as one string (the heading only once)."""
    return _own(clause)[0]


def display_text(clause: Clause) -> str:
    """What a reader sees of a clause: heading, text and its responsible-units note."""
    text = full_text(clause)
    if clause.responsible_units:
        text += "（责任单位：" + "、".join(clause.responsible_units) + "）"
    return text


def group_of(clause: Clause) -> str:
    """The kinds a clause may pair with: `article`, `list` (measures and items), `chapter`..."""
    return _GROUPS.get(clause.kind, clause.kind)


@dataclass(slots=True, kw_only=True)  # not frozen: thousands per diff, built cheaply
class Node:
    """One clause of a flattened tree with its parent and comparison keys (never changed
    once built)."""

    index: int
    clause: Clause
    parent: int | None
    content: str  # canonical heading and own text
    heading: str
    has_children: bool
    parent_heading: str
    group: str = ""
    whole: str = ""  # canonical text of the clause with its descendants (units)
    paragraphs: tuple[str, ...] = ()  # canonical paragraphs of `whole` long enough to count

    @property
    def container(self) -> bool:
        """A part, chapter, division or section holding clauses: paired by heading."""
        return self.has_children and self.clause.kind in _CONTAINER_KINDS


@dataclass(slots=True, kw_only=True)
class Alignment:
    """Old-to-new node pairs (indices into the flattened trees) and similarity scores."""

    old: list[Node]
    new: list[Node]
    pairs: dict[int, int] = field(default_factory=dict)
    back: dict[int, int] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)  # old merged into -> new
    split_off: dict[int, int] = field(default_factory=dict)  # new split off -> old
    # old -> new clauses paired with other old clauses that received a passage of it
    partial: dict[int, list[int]] = field(default_factory=dict)
    # `units` of each side and group, listed once: every phase of the aligner scans one
    # group's units, and a document is mostly clauses of other groups or of no text
    _units: dict[tuple[bool, str], list[Node]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def units(self, old: bool, group: str) -> list[Node]:
        """The units of one group on one side (`old`: the old tree), in document order:
        clauses of that group with text that are not containers (never to be modified)."""
        found = self._units.get((old, group))
        if found is None:
            nodes = self.old if old else self.new
            found = [n for n in nodes if n.group == group and n.whole and not n.container]
            self._units[old, group] = found
        return found

    def free_units(self, old: bool, group: str) -> list[Node]:
        """`units` without a pair (nor merged into or split off another), in document order."""
        if old:
            return [n for n in self.units(True, group) if self.is_free_old(n.index)]
        return [n for n in self.units(False, group) if self.is_free_new(n.index)]

    def is_free_old(self, old: int) -> bool:
        """True when old clause `old` has no pair and was not merged into another."""
        return old not in self.pairs and old not in self.merged

    def is_free_new(self, new: int) -> bool:
        """True when new clause `new` has no pair and was not split off another."""
        return new not in self.back and new not in self.split_off

    def link(self, old: int, new: int, score: float = 1.0) -> None:
        """Record that old clause `old` is new clause `new`."""
        self.pairs[old] = new
        self.back[new] = old
        self.scores[old] = score

    def unlink(self, old: int) -> None:
        """Forget the pair of old clause `old`."""
        new = self.pairs.pop(old)
        del self.back[new]
        del self.scores[old]

    def free_old(self) -> list[Node]:
        """Old nodes without a pair (nor merged into another), in document order."""
        return [n for n in self.old if self.is_free_old(n.index)]

    def free_new(self) -> list[Node]:
        """New nodes without a pair (nor split off another), in document order."""
        return [n for n in self.new if self.is_free_new(n.index)]

    def parent_moved(self, old: int, new: int) -> bool:
        """True when the (matched) parent of old clause `old` is not the parent of `new`.
        Going from the top level into a new chapter (chapters introduced), or out of one
        that was dissolved, is not a move: the chapters' own changes say it."""
        old_parent, new_parent = self.old[old].parent, self.new[new].parent
        if old_parent is None and new_parent is not None:
            return new_parent in self.back
        if new_parent is None and old_parent is not None:
            return old_parent in self.pairs
        if old_parent is None or new_parent is None:
            return False
        return self.pairs.get(old_parent) != new_parent


def flatten(clauses: Sequence[Clause]) -> list[Node]:
    """Every clause in document order, with the index of its parent."""
    out: list[Node] = []

    def visit(clause: Clause, parent: int | None, parent_heading: str) -> None:
        has_children = bool(clause.children)
        container = has_children and clause.kind in _CONTAINER_KINDS
        own, content = _own(clause)
        if container:
            whole, key = "", ""
        elif has_children:
            whole = "\n".join(full_text(c) for c in clause.walk())
            key = canonical(whole)
        else:  # a leaf: its whole text is its own
            whole, key = own, content
        out.append(
            Node(
                index=len(out),
                clause=clause,
                parent=parent,
                content=content,
                heading=canonical(clause.heading),
                has_children=has_children,
                parent_heading=parent_heading,
                group=group_of(clause),
                whole=key,
                paragraphs=_paragraphs(whole, key),
            )
        )
        index = len(out) - 1
        for child in clause.children:
            visit(child, index, canonical(clause.heading) or clause.label)

    for clause in clauses:
        visit(clause, None, "")
    return out


def _own(clause: Clause) -> tuple[str, str]:
    """`full_text(clause)` and its `canonical` (the heading left out when the text opens
    with it, in canonical form). A heading joined to its text (`heading。text`)
    is folded as its two parts joined where both fold character by character (`folded`; the
    full stop is dropped), not a third time as one: each part is folded anyway, to see whether
    the text repeats the heading, and this is a diff's most frequent key."""
    heading, text = clause.heading or "", clause.text or ""
    if not heading:
        return text, canonical(text)
    head, head_local = folded(heading)
    body, body_local = folded(text)
    if body.startswith(head):
        return text, body
    if not text:
        return heading, head
    own = f"{heading}。{text}"
    return own, head + body if head_local and body_local else canonical(own)


def _paragraphs(text: str, key: str) -> tuple[str, ...]:
    """The canonical paragraphs of `text` long enough to count (`key` is its canonical form)."""
    if "\n" not in text:
        return (key,) if len(key) >= _PARAGRAPH else ()
    keys = (canonical(line) for line in text.split("\n"))
    return tuple(k for k in keys if len(k) >= _PARAGRAPH)


@functools.lru_cache(maxsize=16384)
def bigrams(text: str) -> frozenset[str]:
    """The set of character pairs of `text` (itself when shorter)."""
    if len(text) < 2:
        return frozenset({text} if text else ())
    return frozenset(map("".join, zip(text, text[1:], strict=False)))


LONG_TEXT = 2000  # canonical characters: a longer text is aligned on a sample of its pairs
_SAMPLE_EVERY = 8  # ...those whose first character's code is a multiple of this


@functools.lru_cache(maxsize=4096)
def sampled(text: str) -> frozenset[str]:
    """A fixed eighth of the character pairs of `text`: those whose first character is in the
    Basic Multilingual Plane and has a code that is a multiple of 8. The choice depends on the
    pair alone, so two texts keep the same share of the pairs they share, and their similarity
    on samples estimates the one on all their pairs (a clause of 8,000 characters has as many
    pairs, and every comparison, index and weight of the alignment would go through them all).
    Found by one regular expression (a set of 8,000 characters is one lookup a character), a
    fifteenth of the time of filtering all the pairs."""
    return frozenset(_sampler().findall(text))


@functools.cache
def _sampler() -> re.Pattern[str]:
    """`sampled`'s expression, built on first use (16 ms: most documents have no long text)."""
    codes = range(_SAMPLE_EVERY, 0x10000, _SAMPLE_EVERY)
    chars = "".join(chr(c) for c in codes if not 0xD800 <= c < 0xE000)  # no surrogates
    return re.compile(f"(?=([{re.escape(chars)}].))", re.DOTALL)


def pairs_of(text: str) -> frozenset[str]:
    """The pairs a unit is indexed and weighed on: all of them, or a long text's sample."""
    return sampled(text) if len(text) > LONG_TEXT else bigrams(text)


def dice(mine: frozenset[str], theirs: frozenset[str]) -> float:
    """Dice coefficient of two sets (1.0 for two empty ones)."""
    if not mine and not theirs:
        return 1.0
    return 2 * len(mine & theirs) / (len(mine) + len(theirs))


def kept(paragraph: str, other: frozenset[str]) -> float:
    """The share of the character pairs of `paragraph` found in `other`."""
    grams = bigrams(paragraph)
    return len(grams & other) / len(grams)
