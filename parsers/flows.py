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
text with O (split), than the pair the alignment chose becomes the pair, so that `old`/`new` of the change name the main line of descent.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from parsers.align import Alignment, Node, canonical

KEPT = 0.5  # share of a passage's 4-grams found in the clause it went to
MARGIN = 0.4  # ...more than in the clause that already explains it
_MIN_PASSAGE = 15  # canonical characters
_COMMON = 24  # 4-grams on more clauses than this carry no evidence
_PROMOTE = 1.5  # a member must share this much more text than the pair to become the pair
_SENTENCE = re.compile(r"[。；！？\n]")


@functools.lru_cache(maxsize=16384)
def grams(text: str) -> frozenset[str]:
    """Character 4-grams of canonical text (the text itself when shorter)."""
    if len(text) < 4:
        return frozenset({text} if text else ())
    return frozenset(text[i : i + 4] for i in range(len(text) - 3))


def passages(node: Node) -> tuple[frozenset[str], ...]:
    """The 4-gram sets of a unit's sentences and paragraphs long enough to be evidence."""
    out: list[frozenset[str]] = []
    for clause in node.clause.walk():
        for piece in _SENTENCE.split(f"{clause.heading or ''}。{clause.text}"):
            key = canonical(piece)
            if len(key) >= _MIN_PASSAGE:
                out.append(grams(key))
    return tuple(out)


def find_partial_flows(result: Alignment, group: str) -> None:
    """Record in `result.partial` the passages of a paired old unit kept in a new unit that
    is the pair of another old unit (and held neither by the old unit's own new unit nor by
    that other old unit): old 第十四条 whose second paragraph opens new 第二十八条, the
    successor of old 第二十二条. Run once the pairs are final."""
    olds = [n for n in result.old if n.group == group and n.index in result.pairs]
    news = [n for n in result.new if n.group == group and n.index in result.back]
    if not olds or not news:
        return
    index: dict[str, list[int]] = defaultdict(list)
    for n in news:
        for g in grams(n.whole):
            index[g].append(n.index)
    for o in olds:
        own = grams(result.new[result.pairs[o.index]].whole)
        found: set[int] = set()
        for piece in passages(o):
            hits: Counter[int] = Counter()
            for g in piece:
                posting = index.get(g, ())
                if len(posting) <= _COMMON:
                    hits.update(posting)
            for n_index, count in hits.items():
                if n_index == result.pairs[o.index] or count < KEPT * len(piece):
                    continue
                other = grams(result.old[result.back[n_index]].whole)
                held = max(len(piece & own), len(piece & other)) / len(piece)
                if count / len(piece) - held >= MARGIN:
                    found.add(n_index)
        if found:
            result.partial[o.index] = sorted(found)


def find_flows(result: Alignment, group: str) -> None:
    """Record merges (`result.merged`) and splits (`result.split_off`) among one group's
    units, then make the main line of descent the pair."""
    units_old = [n for n in result.old if n.group == group and not n.container and n.whole]
    units_new = [n for n in result.new if n.group == group and not n.container and n.whole]
    free_old = [n for n in units_old if result.is_free_old(n.index)]
    free_new = [n for n in units_new if result.is_free_new(n.index)]
    paired_new = [n for n in units_new if n.index in result.back]
    paired_old = [n for n in units_old if n.index in result.pairs]
    for o_index, n_index in _kept(free_old, paired_new, lambda n: result.old[result.back[n]]):
        result.merged[o_index] = n_index
    for n_index, o_index in _kept(free_new, paired_old, lambda o: result.new[result.pairs[o]]):
        result.split_off[n_index] = o_index
    _promote(result)


def _kept(
    sources: list[Node], targets: list[Node], own: Callable[[int], Node]
) -> list[tuple[int, int]]:
    """For each source (a unit left unpaired), the paired target on the other side that
    keeps one of its passages which the target's own pair (`own(target)`) does not."""
    if not sources or not targets:
        return []
    pieces = {s.index: passages(s) for s in sources}
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for s_index, sets in pieces.items():
        for k, piece in enumerate(sets):
            for g in piece:
                index[g].append((s_index, k))
    hits: Counter[tuple[int, int, int]] = Counter()
    for target in targets:
        for g in grams(target.whole):
            posting = index.get(g, ())
            if len(posting) <= _COMMON:
                hits.update((s, k, target.index) for s, k in posting)
    best: dict[int, tuple[float, int]] = {}
    for (s_index, k, t_index), count in hits.items():
        piece = pieces[s_index][k]
        share = count / len(piece)
        if share < KEPT:
            continue
        margin = share - len(piece & grams(own(t_index).whole)) / len(piece)
        if margin >= MARGIN and margin > best.get(s_index, (0.0, -1))[0]:
            best[s_index] = (margin, t_index)
    return sorted((s, t) for s, (_, t) in best.items())


def _promote(result: Alignment) -> None:
    """Make the member giving most of the text the pair of a merge or split."""
    members: dict[int, list[int]] = defaultdict(list)
    for o_index, n_index in result.merged.items():
        members[n_index].append(o_index)
    for n_index, olds in members.items():
        target = grams(result.new[n_index].whole)
        primary = result.back[n_index]
        shared = {o: len(grams(result.old[o].whole) & target) for o in [primary, *olds]}
        best = max(olds, key=lambda o: shared[o])
        if shared[best] > _PROMOTE * shared[primary]:
            score = result.scores[primary]
            result.unlink(primary)
            del result.merged[best]
            result.link(best, n_index, score)
            result.merged[primary] = n_index
    parts: dict[int, list[int]] = defaultdict(list)
    for n_index, o_index in result.split_off.items():
        parts[o_index].append(n_index)
    for o_index, news in parts.items():
        source = grams(result.old[o_index].whole)
        primary = result.pairs[o_index]
        shared = {n: len(source & grams(result.new[n].whole)) for n in [primary, *news]}
        best = max(news, key=lambda n: shared[n])
        if shared[best] > _PROMOTE * shared[primary]:
            score = result.scores[o_index]
            result.unlink(o_index)
            del result.split_off[best]
            result.link(o_index, best, score)
            result.split_off[primary] = o_index
