"""Alignment of two clause trees on content, not on labels.

Phases, each working only on what the earlier ones left unmatched:
1. exact canonical text (hash lookup), 2. exact canonical heading, 3. fuzzy similarity of the
canonical text (character-bigram Dice), with candidates drawn from a bigram index so nothing is
compared all-pairs, 4. sections matched by where their children went (a retitled section),
5. fuzzy sections. Labels only break ties. A fuzzy pair that would be a move needs a stronger
score: a weak match is better reported as removed + added than as a bogus move.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from parsers.hanzi import simplified
from parsers.model import Clause

FUZZY_THRESHOLD = 0.5  # Dice similarity for a match in place
MOVE_THRESHOLD = 0.7  # Dice similarity for a match that moves the clause to another parent
_CANDIDATES = 8  # fuzzy candidates scored per clause
_COMMON_BIGRAM = 64  # bigrams on more leftovers than this do not select candidates
_BIG_GROUP = 32  # larger groups of identical texts are paired in order
_ROOT = -1
_KEPT_SIGNS = frozenset("%‰")  # punctuation by category, but they change the meaning


@functools.lru_cache(maxsize=16384)  # one clause text is compared many times per diff
def canonical(text: str | None) -> str:
    """Text for comparison: widths folded, lower case, punctuation and white space dropped,
    Traditional characters in their Simplified form (a Traditional repost is no change)."""
    if not text:
        return ""
    dropped = simplified(text.translate(_DROP))  # full-width punctuation goes here, so usually...
    if unicodedata.is_normalized("NFKC", dropped):  # ...what is left needs no NFKC (fast)
        return dropped.lower()
    return unicodedata.normalize("NFKC", dropped).lower().translate(_DROP)


class _DropTable(dict[int, int | None]):
    """A `str.translate` table deleting punctuation, white space and control characters.

    Filled lazily, one code point at a time, so the category lookup runs once per character.
    """

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        drop = ch not in _KEPT_SIGNS and (ch.isspace() or unicodedata.category(ch)[0] in "PZC")
        value = None if drop else code
        self[code] = value
        return value


_DROP = _DropTable()


def full_text(clause: Clause) -> str:
    """Heading and own text as one string (the heading only once)."""
    heading, text = clause.heading or "", clause.text or ""
    if not heading or canonical(text).startswith(canonical(heading)):
        return text
    if not text:
        return heading
    return f"{heading}。{text}"


def display_text(clause: Clause) -> str:
    """What a reader sees of a clause: heading, text and its responsible-units note."""
    text = full_text(clause)
    if clause.responsible_units:
        text += "（责任单位：" + "、".join(clause.responsible_units) + "）"
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One clause of a flattened tree with its parent and comparison keys."""

    index: int
    clause: Clause
    parent: int | None
    content: str
    heading: str
    has_children: bool
    parent_heading: str


@dataclass(slots=True, kw_only=True)
class Alignment:
    """Old-to-new node pairs (indices into the flattened trees) and fuzzy scores."""

    old: list[Node]
    new: list[Node]
    pairs: dict[int, int] = field(default_factory=dict)
    back: dict[int, int] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)

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
        """Old nodes without a pair, in document order."""
        return [n for n in self.old if n.index not in self.pairs]

    def free_new(self) -> list[Node]:
        """New nodes without a pair, in document order."""
        return [n for n in self.new if n.index not in self.back]

    def parent_moved(self, old: int, new: int) -> bool:
        """True when the (matched) parent of old clause `old` is not the parent of `new`."""
        old_parent, new_parent = self.old[old].parent, self.new[new].parent
        if old_parent is None or new_parent is None:
            return old_parent is not new_parent
        return self.pairs.get(old_parent) != new_parent


def flatten(clauses: Sequence[Clause]) -> list[Node]:
    """Every clause in document order, with the index of its parent."""
    out: list[Node] = []

    def visit(clause: Clause, parent: int | None, parent_heading: str) -> None:
        index = len(out)
        out.append(
            Node(
                index=index,
                clause=clause,
                parent=parent,
                content=canonical(full_text(clause)),
                heading=canonical(clause.heading),
                has_children=bool(clause.children),
                parent_heading=parent_heading,
            )
        )
        for child in clause.children:
            visit(child, index, canonical(clause.heading) or clause.label)

    for clause in clauses:
        visit(clause, None, "")
    return out


def align(old: Sequence[Clause], new: Sequence[Clause]) -> Alignment:
    """Pair the clauses of two trees (see the module docstring for the phases)."""
    result = Alignment(old=flatten(old), new=flatten(new))
    _match_exact(result, lambda n: n.content)
    _match_exact(result, lambda n: n.heading, scored=True)
    _match_fuzzy(result, sections=False)
    _match_by_children(result)
    _match_fuzzy(result, sections=True)
    _drop_weak_moves(result)
    return result


def _match_exact(result: Alignment, key: Callable[[Node], str], *, scored: bool = False) -> None:
    """Pair nodes with equal keys; `scored` keeps the text similarity (moves need it high)."""
    groups: dict[str, list[Node]] = defaultdict(list)
    for node in result.free_new():
        if k := key(node):
            groups[k].append(node)
    old_groups: dict[str, list[Node]] = defaultdict(list)
    for node in result.free_old():
        if (k := key(node)) in groups:
            old_groups[k].append(node)
    for k, olds in old_groups.items():
        for o, n in _pair_group(result, olds, groups[k]):
            score = _dice(_bigrams(o.content), _bigrams(n.content)) if scored else 1.0
            result.link(o.index, n.index, min(score, 1.0) if o.content != n.content else 1.0)


def _pair_group(result: Alignment, olds: list[Node], news: list[Node]) -> list[tuple[Node, Node]]:
    if len(olds) == 1 and len(news) == 1:
        return [(olds[0], news[0])]
    if len(olds) > _BIG_GROUP or len(news) > _BIG_GROUP:
        return list(zip(olds, news, strict=False))
    free, out = list(news), []
    for o in olds:
        if not free:
            break
        best = max(free, key=lambda n: _tie_key(result, o, n))
        free.remove(best)
        out.append((o, best))
    return out


def _dice(mine: set[str], theirs: set[str]) -> float:
    if not mine and not theirs:
        return 1.0
    return 2 * len(mine & theirs) / (len(mine) + len(theirs))


def _tie_key(result: Alignment, o: Node, n: Node) -> tuple[bool, bool, bool, int]:
    mapped_parent = result.pairs.get(o.parent, _ROOT) if o.parent is not None else None
    return (
        mapped_parent == n.parent,
        o.parent_heading == n.parent_heading,
        o.clause.label == n.clause.label,
        -abs(o.index - n.index),
    )


def _bigrams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _match_fuzzy(result: Alignment, *, sections: bool) -> None:
    olds = [n for n in result.free_old() if n.has_children == sections and n.content]
    news = [n for n in result.free_new() if n.has_children == sections and n.content]
    if not olds or not news:
        return
    grams = {n.index: _bigrams(n.content) for n in news}
    index: dict[str, list[int]] = defaultdict(list)
    for n in news:
        for g in grams[n.index]:
            index[g].append(n.index)
    triples: list[tuple[float, float, int, int]] = []
    for o in olds:
        mine = _bigrams(o.content)
        hits: Counter[int] = Counter()
        for g in mine:
            posting = index.get(g, ())
            if len(posting) <= _COMMON_BIGRAM:
                hits.update(posting)
        for cand, _ in hits.most_common(_CANDIDATES):
            theirs = grams[cand]
            score = _dice(mine, theirs)
            if score >= FUZZY_THRESHOLD:
                bonus = 0.05 * sum(_tie_key(result, o, result.new[cand])[:3])
                triples.append((score + bonus, score, o.index, cand))
    triples.sort(key=lambda t: (-t[0], t[2], t[3]))
    for _, score, o_index, n_index in triples:
        if o_index not in result.pairs and n_index not in result.back:
            result.link(o_index, n_index, score)


def _match_by_children(result: Alignment) -> None:
    """Pair unmatched sections whose children mostly went to the same unmatched section."""
    olds = sorted(
        (n for n in result.free_old() if n.has_children),
        key=lambda n: -n.clause.level,
    )
    old_children, new_children = _children(result.old), _children(result.new)
    for o in olds:
        kids = old_children[o.index]
        targets: Counter[int] = Counter()
        for k in kids:
            new_k = result.pairs.get(k)
            parent = result.new[new_k].parent if new_k is not None else None
            if parent is not None and parent not in result.back:
                targets[parent] += 1
        if not targets:
            continue
        target, count = targets.most_common(1)[0]
        if 2 * count > len(kids) and 2 * count > len(new_children[target]):
            result.link(o.index, target)


def _children(nodes: list[Node]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        if n.parent is not None:
            out[n.parent].append(n.index)
    return out


def _drop_weak_moves(result: Alignment) -> None:
    for old, score in list(result.scores.items()):
        if score < MOVE_THRESHOLD and result.parent_moved(old, result.pairs[old]):
            result.unlink(old)
