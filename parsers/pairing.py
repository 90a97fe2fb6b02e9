"""Alignment of two clause trees on content, order and kind, not on labels.

A clause pairs only with a clause of a compatible kind (`group_of`: a chapter with a chapter, an
article with an article, a measure or item with a measure or item; never a chapter with an
item). Units (articles, then measures and items, then sections without children) are aligned
one group at a time, each phase working only on what the earlier ones left unmatched:

1. exact canonical text of the whole unit (hash lookup);
2. the backbone: candidate pairs, drawn from a character-bigram index (the rarest pairs of each
   clause select them, so nothing is compared all-pairs), are scored by `Scorer` (the larger of
   the IDF-weighted Dice of the two texts and the share of a paragraph of one kept in the
   other: a successor that keeps a paragraph of its predecessor), and the chain of pairs in the
   order both documents keep with the greatest total weight (`parsers.chain`) is kept (pairs of
   at least FUZZY_THRESHOLD; exact pairs count as anchors);
3. moves: a pair out of that order needs MOVE_THRESHOLD, or FUZZY_THRESHOLD when it is only
   a local reordering (at most `_NEAR` units from the place the backbone gives it);
4. splits and merges with the pairs made so far (`parsers.flows`), so that a clause merged into
   another is not forced onto a stranger;
5. gaps: between two consecutive backbone pairs, what is left on both sides is aligned the same
   way with the lower GAP_THRESHOLD (a rewritten successor still in its old place);
6. roles (`parsers.roles`): a formulaic article left over (施行, 解释, 参照执行, referral to
   other laws) pairs with the one of the same role on the other side;
7. leftovers (`parsers.leftovers`): articles left over on each side pair, wherever they are,
   when one keeps enough of the other's text once the formulas of legal Chinese (构成犯罪的，
   依法追究刑事责任 …) are taken out; one kept so in a paired article is merged or split;
8. splits and merges again, and passages that went into another article's successor.

Containers (parts, chapters, divisions, sections with children) then pair by heading, by where
their children went, and by similar headings. Labels only break ties.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import chain

from parsers.align import (
    LONG_TEXT,
    Alignment,
    Node,
    bigrams,
    dice,
    flatten,
    pairs_of,
    sampled,
)
from parsers.chain import best_chain
from parsers.flows import FlowFinder
from parsers.leftovers import leftover_flows, match_leftovers
from parsers.model import Clause
from parsers.roles import match_roles

FUZZY_THRESHOLD = 0.5  # similarity for a backbone pair (in the order both documents keep)
MOVE_THRESHOLD = 0.6  # similarity for a pair out of that order
GAP_THRESHOLD = 0.25  # similarity for a pair inside a gap of the backbone
PARAGRAPH_WEIGHT = 0.9  # a kept paragraph is strong evidence, a little below equal text
LATER_PARAGRAPH = 0.8  # ...the first one most: later ones are often common formulas
_RARE = 5.0  # weight of a character pair seen nowhere else
_CANDIDATES = 8  # fuzzy candidates scored per clause...
_HITS_SHARE = 0.25  # ...those sharing at least this share of the best one's rare pairs
_COMMON_BIGRAM = 32  # bigrams on more leftovers than this do not select candidates
_SELECTING = 96  # the rarest bigrams of a clause that select its candidates
_BIG_GROUP = 32  # larger groups of identical texts are paired in order
_NEAR = 2  # a pair this few units out of the backbone's order is a local swap
_GAP_PAIRS = 400  # a larger gap is searched through the index, not all pairs
_ROOT = -1
_UNIT_ORDER = ("article", "list", "section")


def align(old: Sequence[Clause], new: Sequence[Clause]) -> Alignment:
    """Pair the clauses of two trees (see the module docstring for the phases)."""
    result = Alignment(old=flatten(old), new=flatten(new))
    scorer = Scorer(result)
    flows = FlowFinder(result)
    for group in _UNIT_ORDER:
        olds, news = result.free_units(True, group), result.free_units(False, group)
        _match_exact(result, _whole, olds=olds, news=news)
        backbone = _match_backbone(result, scorer, group)
        flows.flows(group)
        _match_gaps(result, scorer, group, backbone)
        if group == "article":
            match_roles(result)
            match_leftovers(result, scorer, _leftover_pairs(result, scorer, group))
            leftover_flows(result, scorer, flows, group)
        flows.flows(group)
        flows.partial_flows(group)
    _match_exact(result, lambda n: n.heading if n.container else "", scored=True)
    _match_by_children(result)
    _match_containers(result)
    return result


def _whole(node: Node) -> str:
    return node.whole


def _match_exact(
    result: Alignment,
    key: Callable[[Node], str],
    *,
    scored: bool = False,
    olds: list[Node] | None = None,
    news: list[Node] | None = None,
) -> None:
    """Pair nodes of one group with equal keys; `scored` keeps the text similarity. `olds`
    and `news`: the free nodes to pair (default: all free nodes)."""
    groups: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for node in result.free_new() if news is None else news:
        if k := key(node):
            groups[node.group, k].append(node)
    old_groups: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for node in result.free_old() if olds is None else olds:
        if (k := key(node)) and (node.group, k) in groups:
            old_groups[node.group, k].append(node)
    for pair_key, olds in old_groups.items():
        for o, n in _pair_group(result, olds, groups[pair_key]):
            score = dice(bigrams(o.content), bigrams(n.content)) if scored else 1.0
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


def _tie_key(result: Alignment, o: Node, n: Node) -> tuple[bool, bool, bool, int]:
    mapped_parent = result.pairs.get(o.parent, _ROOT) if o.parent is not None else None
    return (
        mapped_parent == n.parent,
        o.parent_heading == n.parent_heading,
        o.clause.label == n.clause.label,
        -abs(o.index - n.index),
    )


_Postings = tuple[dict[str, list[int]], dict[str, int], frozenset[str]]


class Scorer:
    """Similarity of two units, weighting each character pair by how rare it is among the
    units of both documents left to align (the name of the law, 国家自然科学基金, on every
    article, carries no evidence; IDF weights, `log((N + 1) / (df + 0.5))`)."""

    def __init__(self, result: Alignment) -> None:
        self.result = result
        self._weights: dict[str, float] | None = None
        self._mass: dict[tuple[str, bool], float] = {}
        self._scores: dict[tuple[int, int], float] = {}
        self._postings: dict[tuple[int, ...], _Postings] = {}

    @property
    def weights(self) -> dict[str, float]:
        """IDF weights over the units left after exact matching (computed on first use: the
        clauses kept as they were are most of a document and say nothing about the rest)."""
        if self._weights is None:
            result = self.result
            units = [n for n in result.free_old() if n.whole and not n.container]
            units += [n for n in result.free_new() if n.whole and not n.container]
            counts = Counter(chain.from_iterable(pairs_of(node.whole) for node in units))
            size = len(units) + 1
            self._weights = {g: math.log(size / (df + 0.5)) for g, df in counts.items()}
        return self._weights

    def mass(self, grams: frozenset[str]) -> float:
        """Total weight of a set of character pairs."""
        weights = self._weights if self._weights is not None else self.weights
        try:
            return sum(map(weights.__getitem__, grams))
        except KeyError:  # a pair of no unit (a heading's, say): rare
            return sum(weights.get(g, _RARE) for g in grams)

    def _mass_of(self, text: str, sample: bool) -> float:
        value = self._mass.get((text, sample))
        if value is None:
            value = self._mass[text, sample] = self.mass(_pairs(text, sample))
        return value

    def score(self, o: Node, n: Node) -> float:
        """Similarity of old unit `o` and new unit `n` in [0, 1]: the larger of the weighted
        Dice of their texts and the (weighted) share of the best-kept long paragraph of one
        found in the other, scaled by `PARAGRAPH_WEIGHT` (and by `LATER_PARAGRAPH` for a
        paragraph after the first: penalty and referral formulas repeat from one article to
        the next, a clause's opening paragraph says what it is about). Scored once a pair:
        the backbone, a gap and the leftovers may each ask again. When either text is longer
        than `LONG_TEXT`, both are compared on the same sample of their pairs (`sampled`)."""
        key = (o.index, n.index)
        found = self._scores.get(key)
        if found is None:
            found = self._scores[key] = self._score(o, n)
        return found

    def _score(self, o: Node, n: Node) -> float:
        sample = len(o.whole) > LONG_TEXT or len(n.whole) > LONG_TEXT
        mine, theirs = _pairs(o.whole, sample), _pairs(n.whole, sample)
        if not mine or not theirs:
            return 0.0
        common = self.mass(mine & theirs)
        masses = (self._mass_of(o.whole, sample), self._mass_of(n.whole, sample))
        score = 2 * common / (masses[0] + masses[1])
        if common <= 0 or score >= PARAGRAPH_WEIGHT:
            return score
        kept = score / PARAGRAPH_WEIGHT  # what a paragraph must beat to matter
        for node, other, mass in ((o, theirs, masses[0]), (n, mine, masses[1])):
            if node.paragraphs == (node.whole,):  # one paragraph: the whole text
                kept = max(kept, common / mass)
                continue
            for k, paragraph in enumerate(node.paragraphs):
                weight = 1.0 if k == 0 else LATER_PARAGRAPH
                # a paragraph's pairs are among its clause's: it keeps at most `common`
                if weight * common <= kept * self._mass_of(paragraph, sample):
                    continue
                kept = max(kept, weight * self._kept(paragraph, other, sample))
        return max(score, PARAGRAPH_WEIGHT * kept)

    def postings(self, news: list[Node]) -> _Postings:
        """The bigram index of `news` (bigram -> the new units holding it; a long unit's
        sample), the size of each posting rare enough to select candidates (on at most
        `_COMMON_BIGRAM` of them), and those bigrams as a set; built once for the same units
        (a gap the backbone left whole is the very units it searched)."""
        key = tuple(n.index for n in news)
        found = self._postings.get(key)
        if found is None:
            index: dict[str, list[int]] = defaultdict(list)
            for n in news:
                for g in pairs_of(n.whole):
                    index[g].append(n.index)
            sizes = {g: len(p) for g, p in index.items() if len(p) <= _COMMON_BIGRAM}
            found = self._postings[key] = (index, sizes, frozenset(sizes))
        return found

    def _kept(self, paragraph: str, other: frozenset[str], sample: bool) -> float:
        total = self._mass_of(paragraph, sample)
        return self.mass(_pairs(paragraph, sample) & other) / total if total else 0.0

    def weight(self, o: Node, n: Node, score: float) -> float:
        """Chain weight: convex in the score (one strong pair beats two weak ones), plus
        small bonuses for the same matched parent, parent heading and label."""
        bonus = 0.05 * sum(_tie_key(self.result, o, n)[:3])
        return score * score + bonus


def _pairs(text: str, sample: bool) -> frozenset[str]:
    """The character pairs of `text`, or their sample (`sampled`)."""
    return sampled(text) if sample else bigrams(text)


def _units(result: Alignment, group: str) -> tuple[list[Node], list[Node]]:
    return result.units(True, group), result.units(False, group)


def _match_backbone(result: Alignment, scorer: Scorer, group: str) -> list[tuple[int, int]]:
    """The backbone chain and the moves of one group's units (phases 2 and 3); returns the
    backbone as sorted `(old, new)` index pairs."""
    olds, news = _units(result, group)
    if not olds or not news:
        return []
    free_news = [n for n in news if result.is_free_new(n.index)]
    candidates = _candidates(result, scorer, olds, free_news)
    anchors = [(o.index, result.pairs[o.index], 2.0) for o in olds if o.index in result.pairs]
    strong = [
        (o, n, scorer.weight(result.old[o], result.new[n], s))
        for o, n, s in candidates
        if s >= FUZZY_THRESHOLD
    ]
    chain = best_chain(anchors + strong)
    for o, n, _ in chain:
        if result.is_free_old(o) and result.is_free_new(n):
            result.link(o, n, _score_of(candidates, o, n))
    backbone = sorted((o, n) for o, n, _ in chain)
    near = _Nearness(backbone, news)
    for o, n, s in sorted(candidates, key=lambda c: (-c[2], c[0], c[1])):
        if not (result.is_free_old(o) and result.is_free_new(n)) or s < FUZZY_THRESHOLD:
            continue
        if s >= MOVE_THRESHOLD or near.close(o, n):
            result.link(o, n, s)
    return backbone


def _match_gaps(
    result: Alignment, scorer: Scorer, group: str, backbone: list[tuple[int, int]]
) -> None:
    """Phase 4: what is left between consecutive backbone pairs, with GAP_THRESHOLD."""
    olds, news = _units(result, group)
    for old_gap, new_gap in _gaps(result, backbone, olds, news):
        _fill_gap(result, scorer, old_gap, new_gap)


class _Nearness:
    """Whether a pair out of the backbone's order moved only a little (by at most `_NEAR`
    units of the new document from where the backbone puts its old clause)."""

    def __init__(self, backbone: list[tuple[int, int]], news: list[Node]) -> None:
        self.backbone = backbone
        self.old_keys = [o for o, _ in backbone]
        self.rank = {n.index: r for r, n in enumerate(news)}

    def close(self, o: int, n: int) -> bool:
        """True when new clause `n` is near the place of old clause `o` in the backbone."""
        k = bisect.bisect_left(self.old_keys, o)
        low = self.backbone[k - 1][1] if k > 0 else None
        high = self.backbone[k][1] if k < len(self.backbone) else None
        rank = self.rank[n]
        if low is not None and n < low:
            return self.rank[low] - rank <= _NEAR
        if high is not None and n > high:
            return rank - self.rank[high] <= _NEAR
        return True  # inside its gap


def _score_of(candidates: list[tuple[int, int, float]], o: int, n: int) -> float:
    return next((s for a, b, s in candidates if a == o and b == n), 1.0)


def _candidates(
    result: Alignment, scorer: Scorer, olds: list[Node], news: list[Node]
) -> list[tuple[int, int, float]]:
    """Scored `(old, new, similarity)` pairs: for each free old node, the new nodes sharing
    the most uncommon bigrams with it."""
    index, sizes, selecting = scorer.postings(news)
    out: list[tuple[int, int, float]] = []
    for o in olds:
        if not result.is_free_old(o.index):
            continue
        # the rarest character pairs select the candidates (prefix filtering); pairs as rare
        # as each other in their order, not in the order a set of them happens to iterate
        # (which PYTHONHASHSEED sets: the cut at `_SELECTING` made the diff vary by process);
        # two sorts in C (by pair, then stably by rarity), not a tuple a pair: a clause of
        # 8,000 characters has as many pairs
        rarest = sorted(sorted(pairs_of(o.whole) & selecting), key=sizes.__getitem__)
        hits = Counter(chain.from_iterable(map(index.__getitem__, rarest[:_SELECTING])))
        # ties broken by position: the same candidates whatever the order of set iteration
        ranked = heapq.nsmallest(_CANDIDATES, hits.items(), key=lambda h: (-h[1], h[0]))
        # a candidate sharing far fewer of the rarest pairs than the best one cannot be its
        # match, nor a better one for the chain than the best (fewer clauses to score)
        floor = ranked[0][1] * _HITS_SHARE if ranked else 0
        for cand, count in ranked:
            if count < floor:
                break
            out.append((o.index, cand, scorer.score(o, result.new[cand])))
    return out


def _gaps(
    result: Alignment, backbone: list[tuple[int, int]], olds: list[Node], news: list[Node]
) -> list[tuple[list[Node], list[Node]]]:
    """Free units between consecutive backbone pairs, on both sides."""
    bounds = [(-1, -1), *backbone, (len(result.old), len(result.new))]
    out = []
    free_old = [n for n in olds if result.is_free_old(n.index)]
    free_new = [n for n in news if result.is_free_new(n.index)]
    old_keys = [n.index for n in free_old]
    new_keys = [n.index for n in free_new]
    for (o1, n1), (o2, n2) in zip(bounds, bounds[1:], strict=False):
        old_gap = free_old[bisect.bisect_right(old_keys, o1) : bisect.bisect_left(old_keys, o2)]
        new_gap = free_new[bisect.bisect_right(new_keys, n1) : bisect.bisect_left(new_keys, n2)]
        if old_gap and new_gap:
            out.append((old_gap, new_gap))
    return out


def _fill_gap(result: Alignment, scorer: Scorer, olds: list[Node], news: list[Node]) -> None:
    if len(olds) * len(news) > _GAP_PAIRS:
        scored = _candidates(result, scorer, olds, news)
    else:
        scored = [(o.index, n.index, scorer.score(o, n)) for o in olds for n in news]
    weighted = [
        (o, n, scorer.weight(result.old[o], result.new[n], s))
        for o, n, s in scored
        if s >= GAP_THRESHOLD
    ]
    for o, n, _ in best_chain(weighted):
        result.link(o, n, _score_of(scored, o, n))


def _leftover_pairs(result: Alignment, scorer: Scorer, group: str) -> list[tuple[Node, Node]]:
    """Candidate pairs of the free units of one group: all of them when few, else those the
    bigram index selects."""
    olds, news = result.free_units(True, group), result.free_units(False, group)
    if len(olds) * len(news) <= _GAP_PAIRS:
        return [(o, n) for o in olds for n in news]
    return [(result.old[o], result.new[n]) for o, n, _ in _candidates(result, scorer, olds, news)]


def _match_by_children(result: Alignment) -> None:
    """Pair unmatched containers whose children mostly went to the same unmatched container."""
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
            free = parent is not None and parent not in result.back
            if free and parent is not None and result.new[parent].group == o.group:
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


def _match_containers(result: Alignment) -> None:
    """Containers left: similar headings, in the order both documents keep."""
    olds = [n for n in result.free_old() if n.container and n.heading]
    news = [n for n in result.free_new() if n.container and n.heading]
    scored = [
        (o.index, n.index, dice(bigrams(o.heading), bigrams(n.heading)))
        for o in olds
        for n in news
        if o.group == n.group
    ]
    if len(scored) > _GAP_PAIRS * 4:
        return
    strong = [(o, n, s * s) for o, n, s in scored if s >= FUZZY_THRESHOLD]
    for o, n, _ in best_chain(strong):
        result.link(o, n, _score_of(scored, o, n))
