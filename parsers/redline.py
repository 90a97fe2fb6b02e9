"""Character redlines for Chinese clause text, with numbers and their units kept whole.

diff-match-patch at character level would turn `30万元 → 50万元` into `3 → 5`. So, like the
`diff_linesToChars` trick (changedetection's word mode), every token becomes one placeholder
character: a CJK character is its own token, a figure with its multiplier and unit (`30万元`,
`50%`, `2亿元`) is a single token. Tokens are keyed by their width-folded form, so `，` and `,`
are the same token. After the diff, edits that only touch punctuation or white space are kept
as unchanged text: they are formatting, not change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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


def _encode(tokens: list[Token], index: dict[str, str]) -> str:
    chars: list[str] = []
    for token in tokens:
        char = index.get(token.key)
        if char is None:
            char = chr(_PLACEHOLDER_BASE + len(index))
            index[token.key] = char
        chars.append(char)
    return "".join(chars)


def redline(old: str, new: str) -> tuple[tuple[int, str], ...]:
    """diff-match-patch ops `(op, text)` from old to new: -1 delete, 0 keep, 1 insert."""
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    index: dict[str, str] = {}
    old_chars, new_chars = _encode(old_tokens, index), _encode(new_tokens, index)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.5
    diffs = dmp.diff_main(old_chars, new_chars, False)
    # Semantic cleanup is safe here: each figure is one placeholder, it cannot be split.
    dmp.diff_cleanupSemantic(diffs)
    ops = _decode(diffs, old_tokens, new_tokens)
    return _merge(_quiet_formatting(ops))


def _decode(
    diffs: list[tuple[int, str]], old_tokens: list[Token], new_tokens: list[Token]
) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    i = j = 0
    for op, chars in diffs:
        n = len(chars)
        if op == DELETE:
            out.append((op, "".join(t.text for t in old_tokens[i : i + n])))
            i += n
        elif op == INSERT:
            out.append((op, "".join(t.text for t in new_tokens[j : j + n])))
            j += n
        else:  # equal: show the new rendition (its punctuation width)
            out.append((op, "".join(t.text for t in new_tokens[j : j + n])))
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
    return [t.text.strip() for t in tokenize(text) if is_figure(t.text)]


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
