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
_CANDIDATES = 8  # paired units compared with each leftover


class Weights(Protocol):
    """What these phases need of `pairing.Scorer`: the IDF mass of a set of character pairs."""

    def mass(self, grams: frozenset[str]) -> float: ...


class _Texts:
    """Formula-free character pairs of units, computed once per unit."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], frozenset[str]] = {}

    def of(self, node: Node, side: str) -> frozenset[str]:
        """The character pairs of `node`'s text without formulas (none when too short)."""
        key = (side, node.index)
        found = self._cache.get(key)
        if found is None:
            text = without_formulas(node.whole)
            found = bigrams(text) if len(text) >= _MIN_EVIDENCE else frozenset()
            self._cache[key] = found
        return found


def match_leftovers(result: Alignment, weights: Weights, pairs: list[tuple[Node, Node]]) -> None:
    """Pair free units whose formula-free texts keep `LEFTOVER_THRESHOLD` of one another."""
    texts, scored = _Texts(), []
    for o, n in pairs:
        mine, theirs = texts.of(o, "old"), texts.of(n, "new")
        if not mine or not theirs:
            continue
        common = weights.mass(mine & theirs)
        share = max(common / weights.mass(mine), common / weights.mass(theirs))
        if share >= LEFTOVER_THRESHOLD:
            scored.append((share, o.index, n.index))
    for share, o_index, n_index in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if result.is_free_old(o_index) and result.is_free_new(n_index):
            result.link(o_index, n_index, share)


class Candidates(Protocol):
    """Units of one side sharing the most uncommon text with a unit (`flows.FlowFinder`)."""

    def candidates(self, node: Node, side: str, count: int) -> list[int]: ...


def leftover_flows(result: Alignment, weights: Weights, finder: Candidates, group: str) -> None:
    """Merges of free old units into paired new ones and splits of free new units off paired
    old ones, on formula-free text (see the module docstring)."""
    texts = _Texts()
    for node in result.free_units(True, group):
        found = _receiver(result, texts, weights, finder, node, "old")
        if found is not None:
            result.merged[node.index] = found
    for node in result.free_units(False, group):
        found = _receiver(result, texts, weights, finder, node, "new")
        if found is not None:
            result.split_off[node.index] = found


def _receiver(
    result: Alignment,
    texts: _Texts,
    weights: Weights,
    finder: Candidates,
    node: Node,
    side: str,
) -> int | None:
    """The paired unit (of the other side) keeping `FLOW_KEPT` of `node`'s text,
    `FLOW_MARGIN` more than its own pair holds of it (the clearest one), or None."""
    mine = texts.of(node, side)
    if not mine:
        return None
    other_side = "new" if side == "old" else "old"
    units, pairs = (result.new, result.back) if side == "old" else (result.old, result.pairs)
    own_units = result.old if side == "old" else result.new
    total = weights.mass(mine)
    best: tuple[float, int] | None = None
    for index in finder.candidates(node, other_side, _CANDIDATES):
        other = units[index]
        if index not in pairs or other.group != node.group or other.container:
            continue
        kept = mine & texts.of(other, other_side)
        share = weights.mass(kept) / total
        if share < FLOW_KEPT:
            continue
        own = texts.of(own_units[pairs[index]], side)
        margin = share - weights.mass(kept & own) / total
        if margin >= FLOW_MARGIN and (best is None or margin > best[0]):
            best = (margin, index)
    return best[1] if best else None
