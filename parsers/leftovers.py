"""The articles left over after the other phases of `parsers.pairing`, judged on their text
without the formulas of legal Chinese (`roles.without_formulas`: 构成犯罪的，依法追究刑事责任 and
the like say nothing about which article is which).

- pairs: a free old and a free new unit, wherever they are, whose texts keep at least
  `LEFTOVER_THRESHOLD` of one another (IDF-weighted character pairs, the larger of both
  directions), best first: a rewritten article moved to another chapter (科普法 old 第二十九条,
  the awards, now 第十三条), a penalty article rewritten around its offence;
- flows: a free old unit keeping at least `FLOW_KEPT` of its text in a paired new unit whose
  own old unit holds at least `FLOW_MARGIN` less of it was merged into it (国家自然科学基金条例
  old 第二条 in new 第三条); a free new unit kept so in a paired old unit was split off it.
"""

from __future__ import annotations

from typing import Protocol

from parsers.align import Alignment, Node, bigrams
from parsers.roles import without_formulas

LEFTOVER_THRESHOLD = 0.3  # weighted share of one leftover unit's text kept in another
FLOW_KEPT = 0.4  # weighted share of a leftover unit's text kept in a paired unit...
FLOW_MARGIN = 0.25  # ...more than that unit's own pair holds of it
_MIN_EVIDENCE = 10  # canonical characters a formula-free text needs to say anything


class Weights(Protocol):
    """What these phases need of `pairing.Scorer`: the IDF mass of a set of character pairs."""

    def mass(self, grams: frozenset[str]) -> float: ...


def _grams(node: Node) -> frozenset[str]:
    key = without_formulas(node.whole)
    return bigrams(key) if len(key) >= _MIN_EVIDENCE else frozenset()


def match_leftovers(result: Alignment, weights: Weights, pairs: list[tuple[Node, Node]]) -> None:
    """Pair free units whose formula-free texts keep `LEFTOVER_THRESHOLD` of one another."""
    scored = []
    for o, n in pairs:
        mine, theirs = _grams(o), _grams(n)
        if not mine or not theirs:
            continue
        common = weights.mass(mine & theirs)
        share = max(common / weights.mass(mine), common / weights.mass(theirs))
        if share >= LEFTOVER_THRESHOLD:
            scored.append((share, o.index, n.index))
    for share, o_index, n_index in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if result.is_free_old(o_index) and result.is_free_new(n_index):
            result.link(o_index, n_index, share)


def leftover_flows(result: Alignment, weights: Weights, group: str) -> None:
    """Merges of free old units into paired new ones and splits of free new units off paired
    old ones, on formula-free text (see the module docstring)."""
    paired_new = [(result.new[n], result.old[o]) for o, n in result.pairs.items()]
    paired_old = [(result.old[o], result.new[n]) for o, n in result.pairs.items()]
    for node in result.free_old():
        if _unit(node, group):
            target = _receiver(node, paired_new, weights)
            if target is not None:
                result.merged[node.index] = target
    for node in result.free_new():
        if _unit(node, group):
            source = _receiver(node, paired_old, weights)
            if source is not None:
                result.split_off[node.index] = source


def _unit(node: Node, group: str) -> bool:
    return node.group == group and not node.container and bool(node.whole)


def _receiver(node: Node, paired: list[tuple[Node, Node]], weights: Weights) -> int | None:
    """The paired unit keeping `FLOW_KEPT` of `node`'s text, `FLOW_MARGIN` more than its own
    pair holds of it (the clearest one), or None."""
    mine = _grams(node)
    if not mine:
        return None
    total = weights.mass(mine)
    best: tuple[float, int] | None = None
    for other, own in paired:
        if other.group != node.group or other.container:
            continue
        kept = mine & _grams(other)
        share = weights.mass(kept) / total
        if share < FLOW_KEPT:
            continue
        margin = share - weights.mass(kept & _grams(own)) / total
        if margin >= FLOW_MARGIN and (best is None or margin > best[0]):
            best = (margin, other.index)
    return best[1] if best else None
