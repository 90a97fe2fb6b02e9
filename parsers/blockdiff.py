"""Diffs of placeholder strings (one character per token) in bounded work.

`block(old, new, budget)` is the diff-match-patch diff of two token strings. Texts with several
paragraphs are diffed paragraph by paragraph first (`by_paragraphs`: equal paragraphs kept,
changed ones paired by similarity, a paragraph with no counterpart inserted or deleted whole);
a long text sentence by sentence first (`diff_linesToChars` done with sentences), with only the
changed sentences diffed token by token. One `Budget` caps the diff-match-patch work of a whole
document diff, counted in tokens compared, not in seconds: the same two documents always get the
same diff, on a fast machine or a loaded one (a budget of seconds, spent by wall time, made a
busy machine's diffs of long documents differ from a quiet one's). Past it, a changed region is
shown as replaced whole. The size limits below bound each call; a time limit per call is only a
safety net, far above what any call takes (3.5 ms at most on the 101 LawRefBook version pairs).

Diffs run on Google's C++ diff-match-patch (`fast_diff_match_patch`, the same algorithm about
20 times faster: a check cycle diffs every changed page) and on the Python one where that
package is not installed; both give the same diffs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from diff_match_patch import diff_match_patch

try:
    import fast_diff_match_patch as _fast
except ImportError:  # pragma: no cover - a platform without its wheel
    _fast = None

DELETE, EQUAL, INSERT = -1, 0, 1
T = TypeVar("T")
PLACEHOLDER_BASE = 0xF0000  # placeholders live in a supplementary private-use plane
DOCUMENT_TOKENS = 200_000  # tokens (both sides) diffed token by token in one document diff
# (the 101 LawRefBook version pairs need 66,396 at most: no real document comes near it)
CALL_TIMEOUT = 1.0  # seconds: the safety net of one diff-match-patch call
_LONG = 1500  # tokens (both sides) above which a clause is diffed sentence by sentence first
_REFINE = 400  # tokens of a changed region refined at token level in that cheap path
_SENTENCE_END = frozenset("。；！？\n")
_PARAGRAPH_SIMILAR = 0.3  # token-bigram Dice for two paragraphs to be diffed as a pair
_PARAGRAPH_PAIRS = 400  # larger runs of changed paragraphs are paired in order


@dataclass(slots=True)
class Budget:
    """Tokens left to diff token by token in one document diff (both sides of each call)."""

    tokens: int = DOCUMENT_TOKENS

    def spend(self, old: str, new: str) -> bool:
        """Take a token diff of `old` and `new` from the budget; False when it is spent."""
        cost = len(old) + len(new)
        if cost > self.tokens:
            return False
        self.tokens -= cost
        return True


@dataclass(frozen=True, slots=True)
class Text:
    """Placeholder characters (one per token) and the tokens (texts) they stand for."""

    chars: str
    tokens: list[str]

    def cut(self, start: int, end: int) -> Text:
        """The tokens `start:end`."""
        return Text(self.chars[start:end], self.tokens[start:end])

    def paragraphs(self) -> list[tuple[int, int, bool]]:
        """Token ranges of the paragraphs, `(start, end, ends_with_newline)`; the newline
        token is not in the range."""
        out: list[tuple[int, int, bool]] = []
        start = 0
        for k, token in enumerate(self.tokens):
            if "\n" in token:
                out.append((start, k, True))
                start = k + 1
        out.append((start, len(self.tokens), False))
        return out


def block(old: Text, new: Text, budget: Budget) -> list[tuple[int, str]]:
    """The token diff of two texts (sentence by sentence first when they are long)."""
    if len(old.chars) + len(new.chars) > _LONG:
        return _by_sentences(old.chars, new.chars, old.tokens, new.tokens, budget)
    return _dmp(old.chars, new.chars, budget)


def by_paragraphs(old: Text, new: Text, budget: Budget) -> list[tuple[int, str]]:
    """Paragraphs first: equal ones are kept, the others paired by similarity (a paragraph
    with no similar counterpart is inserted or deleted whole), and only pairs diffed."""
    old_paras, new_paras = old.paragraphs(), new.paragraphs()
    keys: dict[str, str] = {}
    old_line = "".join(_paragraph_key(old, p, keys) for p in old_paras)
    new_line = "".join(_paragraph_key(new, p, keys) for p in new_paras)
    units = diff(old_line, new_line, CALL_TIMEOUT)  # whole paragraphs: always
    out: list[tuple[int, str]] = []
    for olds, news, equal in _runs(units, old_paras, new_paras):
        out.extend(_paragraph_region(old, new, olds, news, budget))
        for p, q in equal:
            out.extend(_paragraph_pair(old, new, p, q, budget))
    return out


def _runs(
    diffs: list[tuple[int, str]], olds: list[T], news: list[T]
) -> Iterator[tuple[list[T], list[T], list[tuple[T, T]]]]:
    """Walk a diff of units (one placeholder each): for each run of equal units, the changed
    units before it on both sides and the equal pairs (the last run has no equal pairs)."""
    i = j = 0
    changed_old: list[T] = []
    changed_new: list[T] = []
    for op, chars in diffs:
        count = len(chars)
        if op == EQUAL:
            equal = list(zip(olds[i : i + count], news[j : j + count], strict=True))
            yield changed_old, changed_new, equal
            changed_old, changed_new = [], []
            i, j = i + count, j + count
        elif op == DELETE:
            changed_old.extend(olds[i : i + count])
            i += count
        else:
            changed_new.extend(news[j : j + count])
            j += count
    yield changed_old, changed_new, []


def _paragraph_key(text: Text, para: tuple[int, int, bool], keys: dict[str, str]) -> str:
    content = text.chars[para[0] : para[1]]
    return keys.setdefault(content, chr(PLACEHOLDER_BASE + len(keys)))


def _paragraph_pair(
    old: Text, new: Text, p: tuple[int, int, bool], q: tuple[int, int, bool], budget: Budget
) -> list[tuple[int, str]]:
    out = block(old.cut(p[0], p[1]), new.cut(q[0], q[1]), budget)
    if p[2] and q[2]:
        out.append((EQUAL, old.chars[p[1]]))
    elif p[2]:
        out.append((DELETE, old.chars[p[1]]))
    elif q[2]:
        out.append((INSERT, new.chars[q[1]]))
    return out


def _whole(text: Text, para: tuple[int, int, bool], op: int) -> list[tuple[int, str]]:
    end = para[1] + 1 if para[2] else para[1]
    return [(op, text.chars[para[0] : end])] if end > para[0] else []


def _paragraph_region(
    old: Text,
    new: Text,
    olds: list[tuple[int, int, bool]],
    news: list[tuple[int, int, bool]],
    budget: Budget,
) -> list[tuple[int, str]]:
    """Changed paragraphs: a monotone pairing by similarity, the rest whole."""
    out: list[tuple[int, str]] = []
    for kind, p, q in _pair_paragraphs(old, new, olds, news):
        if kind == "pair":
            assert p is not None and q is not None
            out.extend(_paragraph_pair(old, new, p, q, budget))
        elif kind == "old":
            assert p is not None
            out.extend(_whole(old, p, DELETE))
        else:
            assert q is not None
            out.extend(_whole(new, q, INSERT))
    return out


Para = tuple[int, int, bool]


def _pair_paragraphs(
    old: Text, new: Text, olds: list[Para], news: list[Para]
) -> list[tuple[str, Para | None, Para | None]]:
    """The order of operations over two runs of paragraphs: `pair`, `old` (deleted) or
    `new` (inserted), pairing by the greatest total similarity in order (a small DP)."""
    if not olds or not news or len(olds) * len(news) > _PARAGRAPH_PAIRS:
        if olds and news and len(olds) == len(news):
            return [("pair", p, q) for p, q in zip(olds, news, strict=True)]
        return [("old", p, None) for p in olds] + [("new", None, q) for q in news]
    grams_old = [_grams(old.chars[p[0] : p[1]]) for p in olds]
    grams_new = [_grams(new.chars[q[0] : q[1]]) for q in news]
    rows, cols = len(olds), len(news)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            score = _similar(grams_old[r], grams_new[c])
            take = best[r + 1][c + 1] + score if score >= _PARAGRAPH_SIMILAR else -1.0
            best[r][c] = max(take, best[r + 1][c], best[r][c + 1])
    out: list[tuple[str, Para | None, Para | None]] = []
    r = c = 0
    while r < rows and c < cols:
        score = _similar(grams_old[r], grams_new[c])
        if score >= _PARAGRAPH_SIMILAR and best[r][c] == best[r + 1][c + 1] + score:
            out.append(("pair", olds[r], news[c]))
            r, c = r + 1, c + 1
        elif best[r][c] == best[r + 1][c]:
            out.append(("old", olds[r], None))
            r += 1
        else:
            out.append(("new", None, news[c]))
            c += 1
    out.extend(("old", p, None) for p in olds[r:])
    out.extend(("new", None, q) for q in news[c:])
    return out


def _grams(chars: str) -> set[str]:
    return {chars[k : k + 2] for k in range(len(chars) - 1)} or {chars}


def _similar(mine: set[str], theirs: set[str]) -> float:
    return 2 * len(mine & theirs) / (len(mine) + len(theirs)) if mine or theirs else 1.0


def _dmp(old_chars: str, new_chars: str, budget: Budget) -> list[tuple[int, str]]:
    if old_chars == new_chars:
        return [(EQUAL, old_chars)] if old_chars else []
    if not budget.spend(old_chars, new_chars):  # the budget is spent: replaced whole
        return [(DELETE, old_chars), (INSERT, new_chars)]
    # Semantic cleanup is safe here: each figure is one placeholder, it cannot be split.
    return diff(old_chars, new_chars, CALL_TIMEOUT, semantic=True)


_OPS = {"=": EQUAL, "-": DELETE, "+": INSERT}


def diff(old: str, new: str, timeout: float, *, semantic: bool = False) -> list[tuple[int, str]]:
    """diff-match-patch's `diff_main(old, new, checklines=False)` within `timeout` seconds,
    with its semantic cleanup when `semantic`."""
    if _fast is not None:
        cleanup = "Semantic" if semantic else "No"
        found = _fast.diff(
            old, new, timelimit=timeout, checklines=False, cleanup=cleanup, counts_only=False
        )
        return [(_OPS[op], text) for op, text in found]
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    diffs: list[tuple[int, str]] = dmp.diff_main(old, new, False)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    return diffs


def _by_sentences(
    old_chars: str, new_chars: str, old_tokens: list[str], new_tokens: list[str], budget: Budget
) -> list[tuple[int, str]]:
    """The cheap path for long clauses: a diff of whole sentences (one placeholder each, as
    `diff_linesToChars` does with lines), then token diffs of the changed regions only."""
    old_parts, new_parts = _sentences(old_chars, old_tokens), _sentences(new_chars, new_tokens)
    index: dict[str, str] = {}
    old_line = "".join(index.setdefault(p, chr(PLACEHOLDER_BASE + len(index))) for p in old_parts)
    new_line = "".join(index.setdefault(p, chr(PLACEHOLDER_BASE + len(index))) for p in new_parts)
    units = diff(old_line, new_line, CALL_TIMEOUT)  # whole sentences: always
    out: list[tuple[int, str]] = []
    for olds, news, equal in _runs(units, old_parts, new_parts):
        out.extend(_region(olds, news, budget))
        if equal:
            out.append((EQUAL, "".join(p for p, _ in equal)))
    return out


def _region(olds: list[str], news: list[str], budget: Budget) -> list[tuple[int, str]]:
    old, new = "".join(olds), "".join(news)
    if len(old) + len(new) <= _REFINE:
        return _dmp(old, new, budget)
    return [(op, text) for op, text in ((DELETE, old), (INSERT, new)) if text]


def _sentences(chars: str, tokens: list[str]) -> list[str]:
    """The placeholder string cut after each sentence-ending token."""
    ends = {chars[k] for k, token in _sentence_ends(tokens)}
    if not ends:
        return [chars] if chars else []
    marks = "".join(re.escape(c) for c in sorted(ends))
    return re.findall(f"[^{marks}]*[{marks}]|[^{marks}]+", chars)


def _sentence_ends(tokens: list[str]) -> list[tuple[int, str]]:
    """One (position, token) per distinct sentence-ending token."""
    seen: dict[str, int] = {}
    for end in _SENTENCE_END:
        if end in seen:
            continue
        try:
            seen[end] = tokens.index(end)
        except ValueError:
            continue
    return [(k, t) for t, k in seen.items()]
