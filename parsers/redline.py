"""Character redlines for Chinese clause text, with numbers and their units kept whole.

diff-match-patch at character level would turn `30万元 → 50万元` into `3 → 5`. So, like the
`diff_linesToChars` trick (changedetection's word mode), every token becomes one placeholder
character: a CJK character is its own token, a figure with its multiplier and unit (`30万元`,
`50%`, `2亿元`) is a single token. Tokens are keyed by their width-folded form, so `，` and `,`
are the same token. After the diff, edits that only touch punctuation or white space are kept
as unchanged text: they are formatting, not change.

`compare(old, new)` gives the redline ops and the `Span`s of the edits (character offsets into
both texts, formatting-only edits left out) that summaries quote. Work is bounded: a long
clause is diffed sentence by sentence first, and only its changed sentences at token level,
and one `Budget` caps the diff-match-patch work of a whole document diff, in tokens, so the same
documents always get the same redlines (past it, changed sentences are shown as replaced whole). So no pair of documents holds a check cycle.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from parsers.blockdiff import (
    DELETE,
    EQUAL,
    INSERT,
    PLACEHOLDER_BASE,
    Budget,
    Text,
    block,
    by_paragraphs,
)

__all__ = [  # DELETE, EQUAL, INSERT and Budget are re-exported from parsers.blockdiff
    "DELETE",
    "EQUAL",
    "FIGURE_RE",
    "INSERT",
    "Budget",
    "Comparison",
    "Span",
    "Token",
    "changed",
    "compare",
    "figure_replacements",
    "figure_value",
    "is_figure",
    "is_formatting",
    "redline",
    "tokenize",
]


# A figure: digits (any width), decimals or thousands separators, an optional Chinese
# multiplier (万, 亿...) and an optional unit word (元, %, 人, 次...).
_FIGURE = (
    r"\d+(?:[.,，．]\d+)*\s*(?:万亿|千万|百万|万|亿|千|百)?"
    r"(?:元|%|％|‰|人次|人|次|个月|个|家|年|月|日|天|倍|平方米|平米|亩|项|名|小时|岁|台|套|户|件"
    r"|所|批|期|周|条|款|强|米|公里|吨|千瓦|兆瓦)?"
)
_TOKEN_RE = re.compile(rf"{_FIGURE}|[A-Za-zＡ-Ｚａ-ｚ]+|\s+|.", re.DOTALL)
FIGURE_RE = re.compile(_FIGURE)

# Folded forms that count as the same separator (`、` and `,` between responsible units).
_SAME_PUNCT = str.maketrans({"、": ",", "；": ";", "。": ".", "．": "."})


@dataclass(frozen=True, slots=True)
class Span:
    """One edit: `old[old_start:old_end]` became `new[new_start:new_end]`."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """The redline ops of two texts and the spans of their edits."""

    ops: tuple[tuple[int, str], ...]
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """One redline token: its text as written and the key it is compared by."""

    text: str
    key: str


def tokenize(text: str) -> list[Token]:
    """Split text into CJK characters, Latin words, white space runs and whole figures."""
    return [Token(text=t, key=_key(t)) for t in _TOKEN_RE.findall(text)]


@lru_cache(maxsize=65536)
def _key(token: str) -> str:
    folded = unicodedata.normalize("NFKC", token).translate(_SAME_PUNCT)
    return " " if folded.isspace() else folded.lower()


def is_formatting(text: str) -> bool:
    """True when text holds only punctuation and white space."""
    return all(_is_punct_or_space(ch) for ch in text)


def _is_punct_or_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PZ"


def is_figure(text: str) -> bool:
    """True when text is exactly one figure token (`30万元`, `50%`)."""
    return FIGURE_RE.fullmatch(text.strip()) is not None and any(c.isdigit() for c in text)


def _encode(tokens: list[str], index: dict[str, str]) -> str:
    """One placeholder character per token, equal tokens (by `_key`) sharing one."""
    by_token = {}
    for token in set(tokens):
        key = _key(token)
        char = index.get(key)
        if char is None:
            char = index[key] = chr(PLACEHOLDER_BASE + len(index))
        by_token[token] = char
    return "".join(map(by_token.__getitem__, tokens))


def redline(old: str, new: str) -> tuple[tuple[int, str], ...]:
    """diff-match-patch ops `(op, text)` from old to new: -1 delete, 0 keep, 1 insert."""
    return compare(old, new).ops


def compare(old: str, new: str, budget: Budget | None = None) -> Comparison:
    """The redline ops and edit spans from `old` to `new` (see the module docstring)."""
    old_tokens, new_tokens = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    index: dict[str, str] = {}
    olds = Text(_encode(old_tokens, index), old_tokens)
    news = Text(_encode(new_tokens, index), new_tokens)
    budget = budget or Budget()
    if "\n" in old or "\n" in new:
        diffs = by_paragraphs(olds, news, budget)
    else:
        diffs = block(olds, news, budget)
    diffs = _slide(diffs, {char: key for key, char in index.items()})
    ops = _merge(_quiet_formatting(_decode(diffs, old_tokens, new_tokens)))
    return Comparison(ops=ops, spans=_spans(diffs, old_tokens, new_tokens))


# What an edit best starts after, or ends before: a break between two phrases.
_BREAKS = frozenset("，,。.；;：:、！!？? ")  # " ": any white space, line breaks too (`_key`)


def _slide(diffs: list[tuple[int, str]], key_of: dict[str, str]) -> list[tuple[int, str]]:
    """Move each lone insertion or deletion between two unchanged runs, within the room
    its own repeats give it, to where it starts or ends at a break between phrases: `…素质，推
    [+进实现…自强，推+]动…` is the same edit as `…素质，[+推进实现…自强，+]推动…`, and only the
    second reads as what was added. diff-match-patch's semantic lossless cleanup does this by
    the characters it sees, but here it sees one placeholder per token, all alike. It moves
    only to a place that ends at a break and is better than where it was (`在“强制”后增加
    “或者变相强制”` stays, rather than become `在“，”后增加“强制或者变相”`: a start after a
    comma does not make up for an end inside a word)."""
    out = list(diffs)
    for k in range(1, len(out) - 1):
        (op_a, left), (op, edit), (op_b, right) = out[k - 1], out[k], out[k + 1]
        if op == EQUAL or op_a != EQUAL or op_b != EQUAL or not left or not right:
            continue
        back = 0  # how far left the edit can go: its end repeats the text before it
        while back < min(len(left), len(edit)) and left[-1 - back] == edit[-1 - back]:
            back += 1
        ahead = 0  # ...and how far right: its start repeats the text after it
        while ahead < min(len(right), len(edit)) and right[ahead] == edit[ahead]:
            ahead += 1
        if not back and not ahead:
            continue
        line, start, size = left + edit + right, len(left), len(edit)
        # (start, end) scores of each place; both unchanged runs keep a token, so the edit
        # never runs into its neighbouring edits
        edges = {
            at: (_edge(line, at, key_of), _edge(line, at + size, key_of))
            for at in range(max(start - back, 1), min(start + ahead, len(line) - size - 1) + 1)
        }
        ending_at_a_break = [at for at, (_, end) in edges.items() if end]
        best = max(ending_at_a_break, key=lambda at: sum(edges[at]), default=start)
        if sum(edges[best]) > sum(edges[start]):
            out[k - 1] = (EQUAL, line[:best])
            out[k] = (op, line[best : best + size])
            out[k + 1] = (EQUAL, line[best + size :])
    return out


def _edge(line: str, at: int, key_of: dict[str, str]) -> int:
    """How good a place `at` (inside `line`) is for an edit to start or end: after a break
    (2), before one (1)."""
    if key_of[line[at - 1]] in _BREAKS:
        return 2
    return 1 if key_of[line[at]] in _BREAKS else 0


def _spans(
    diffs: list[tuple[int, str]], old_tokens: list[str], new_tokens: list[str]
) -> tuple[Span, ...]:
    """Character spans of the runs of deletions and insertions, formatting-only ones left out."""
    old_at, new_at = _offsets(old_tokens), _offsets(new_tokens)
    out: list[Span] = []
    i = j = 0
    start: tuple[int, int] | None = None
    for op, chars in [*diffs, (EQUAL, "")]:
        if op == EQUAL:
            if start is not None:
                span = Span(
                    old_start=old_at[start[0]],
                    old_end=old_at[i],
                    new_start=new_at[start[1]],
                    new_end=new_at[j],
                )
                old_text = "".join(old_tokens[start[0] : i])
                new_text = "".join(new_tokens[start[1] : j])
                if not (is_formatting(old_text) and is_formatting(new_text)):
                    out.append(span)
                start = None
            i, j = i + len(chars), j + len(chars)
            continue
        if start is None:
            start = (i, j)
        if op == DELETE:
            i += len(chars)
        else:
            j += len(chars)
    return tuple(out)


def _offsets(tokens: list[str]) -> list[int]:
    return [0, *itertools.accumulate(map(len, tokens))]


def _decode(
    diffs: list[tuple[int, str]], old_tokens: list[str], new_tokens: list[str]
) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    i = j = 0
    for op, chars in diffs:
        n = len(chars)
        if op == DELETE:
            out.append((op, "".join(old_tokens[i : i + n])))
            i += n
        elif op == INSERT:
            out.append((op, "".join(new_tokens[j : j + n])))
            j += n
        else:  # equal: show the new rendition (its punctuation width)
            out.append((op, "".join(new_tokens[j : j + n])))
            i += n
            j += n
    return out


def _quiet_formatting(ops: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Punctuation-only edits are not changes: drop deletions, keep insertions as text."""
    out: list[tuple[int, str]] = []
    for op, text in ops:
        if op != EQUAL and is_formatting(text):
            if op == INSERT:
                out.append((EQUAL, text))
            continue
        out.append((op, text))
    return out


def _merge(ops: list[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    """Join neighbours with the same op and put a deletion before its insertion."""
    out: list[tuple[int, str]] = []
    for op, text in ops:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return tuple(out)


def changed(ops: tuple[tuple[int, str], ...]) -> bool:
    """True when the redline holds any insertion or deletion."""
    return any(op != EQUAL for op, _ in ops)


def figure_replacements(ops: tuple[tuple[int, str], ...]) -> list[tuple[str | None, str | None]]:
    """Figures replaced, added or dropped by the redline, as written: `[("30万元", "50万元")]`.

    A deletion next to an insertion (either way round: a paragraph-level redline may put the
    new paragraph first) is one replacement. Its figures pair in order when both sides have as
    many; otherwise a figure found on both sides is no change and pairs with itself first (a
    sentence `…2个月内…` that became a longer one with two `2个月` added one, dropped none)."""
    out: list[tuple[str | None, str | None]] = []
    k = 0
    while k < len(ops):
        op, text = ops[k]
        if op != EQUAL and k + 1 < len(ops) and ops[k + 1][0] not in (EQUAL, op):
            deleted, inserted = (text, ops[k + 1][1]) if op == DELETE else (ops[k + 1][1], text)
            olds, news = _figures(deleted), _figures(inserted)
            if len(olds) != len(news):
                olds, news = _unshared(olds, news)
            out.extend(_pair(olds, news))
            k += 2
            continue
        if op == DELETE:
            out.extend((f, None) for f in _figures(text))
        elif op == INSERT:
            out.extend((None, f) for f in _figures(text))
        k += 1
    return _moved_figures_left_out(out)


def _moved_figures_left_out(
    pairs: list[tuple[str | None, str | None]],
) -> list[tuple[str | None, str | None]]:
    """Without a figure dropped in one place and added, as written, in another (a sentence
    moved into a new paragraph: `删去5年；新增5年` says nothing the wording does not), nor a
    figure "replaced" by itself."""
    dropped = Counter(a for a, b in pairs if a is not None and b is None)
    added = Counter(b for a, b in pairs if a is None and b is not None)
    drops_left_out = dropped & added  # as many of each figure's drops as it has adds
    adds_left_out = Counter(drops_left_out)
    out: list[tuple[str | None, str | None]] = []
    for a, b in pairs:
        if a is not None and b is not None:
            if a.strip() != b.strip():
                out.append((a, b))
        elif a is not None and drops_left_out[a] > 0:
            drops_left_out[a] -= 1
        elif b is not None and adds_left_out[b] > 0:
            adds_left_out[b] -= 1
        else:
            out.append((a, b))
    return out


def _unshared(olds: list[str], news: list[str]) -> tuple[list[str], list[str]]:
    """Both lists without the figures they have in common (as many times as both have them)."""
    common = Counter(olds) & Counter(news)

    def rest(figures: list[str]) -> list[str]:
        left, out = Counter(common), []
        for figure in figures:
            if left[figure]:
                left[figure] -= 1
            else:
                out.append(figure)
        return out

    return rest(olds), rest(news)


def _figures(text: str) -> list[str]:
    if not _DIGIT.search(text):  # most edited passages have no figure: no need to tokenise
        return []
    return [t.strip() for t in _TOKEN_RE.findall(text) if t[:1].isdigit() and is_figure(t)]


_DIGIT = re.compile(r"\d")


def _pair(olds: list[str], news: list[str]) -> list[tuple[str | None, str | None]]:
    pairs: list[tuple[str | None, str | None]] = list(zip(olds, news, strict=False))
    pairs.extend((o, None) for o in olds[len(news) :])
    pairs.extend((None, n) for n in news[len(olds) :])
    return pairs


_MULTIPLIERS = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}
_FIGURE_PARTS_RE = re.compile(r"([\d.,，．]+)\s*(万亿|千万|百万|万|亿|千|百)?(.*)", re.DOTALL)


def figure_value(text: str) -> tuple[float, str]:
    """Value and unit of a figure token: `30万元` -> (300000.0, "元"), `3亿` -> (3e8, "")."""
    folded = unicodedata.normalize("NFKC", text.strip())
    match = _FIGURE_PARTS_RE.fullmatch(folded)
    if match is None:
        return 0.0, folded
    digits = match.group(1).replace(",", "").replace("，", "")
    try:
        value = float(digits)
    except ValueError:
        value = 0.0
    value *= _MULTIPLIERS.get(match.group(2) or "", 1.0)
    return value, match.group(3).strip()
