"""Splits and merges: an old clause whose text went to several new clauses, several old clauses
whose text went into one.

The evidence is a kept passage: a sentence or paragraph of at least `_MIN_PASSAGE` canonical
characters of which at least `KEPT` of the character 4-grams occur in the other clause
(bigrams are too common in legal Chinese to show that a passage was kept):

- merge: an old clause left unpaired keeps a passage in a paired new clause N that N's own
  old clause does not hold (by `MARGIN` or more): it went into N;
- split: a new clause left unpaired has a passage kept in a paired old clause O that O's own
  new clause does not hold (by `MARGIN`): it was split off O;
- partial split: a passage of a paired old clause O is kept in a new clause paired with
  another old clause, and held by neither O's new clause nor that other old clause.

Then a member that shares clearly more text with N (merge), or a part that shares clearly more
text with O (split), than the pair the alignment chose becomes the pair, so that `old`/`new` of the change name the main line of descent;
the pair it displaces flows into the paired unit that shares most of its text.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import chain

from parsers.align import Alignment, Node, canonical
from parsers.roles import without_formulas

KEPT = 0.5  # share of a passage's 4-grams found in the clause it went to
MARGIN = 0.4  # ...more than in the clause that already explains it
_MIN_PASSAGE = 15  # canonical characters
_COMMON = 24  # 4-grams on more clauses than this carry no evidence
_DISTINCT = 0.2  # the unit holding a passage must hold it this much more than any other
_LONG_UNIT = 3000  # canonical characters: longer clauses take no part in splits and merges
_PROMOTE = 1.5  # a member must share this much more text than the pair to become the pair
_CANDIDATES = 8  # units a displaced pair is compared with
_SENTENCE = re.compile(r"[。；！？\n]")


@functools.lru_cache(maxsize=16384)
def grams(text: str) -> frozenset[str]:
    """Character 4-grams of canonical text (the text itself when shorter)."""
    if len(text) < 4:
        return frozenset({text} if text else ())
    return frozenset(map("".join, zip(text, text[1:], text[2:], text[3:], strict=False)))


def passages(node: Node) -> tuple[frozenset[str], ...]:
    """The 4-gram sets of a unit's sentences and paragraphs long enough to be evidence."""
    out: list[frozenset[str]] = []
    for clause in node.clause.walk():
        for piece in _SENTENCE.split(f"{clause.heading or ''}。{clause.text}"):
            key = canonical(piece)
            if len(key) >= _MIN_PASSAGE:
                out.append(grams(key))
    return tuple(out)


class FlowFinder:
    """Finds merges and splits in one alignment, with the 4-gram index of each side's units
    built once."""

    def __init__(self, result: Alignment) -> None:
        self.result = result
        self._indexes: dict[str, dict[str, list[int]]] = {}

    def _index(self, side: str) -> dict[str, list[int]]:
        """The 4-gram index of one side's units that are not equal to their pair (a unit kept
        as it was can neither receive nor give a passage its pair does not have)."""
        index = self._indexes.get(side)
        if index is None:
            index = defaultdict(list)
            for node in self.result.old if side == "old" else self.result.new:
                if not node.whole or node.container or not _searched(node):
                    continue
                if not self._kept_as_is(node, side):
                    for g in grams(node.whole):
                        index[g].append(node.index)
            self._indexes[side] = index
        return index

    def candidates(self, node: Node, side: str, count: int) -> list[int]:
        """The `count` units of `side` sharing the most uncommon 4-grams with `node`."""
        index = self._index(side)
        postings = (index.get(g) for g in grams(node.whole))
        hits = Counter(chain.from_iterable(p for p in postings if p and len(p) <= _COMMON))
        ranked = heapq.nsmallest(count, hits.items(), key=lambda h: (-h[1], h[0]))
        return [t for t, _ in ranked]

    def _kept_as_is(self, node: Node, side: str) -> bool:
        result = self.result
        pair = (result.pairs if side == "old" else result.back).get(node.index)
        if pair is None:
            return False
        other = (result.new if side == "old" else result.old)[pair]
        return other.whole == node.whole

    def _holders(
        self, piece: frozenset[str], side: str, accept: Callable[[int], bool]
    ) -> dict[int, float]:
        """The unit of `side` holding most (at least `KEPT`) of a passage, with the share
        held; none when another unit holds it about as well (a formula such as
        构成犯罪的，依法追究刑事责任, found in many articles, shows nothing)."""
        counts: dict[int, int] = {}
        index = self._index(side)
        for g in piece:
            posting = index.get(g)
            if posting and len(posting) <= _COMMON:
                for t in posting:
                    counts[t] = counts.get(t, 0) + 1
        need = KEPT * len(piece)
        holders = {t: c / len(piece) for t, c in counts.items() if c >= need}
        ranked = sorted(holders.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] - ranked[1] < _DISTINCT:
            return {}
        return {t: share for t, share in holders.items() if accept(t) and share == ranked[0]}

    def flows(self, group: str) -> None:
        """Record merges (`merged`) and splits (`split_off`) among one group's units, then
        make the main line of descent the pair."""
        result = self.result
        for node in result.units(True, group):
            if result.is_free_old(node.index) and _searched(node):
                target = self._best(node, "new", self._paired_new(group), self._own_old)
                if target is not None:
                    result.merged[node.index] = target
        for node in result.units(False, group):
            if result.is_free_new(node.index) and _searched(node):
                target = self._best(node, "old", self._paired_old(group), self._own_new)
                if target is not None:
                    result.split_off[node.index] = target
        _promote(result, self.candidates)

    def partial_flows(self, group: str) -> None:
        """Record in `partial` the passages of a paired old unit kept in a new unit that is
        the pair of another old unit, held neither by the old unit's own new unit nor by that
        other old unit (old 第十四条 whose second paragraph opens new 第二十八条, the successor
        of old 第二十二条). Run once the pairs are final."""
        result = self.result
        for o in result.units(True, group):
            if o.index not in result.pairs or not _searched(o):
                continue
            mine = result.pairs[o.index]
            if result.new[mine].whole == o.whole:
                continue  # kept whole: nothing of it went elsewhere
            own = grams(result.new[mine].whole)
            found: set[int] = set()
            for piece in passages(o):
                if len(piece & own) > (1 - MARGIN) * len(piece):
                    continue  # held by its own new clause
                accept = functools.partial(_paired_other, result, mine)
                for t, share in self._holders(piece, "new", accept).items():
                    other = grams(result.old[result.back[t]].whole)
                    held = max(len(piece & own), len(piece & other)) / len(piece)
                    if share - held >= MARGIN:
                        found.add(t)
            if found:
                result.partial[o.index] = sorted(found)

    def _paired_new(self, group: str) -> Callable[[int], bool]:
        """A paired new unit of `group` (a clause gives text only to clauses of its kind)."""
        result = self.result
        return lambda t: t in result.back and result.new[t].group == group

    def _paired_old(self, group: str) -> Callable[[int], bool]:
        """A paired old unit of `group`."""
        result = self.result
        return lambda t: t in result.pairs and result.old[t].group == group

    def _own_old(self, new_index: int) -> Node:
        return self.result.old[self.result.back[new_index]]

    def _own_new(self, old_index: int) -> Node:
        return self.result.new[self.result.pairs[old_index]]

    def _best(
        self, source: Node, side: str, accept: Callable[[int], bool], own: Callable[[int], Node]
    ) -> int | None:
        """The paired unit of `side` keeping a passage of `source` that its own pair does not
        hold (by `MARGIN`), the clearest one; None when there is none."""
        best: tuple[float, int] | None = None
        for piece in passages(source):
            for t, share in self._holders(piece, side, accept).items():
                margin = share - len(piece & grams(own(t).whole)) / len(piece)
                if margin >= MARGIN and (best is None or margin > best[0]):
                    best = (margin, t)
        return best[1] if best else None


def _searched(node: Node) -> bool:
    """A very long clause is not searched for passages: the work stays bounded."""
    return len(node.whole) <= _LONG_UNIT


def _paired_other(result: Alignment, mine: int, target: int) -> bool:
    return (
        target in result.back
        and target != mine
        and result.new[target].group == result.new[mine].group
    )


def _evidence(node: Node) -> frozenset[str]:
    """The 4-grams of a unit's text without the formulas of legal Chinese (which say nothing
    about which clause another descends from)."""
    return grams(without_formulas(node.whole))


def _promote(result: Alignment, candidates: Callable[[Node, str, int], list[int]]) -> None:
    """Make the member giving most of the text the pair of a merge or split; the pair it
    displaces goes where its own text went most (old 第四十四条 of the 会计法, paired with
    new 第四十二条 until old 第四十五条 took that place, is fused with old 第四十三条 into new
    第四十一条)."""
    members: dict[int, list[int]] = defaultdict(list)
    for o_index, n_index in result.merged.items():
        members[n_index].append(o_index)
    for n_index, olds in members.items():
        if n_index not in result.back:  # its pair was moved by a promotion before this one
            for o_index in olds:
                del result.merged[o_index]
            continue
        target = _evidence(result.new[n_index])
        primary = result.back[n_index]
        shared = {o: len(_evidence(result.old[o]) & target) for o in [primary, *olds]}
        best = max(olds, key=lambda o: shared[o])
        if shared[best] > _PROMOTE * shared[primary]:
            score = result.scores[primary]
            result.unlink(primary)
            del result.merged[best]
            result.link(best, n_index, score)
            result.merged[primary] = _home(result, candidates, result.old[primary], "new", n_index)
    parts: dict[int, list[int]] = defaultdict(list)
    for n_index, o_index in result.split_off.items():
        parts[o_index].append(n_index)
    for o_index, news in parts.items():
        if o_index not in result.pairs:  # displaced by a merge just above, into another unit:
            for n_index in news:  # what it gave these is no longer a split of a paired unit
                del result.split_off[n_index]
            continue
        source = _evidence(result.old[o_index])
        primary = result.pairs[o_index]
        shared = {n: len(source & _evidence(result.new[n])) for n in [primary, *news]}
        best = max(news, key=lambda n: shared[n])
        if shared[best] > _PROMOTE * shared[primary]:
            score = result.scores[o_index]
            result.unlink(o_index)
            del result.split_off[best]
            result.link(o_index, best, score)
            result.split_off[primary] = _home(
                result, candidates, result.new[primary], "old", o_index
            )


def _home(
    result: Alignment,
    candidates: Callable[[Node, str, int], list[int]],
    node: Node,
    side: str,
    given: int,
) -> int:
    """The paired unit of `side` that a displaced pair `node` flows into: `given`
    (the unit it was paired with) unless another paired unit of its kind shares `_PROMOTE`
    times more of its text (formulas left out)."""
    units, pairs = (result.new, result.back) if side == "new" else (result.old, result.pairs)
    source = _evidence(node)
    best, most = given, _PROMOTE * len(source & _evidence(units[given]))
    for t in candidates(node, side, _CANDIDATES):
        other = units[t]
        if t == given or t not in pairs or other.group != node.group or other.container:
            continue
        shared = len(source & _evidence(other))
        if shared > most:
            best, most = t, shared
    return best
