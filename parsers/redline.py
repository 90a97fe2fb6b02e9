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
and one `Budget` caps the diff-match-patch time of a whole document diff (past it, changed
sentences are shown as replaced whole). So no pair of documents holds a check cycle.
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from diff_match_patch import diff_match_patch

DELETE, EQUAL, INSERT = -1, 0, 1

# A figure: digits (any width), decimals or thousands separators, an optional Chinese
# multiplier (万, 亿...) and an optional unit word (元, %, 人, 次...).
_FIGURE = (
    r"\d+(?:[.,，．]\d+)*\s*(?:万亿|千万|百万|万|亿|千|百)?"
    r"(?:元|%|％|‰|人次|人|次|个|家|年|月|日|天|倍|平方米|平米|亩|项|名|小时|岁|台|套|户|件"
    r"|所|批|期|周|条|款|强|米|公里|吨|千瓦|兆瓦)?"
)
_TOKEN_RE = re.compile(rf"{_FIGURE}|[A-Za-zＡ-Ｚａ-ｚ]+|\s+|.", re.DOTALL)
FIGURE_RE = re.compile(_FIGURE)

# Folded forms that count as the same separator (`、` and `,` between responsible units).
_SAME_PUNCT = str.maketrans({"、": ",", "；": ";", "。": ".", "．": "."})

# Placeholders live in a supplementary private-use plane, away from real text.
_PLACEHOLDER_BASE = 0xF0000
CLAUSE_TIMEOUT = 0.1  # seconds diff-match-patch may spend on one clause (or region)
DOCUMENT_BUDGET = 1.0  # seconds it may spend on all the clauses of one document diff
_LONG = 1500  # tokens (both sides) above which a clause is diffed sentence by sentence first
_REFINE = 1200  # tokens of a changed region refined at token level in that cheap path
_SENTENCE_END = frozenset("。；！？\n")
_PARAGRAPH_SIMILAR = 0.3  # token-bigram Dice for two paragraphs to be diffed as a pair
_PARAGRAPH_PAIRS = 400  # larger runs of changed paragraphs are paired in order


@dataclass(slots=True)
class Budget:
    """Seconds of diff-match-patch work left for one document diff."""

    seconds: float = DOCUMENT_BUDGET
    _deadline: float | None = field(default=None, init=False)

    def timeout(self) -> float:
        """The timeout for the next diff-match-patch call (0 once the budget is spent)."""
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self.seconds
        return max(0.0, min(CLAUSE_TIMEOUT, self._deadline - now))


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
            char = index[key] = chr(_PLACEHOLDER_BASE + len(index))
        by_token[token] = char
    return "".join(map(by_token.__getitem__, tokens))


def redline(old: str, new: str) -> tuple[tuple[int, str], ...]:
    """diff-match-patch ops `(op, text)` from old to new: -1 delete, 0 keep, 1 insert."""
    return compare(old, new).ops


def compare(old: str, new: str, budget: Budget | None = None) -> Comparison:
    """The redline ops and edit spans from `old` to `new` (see the module docstring)."""
    old_tokens, new_tokens = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    index: dict[str, str] = {}
    olds = _Text(_encode(old_tokens, index), old_tokens)
    news = _Text(_encode(new_tokens, index), new_tokens)
    budget = budget or Budget()
    if "\n" in old or "\n" in new:
        diffs = _by_paragraphs(olds, news, budget)
    else:
        diffs = _block(olds, news, budget)
    ops = _merge(_quiet_formatting(_decode(diffs, old_tokens, new_tokens)))
    return Comparison(ops=ops, spans=_spans(diffs, old_tokens, new_tokens))


@dataclass(frozen=True, slots=True)
class _Text:
    """Placeholder characters (one per token) and the tokens (texts) they stand for."""

    chars: str
    tokens: list[str]

    def cut(self, start: int, end: int) -> _Text:
        return _Text(self.chars[start:end], self.tokens[start:end])

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


def _block(old: _Text, new: _Text, budget: Budget) -> list[tuple[int, str]]:
    if len(old.chars) + len(new.chars) > _LONG:
        return _by_sentences(old.chars, new.chars, old.tokens, new.tokens, budget)
    return _dmp(old.chars, new.chars, budget)


def _by_paragraphs(old: _Text, new: _Text, budget: Budget) -> list[tuple[int, str]]:
    """Paragraphs first: equal ones are kept, the others paired by similarity (a paragraph
    with no similar counterpart is inserted or deleted whole), and only pairs diffed."""
    old_paras, new_paras = old.paragraphs(), new.paragraphs()
    keys: dict[str, str] = {}
    old_line = "".join(_paragraph_key(old, p, keys) for p in old_paras)
    new_line = "".join(_paragraph_key(new, p, keys) for p in new_paras)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # paragraphs are few
    out: list[tuple[int, str]] = []
    i = j = 0
    pending_old: list[tuple[int, int, bool]] = []
    pending_new: list[tuple[int, int, bool]] = []
    for op, chars in dmp.diff_main(old_line, new_line, False):
        count = len(chars)
        if op == EQUAL:
            out.extend(_paragraph_region(old, new, pending_old, pending_new, budget))
            pending_old, pending_new = [], []
            for p, q in zip(old_paras[i : i + count], new_paras[j : j + count], strict=True):
                out.extend(_paragraph_pair(old, new, p, q, budget))
            i, j = i + count, j + count
        elif op == DELETE:
            pending_old.extend(old_paras[i : i + count])
            i += count
        else:
            pending_new.extend(new_paras[j : j + count])
            j += count
    out.extend(_paragraph_region(old, new, pending_old, pending_new, budget))
    return out


def _paragraph_key(text: _Text, para: tuple[int, int, bool], keys: dict[str, str]) -> str:
    content = text.chars[para[0] : para[1]]
    return keys.setdefault(content, chr(_PLACEHOLDER_BASE + len(keys)))


def _paragraph_pair(
    old: _Text, new: _Text, p: tuple[int, int, bool], q: tuple[int, int, bool], budget: Budget
) -> list[tuple[int, str]]:
    out = _block(old.cut(p[0], p[1]), new.cut(q[0], q[1]), budget)
    if p[2] and q[2]:
        out.append((EQUAL, old.chars[p[1]]))
    elif p[2]:
        out.append((DELETE, old.chars[p[1]]))
    elif q[2]:
        out.append((INSERT, new.chars[q[1]]))
    return out


def _whole(text: _Text, para: tuple[int, int, bool], op: int) -> list[tuple[int, str]]:
    end = para[1] + 1 if para[2] else para[1]
    return [(op, text.chars[para[0] : end])] if end > para[0] else []


def _paragraph_region(
    old: _Text,
    new: _Text,
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
    old: _Text, new: _Text, olds: list[Para], news: list[Para]
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
    dmp = diff_match_patch()
    timeout = budget.timeout()
    if timeout <= 0:  # the budget is spent: the region is replaced whole
        return [(DELETE, old_chars), (INSERT, new_chars)]
    dmp.Diff_Timeout = timeout
    diffs: list[tuple[int, str]] = dmp.diff_main(old_chars, new_chars, False)
    # Semantic cleanup is safe here: each figure is one placeholder, it cannot be split.
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def _by_sentences(
    old_chars: str, new_chars: str, old_tokens: list[str], new_tokens: list[str], budget: Budget
) -> list[tuple[int, str]]:
    """The cheap path for long clauses: a diff of whole sentences (one placeholder each, as
    `diff_linesToChars` does with lines), then token diffs of the changed regions only."""
    old_parts, new_parts = _sentences(old_chars, old_tokens), _sentences(new_chars, new_tokens)
    index: dict[str, str] = {}
    old_line = "".join(index.setdefault(p, chr(_PLACEHOLDER_BASE + len(index))) for p in old_parts)
    new_line = "".join(index.setdefault(p, chr(_PLACEHOLDER_BASE + len(index))) for p in new_parts)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # sentences are few: no timeout needed
    out: list[tuple[int, str]] = []
    i = j = 0
    region_old: list[str] = []
    region_new: list[str] = []
    for op, chars in dmp.diff_main(old_line, new_line, False):
        n = len(chars)
        if op == EQUAL:
            out.extend(_region(region_old, region_new, budget))
            region_old, region_new = [], []
            out.append((EQUAL, "".join(old_parts[i : i + n])))
            i, j = i + n, j + n
        elif op == DELETE:
            region_old.extend(old_parts[i : i + n])
            i += n
        else:
            region_new.extend(new_parts[j : j + n])
            j += n
    out.extend(_region(region_old, region_new, budget))
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
    """Figures replaced, added or dropped by the redline, as written: `[("30万元", "50万元")]`."""
    out: list[tuple[str | None, str | None]] = []
    k = 0
    while k < len(ops):
        op, text = ops[k]
        if op == DELETE and k + 1 < len(ops) and ops[k + 1][0] == INSERT:
            olds, news = _figures(text), _figures(ops[k + 1][1])
            out.extend(_pair(olds, news))
            k += 2
            continue
        if op == DELETE:
            out.extend((f, None) for f in _figures(text))
        elif op == INSERT:
            out.extend((None, f) for f in _figures(text))
        k += 1
    return out


def _figures(text: str) -> list[str]:
    return [t.strip() for t in _TOKEN_RE.findall(text) if t[:1].isdigit() and is_figure(t)]


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
