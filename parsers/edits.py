"""The edits of a modified clause, quoted the way amendment decisions quote them.

From the spans of a redline (`parsers.redline.Span`), each edit becomes an `Edit` whose `old`
is a contiguous passage of the old text and `new` a contiguous passage of the new text:

- edges are trimmed of punctuation, and widened to whole numerals and whole references
  (`四` -> `三` is quoted `第十四条` -> `第十三条`);
- a replacement too short or ambiguous to place (one character, or a passage found more than
  once in the old text) is widened over the unchanged text around it, on both sides alike,
  until it is unique (`“帐”` -> `“会计帐簿”`); an insertion is placed `after` the shortest
  unique passage before it; a deletion too short or ambiguous to place says what it follows;
  widening steps over a separator on both sides alike even where the two differ (`，再` ->
  `。基金管理机构…`), and a widened quotation never starts or ends at one;
- a quotation starts and ends where words do, as far as the unchanged text around it allows:
  between two characters that seldom go together in the document (`Cohesion`: how often a
  character pair occurs against how often its rarer character does), not inside a word that
  the document uses throughout (`在“借款之日起”后`, not `在“款之日起”后`);
- the same substitution made several times is one edit with its `count`;
- each edit has a `role`: `wording`, `figure` (one figure for another: 30万元 -> 50万元),
  `date`, `units` (inside the responsible-units note) or `xref` (a reference to an article of
  the document that only follows its renumbering: 本规定第十四条 -> 第十三条 when old
  第十四条 is new 第十三条).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat

from parsers.align import LONG_TEXT, bigrams
from parsers.model import Edit, EditOp
from parsers.numerals import cn_to_int
from parsers.redline import Span, is_figure

_NUMERAL = frozenset("零〇一二两三四五六七八九十百千万亿0123456789.")
_NUMERAL_RE = re.compile("[" + re.escape("".join(sorted(_NUMERAL))) + "]")
_UNITS = frozenset("条款项章节编年月日元%‰万亿人次个家倍天")  # what follows a numeral
_REF = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)条")
# What a reference to another law ends with (《…》第五条, 公司法第二十一条, 民法典第一百条).
_EXTERNAL = re.compile(r"(?:》|法|法典|条例|规定|办法|细则|解释|决定|通则)$")
_OWN = re.compile(r"本[\u4e00-\u9fff]{1,6}$")
_DATE_PART = re.compile(r"^(?=\d)(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?$")
_UNITS_NOTE = "（责任单位："
_MAX_CONTEXT = 12  # characters a quotation is widened by at most
_AFTER = 4  # characters of the passage an insertion is placed after, at least
_PHRASE = 6  # characters an insertion's place may be widened by to start at its phrase
_GAP = 2  # unchanged characters between two edits that still make them one
# Punctuation trimmed from the edges of a quotation (brackets and quotes are kept).
_SEPARATORS = frozenset("，,。.；;：:、！!？? \u3000\n")


_WORD_REACH = 4  # characters a quotation may be widened by to start or end at a word edge
_LOOSE = 0.25  # cohesion below which two characters are taken to be in different words
_TIGHT = 0.6  # ...and above which a replacement's edge is taken to cut a word


class Cohesion:
    """How much two neighbouring characters go together in a document: the number of its
    clauses where the pair occurs, over the number where its rarer character occurs (1: the
    characters are one word there, `申请`; near 0: a chance meeting of two words, `请经`).
    A dictionary-free segmentation from the document itself."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.pairs: Counter[str] = Counter()
        self.chars: Counter[str] = Counter()
        # a long text's pairs are counted when a quotation asks (a few hundred pairs a
        # document; 40 changed clauses of 8,000 characters hold 600,000 distinct pairs)
        self._long: list[tuple[frozenset[str], frozenset[str]]] = []
        self._counts: dict[str, int] = {}
        for text in texts:
            if len(text) > LONG_TEXT:
                self._long.append((frozenset(text), bigrams(text)))
            else:
                self.pairs.update(bigrams(text))
                self.chars.update(set(text))

    def __call__(self, text: str, at: int) -> float:
        """Cohesion across the gap before `text[at]` (0 at an edge or a separator)."""
        if at <= 0 or at >= len(text) or _quiet(text[at - 1]) or _quiet(text[at]):
            return 0.0
        rarer = min(self._count(text[at - 1]), self._count(text[at]))
        return self._count(text[at - 1 : at + 1]) / rarer if rarer else 0.0

    def _count(self, key: str) -> int:
        """The number of the texts holding `key` (a character or a pair of them)."""
        counts = self.chars if len(key) == 1 else self.pairs
        if not self._long:
            return counts[key]
        found = self._counts.get(key)
        if found is None:
            side = 0 if len(key) == 1 else 1
            held = sum(map(operator.contains, (t[side] for t in self._long), repeat(key)))
            found = self._counts[key] = counts[key] + held
        return found


NO_COHESION = Cohesion(())  # no document: every gap is a word edge


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotedEdit:
    """An `Edit` with what it is about (`wording`, `figure`, `date`, `units`, `xref`) and
    where it sits (1-based paragraph of the old or new text)."""

    edit: Edit
    role: str
    paragraph: int = 0  # a whole paragraph inserted, deleted or replaced: its number
    start: bool = False  # an insertion at the start of its paragraph(s)
    whole_text: bool = False  # a replacement of the whole (one-paragraph) text


def quote_edits(
    old: str,
    new: str,
    spans: tuple[Span, ...],
    renumbering: Mapping[int, int],
    cohesion: Cohesion = NO_COHESION,
) -> tuple[QuotedEdit, ...]:
    """The edits from `old` to `new`, in order, identical substitutions counted once
    (`cohesion`: the document's, for quotations that start and end at word edges)."""
    bare: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    for span in _joined(old, new, spans):
        a = _trim(old, span.old_start, span.old_end)
        c = _trim(new, span.new_start, span.new_end)
        if a[0] == a[1] and c[0] == c[1]:
            continue
        a, c = _shared_ends(old, new, a, c)
        if a[0] == a[1] and c[0] == c[1]:
            continue  # the two differed only in punctuation around a passage they share
        a, c = _widen_numerals(old, new, a, c)
        bare.append((_role(old, new, a, c, renumbering), a, c))
    counts: dict[tuple[str, str, str], int] = {}
    for role, a, c in bare:
        key = (role, old[a[0] : a[1]], new[c[0] : c[1]])
        counts[key] = counts.get(key, 0) + 1
    out: list[QuotedEdit] = []
    done: set[tuple[str, str, str]] = set()
    for role, a, c in bare:
        key = (role, old[a[0] : a[1]], new[c[0] : c[1]])
        if counts[key] > 1:
            if key not in done:
                done.add(key)
                out.append(_repeated(old, new, role, a, c, counts[key]))
            continue
        out.append(_quote(old, new, role, a, c, cohesion))
    return tuple(out)


def _joined(old: str, new: str, spans: tuple[Span, ...]) -> list[Span]:
    """Neighbouring edits separated by a few unchanged characters read as one
    (`生态` + `环境` + `保护` deleted: `将“环境保护”修改为“生态环境”`), within a paragraph."""
    out: list[Span] = []
    for span in spans:
        if out:
            last = out[-1]
            gap = old[last.old_end : span.old_start]
            edited = min(_size(last), _size(span))
            lines = old[last.old_start : span.old_end] + new[last.new_start : span.new_end]
            if "\n" not in lines and (len(gap) <= _GAP or len(gap) <= min(edited, 2 * _GAP)):
                out[-1] = Span(
                    old_start=last.old_start,
                    old_end=span.old_end,
                    new_start=last.new_start,
                    new_end=span.new_end,
                )
                continue
        out.append(span)
    return out


def _shared_ends(
    old: str, new: str, a: tuple[int, int], c: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """A replacement without the passage its two sides open or close with, when that is a
    passage (`_AFTER` characters or more), not part of a word: a paragraph-level redline
    replaces a sentence `A。` by the paragraph `A，但…。` where the edit is what follows `A`
    (专利法实施细则 第五十七条: 在“…作出专利权评价报告”后增加“，但申请人…”, not 将“国务院
    专利行政部门应当自收到…”修改为“国务院专利行政部门应当自收到…”)."""
    (a0, a1), (c0, c1) = a, c
    if a0 == a1 or c0 == c1 or (_whole_paragraph(old, a0, a1) and _whole_paragraph(new, c0, c1)):
        return a, c  # an insertion, a deletion, or a paragraph for a paragraph (将第二款修改为)
    head = 0
    while a0 + head < a1 and c0 + head < c1 and old[a0 + head] == new[c0 + head] != "\n":
        head += 1
    if head < _AFTER:
        head = 0
    tail = 0
    while (
        a1 - tail > a0 + head
        and c1 - tail > c0 + head
        and old[a1 - tail - 1] == new[c1 - tail - 1] != "\n"
    ):
        tail += 1
    if tail < _AFTER:
        tail = 0
    if not head and not tail:
        return a, c
    return _trim(old, a0 + head, a1 - tail), _trim(new, c0 + head, c1 - tail)


def _size(span: Span) -> int:
    return max(span.old_end - span.old_start, span.new_end - span.new_start)


def _repeated(
    old: str, new: str, role: str, a: tuple[int, int], c: tuple[int, int], count: int
) -> QuotedEdit:
    """The same substitution made `count` times: quoted bare, once."""
    op = EditOp.REPLACE if a[0] < a[1] and c[0] < c[1] else EditOp.DELETE
    if a[0] == a[1]:
        op = EditOp.INSERT
    edit = Edit(op=op, old=old[a[0] : a[1]], new=new[c[0] : c[1]], after="", count=count)
    return QuotedEdit(edit=edit, role=role)


def _quote(
    old: str, new: str, role: str, a: tuple[int, int], c: tuple[int, int], cohesion: Cohesion
) -> QuotedEdit:
    (a0, a1), (c0, c1) = a, c
    if a0 < a1 and c0 < c1:
        paragraph = _whole_paragraph(old, a0, a1)
        if not (paragraph and _whole_paragraph(new, c0, c1)):
            paragraph = 0
            if role == "wording":
                (a0, a1), (c0, c1) = _unique(old, new, (a0, a1), (c0, c1))
                (a0, a1), (c0, c1) = _word_edges(old, new, (a0, a1), (c0, c1), cohesion)
        after = _before(old, a0, cohesion)
        edit = Edit(op=EditOp.REPLACE, old=old[a0:a1], new=new[c0:c1], after=after)
        whole = bool(paragraph) and "\n" not in old and "\n" not in new
        return QuotedEdit(edit=edit, role=role, paragraph=paragraph, whole_text=whole)
    if c0 < c1:  # an insertion at old position a0
        after = _placing(old, a0, cohesion)
        edit = Edit(op=EditOp.INSERT, old="", new=new[c0:c1], after=after)
        paragraph = _whole_paragraph(new, c0, c1)
        return QuotedEdit(edit=edit, role=role, paragraph=paragraph, start=not after)
    after = "" if _placed(old, a0, a1) else _placing(old, a0, cohesion)
    edit = Edit(op=EditOp.DELETE, old=old[a0:a1], new="", after=after)
    return QuotedEdit(edit=edit, role=role, paragraph=_whole_paragraph(old, a0, a1))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and _quiet(text[start]):
        start += 1
    while end > start and _quiet(text[end - 1]):
        end -= 1
    return start, end


def _quiet(ch: str) -> bool:
    return ch in _SEPARATORS or ch.isspace()


def _widen_numerals(
    old: str, new: str, a: tuple[int, int], c: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Widen both passages over the unchanged numeral characters (and a reference's 第 and
    条) around them, so that a figure or a reference is quoted whole."""
    (a0, a1), (c0, c1) = a, c
    if not (_NUMERAL_RE.search(old, a0, a1) or _NUMERAL_RE.search(new, c0, c1)):
        return (a0, a1), (c0, c1)
    while a0 > 0 and c0 > 0 and old[a0 - 1] == new[c0 - 1] and old[a0 - 1] in _NUMERAL:
        a0, c0 = a0 - 1, c0 - 1
    while a1 < len(old) and c1 < len(new) and old[a1] == new[c1] and old[a1] in _NUMERAL:
        a1, c1 = a1 + 1, c1 + 1
    if a0 > 0 and c0 > 0 and old[a0 - 1] == new[c0 - 1] == "第":
        a0, c0 = a0 - 1, c0 - 1
    if a1 < len(old) and c1 < len(new) and old[a1] == new[c1] and old[a1] in _UNITS:
        a1, c1 = a1 + 1, c1 + 1
    return (a0, a1), (c0, c1)


def _role(
    old: str,
    new: str,
    a: tuple[int, int],
    c: tuple[int, int],
    renumbering: Mapping[int, int],
) -> str:
    before, after = old[a[0] : a[1]], new[c[0] : c[1]]
    units_old, units_new = old.rfind(_UNITS_NOTE), new.rfind(_UNITS_NOTE)
    if 0 <= units_old <= a[0] and 0 <= units_new <= c[0]:
        return "units"
    if _is_xref(old, a, before, after, renumbering):
        return "xref"
    figures = [t for t in (before, after) if t]
    if figures and all(_DATE_PART.match(t) for t in figures):
        return "date"
    if figures and all(is_figure(t) for t in figures):
        return "figure"
    return "wording"


def _is_xref(
    old: str, a: tuple[int, int], before: str, after: str, renumbering: Mapping[int, int]
) -> bool:
    """A reference to an article of this document that follows its renumbering."""
    olds, news = _REF.findall(before), _REF.findall(after)
    if not olds or len(olds) != len(news) or not renumbering:
        return False
    if _REF.sub("#", before) != _REF.sub("#", after):
        return False
    prefix = old[max(0, a[0] - 12) : a[0]]
    if not _OWN.search(prefix) and _EXTERNAL.search(prefix):
        return False
    for x, y in zip(olds, news, strict=True):
        ox, ny = cn_to_int(x), cn_to_int(y)
        if ox is None or ny is None or renumbering.get(ox) != ny:
            return False
    return True


def _unique(
    old: str, new: str, a: tuple[int, int], c: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Widen a replacement over the unchanged text on both sides alike until the old passage
    is found once in the old text and is long enough to read (a single character is quoted
    with a character on each side: `将“计帐簿”修改为“计账簿”`)."""
    (a0, a1), (c0, c1) = a, c
    shortest = 3 if a1 - a0 == 1 else 2
    prefer_left = True
    for _ in range(_MAX_CONTEXT):
        edges = old[a0] + old[a1 - 1] if a0 < a1 else ""
        if a1 - a0 >= shortest and old.count(old[a0:a1]) == 1 and not any(map(_quiet, edges)):
            break
        left = a0 > 0 and c0 > 0 and _alike(old[a0 - 1], new[c0 - 1])
        right = a1 < len(old) and c1 < len(new) and _alike(old[a1], new[c1])
        if left and right and (_quiet(old[a0 - 1]) or not prefer_left):
            left = False  # rather not open a quotation with a comma; alternate sides
        if left:
            a0, c0 = a0 - 1, c0 - 1
        elif right:
            a1, c1 = a1 + 1, c1 + 1
        else:
            break
        prefer_left = shortest == 2 or not prefer_left
    return (a0, a1), (c0, c1)


def _alike(a: str, b: str) -> bool:
    """Two characters a quotation may be widened over alike: the same (but a line break), or
    two separators (`，再` -> `。基金管理机构…，`: its edges trimmed, `再` alone is no place)."""
    if a == "\n" or b == "\n":
        return False
    return a == b or (a in _SEPARATORS and b in _SEPARATORS)


def _word_edges(
    old: str, new: str, a: tuple[int, int], c: tuple[int, int], cohesion: Cohesion
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Widen a replacement that starts or ends inside a word (cohesion across its edge of
    `_TIGHT` or more) over the unchanged text on both sides alike, by `_WORD_REACH` at most,
    to the loosest gap within reach (`负责拨` -> `负责拨付`). A replacement's own edges are
    where the texts differ, so only a gap inside a word the document always writes so moves."""
    (a0, a1), (c0, c1) = a, c
    reach = 0
    while (
        reach < _WORD_REACH
        and a0 - reach > 0
        and c0 - reach > 0
        and old[a0 - reach - 1] == new[c0 - reach - 1] != "\n"
    ):
        reach += 1
    back = _loosest(old, [a0 - k for k in range(reach + 1)], cohesion)
    reach = 0
    while (
        reach < _WORD_REACH
        and a1 + reach < len(old)
        and c1 + reach < len(new)
        and old[a1 + reach] == new[c1 + reach] != "\n"
    ):
        reach += 1
    ahead = _loosest(old, [a1 + k for k in range(reach + 1)], cohesion)
    return (back, ahead), (c0 - (a0 - back), c1 + (ahead - a1))


def _loosest(text: str, gaps: list[int], cohesion: Cohesion, tight: float | None = None) -> int:
    """The first of `gaps` (the edge as it is, then the ones within reach) unless the text
    holds together across it (`tight`, default `_TIGHT`): then the loosest one within reach."""
    first = gaps[0]
    here = cohesion(text, first)
    if here < (_TIGHT if tight is None else tight):
        return first
    best = min(gaps, key=lambda k: (cohesion(text, k), abs(k - first)))
    return best if cohesion(text, best) < here else first


def _before(old: str, at: int, cohesion: Cohesion) -> str:
    """About `_AFTER` characters of the old text just before `at` (within its paragraph),
    from a word edge when one is near."""
    line = old.rfind("\n", 0, at) + 1
    return old[_word_start(old, line, max(line, at - _AFTER), cohesion) : at]


def _placing(old: str, at: int, cohesion: Cohesion) -> str:
    """The shortest passage of at least `_AFTER` characters ending at `at` that is found once
    in the old text (within its paragraph), from its phrase's start or a word edge; empty at
    the start of a paragraph."""
    line = old.rfind("\n", 0, at) + 1
    for length in range(_AFTER, _AFTER + _MAX_CONTEXT + 1):
        start = max(line, at - length)
        while start > line and old[start - 1] in _NUMERAL and old[start] in _NUMERAL:
            start -= 1  # never from the middle of a figure
        piece = old[start:at]
        if old.count(piece) == 1 or start == line:
            phrase = _phrase_start(old, line, start)
            if phrase == start:
                phrase = _word_start(old, line, start, cohesion)
            return old[_opened(old, line, phrase) : at]
    return old[max(line, at - _AFTER - _MAX_CONTEXT) : at]


_CLOSING = {
    "”": "“",
    "’": "‘",
    "）": "（",
    ")": "(",
    "》": "《",
    "」": "「",
    "』": "『",
    "】": "【",
}


def _opened(old: str, line: int, start: int) -> int:
    """`start` moved back to the mark that opens the quotation or bracket a passage would
    otherwise start inside of (`“一网通办”系统，`, not `”系统，`), when it is in the line."""
    opener = _CLOSING.get(old[start]) if start < len(old) else None
    if opener is None:
        return start
    found = old.rfind(opener, line, start)
    return found if found >= 0 else start


def _word_start(old: str, line: int, start: int, cohesion: Cohesion) -> int:
    """`start` moved back (by `_WORD_REACH` at most, not before `line`) to the loosest gap
    within reach when it is inside a word (`款之日起` -> `自借款之日起`)."""
    gaps = list(range(start, max(line, start - _WORD_REACH) - 1, -1))
    return _loosest(old, gaps, cohesion, _LOOSE)


def _phrase_start(old: str, line: int, start: int) -> int:
    """`start` moved back to the beginning of its phrase (just after a separator) when that is
    near (`在“保护市场公平竞争，”后`, not `在“平竞争，”后`)."""
    for k in range(start, max(line, start - _PHRASE) - 1, -1):
        if k == line or (k > line and old[k - 1] in _SEPARATORS):
            return k
    return start


def _placed(old: str, start: int, end: int) -> bool:
    """A deleted passage that places itself: two characters or more, found once."""
    return end - start >= 2 and old.count(old[start:end]) == 1


def _whole_paragraph(text: str, start: int, end: int) -> int:
    """The 1-based number of the paragraph `text[start:end]` is all of (but for the
    punctuation around it), else 0."""
    while start > 0 and text[start - 1] != "\n" and _quiet(text[start - 1]):
        start -= 1
    while end < len(text) and text[end] != "\n" and _quiet(text[end]):
        end += 1
    starts = start == 0 or text[start - 1] == "\n"
    ends = end == len(text) or text[end] == "\n"
    return text.count("\n", 0, start) + 1 if starts and ends else 0
