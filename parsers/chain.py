"""The chain of pairs in the order both documents keep with the greatest total weight.

A weighted longest increasing subsequence over `(old index, new index, weight)` pairs: pairs are
taken in old order, and a Fenwick tree of prefix maxima over new indices gives, for each pair,
the best chain ending below its new index. O(P log N) for P pairs.
"""

from __future__ import annotations

from collections.abc import Iterable


def best_chain(pairs: Iterable[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The chain of pairs increasing in both indices with the greatest total weight
    (a weighted longest increasing subsequence, with a Fenwick tree of prefix maxima)."""
    ordered = sorted(pairs, key=lambda p: (p[0], -p[1]))
    if not ordered:
        return []
    size = max(p[1] for p in ordered) + 2
    tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 1)
    best: list[tuple[float, int]] = []  # per pair: (total weight, previous pair)
    for k, (_, n, w) in enumerate(ordered):
        prev_total, prev = _prefix_max(tree, n)  # pairs with a smaller new index
        best.append((prev_total + w, prev))
        # same old index: sorted by decreasing new index, so a pair never chains to a sibling
        _update(tree, n + 1, (prev_total + w, k))
    k = max(range(len(best)), key=lambda i: best[i][0])
    out = []
    while k >= 0:
        out.append(ordered[k])
        k = best[k][1]
    return out[::-1]


def _prefix_max(tree: list[tuple[float, int]], position: int) -> tuple[float, int]:
    """Best (total, pair) among positions 1..position (new indices below `position`)."""
    out = (0.0, -1)
    while position > 0:
        if tree[position][0] > out[0]:
            out = tree[position]
        position -= position & -position
    return out


def _update(tree: list[tuple[float, int]], position: int, value: tuple[float, int]) -> None:
    while position < len(tree):
        if value[0] > tree[position][0]:
            tree[position] = value
        position += position & -position
