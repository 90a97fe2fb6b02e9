"""What the text shows of the articles the differ leaves over: is there a rule that would pair
them, or report them merged, without inventing pairs and merges elsewhere?

    .venv/bin/python bench/flow_evidence.py PAIRS_DIR [PAIRS_DIR ...] [--laws LAWREFBOOK] [--list]

For every real pair with a gold change list (`NAME.gold.json` beside `NAME-old.txt`,
`NAME-new.txt`), and for every LawRefBook version pair of `--laws` (no gold; as
`bench/sweep_lawref.py` reads them), after the alignment:

- absorbed: each old article left `removed`, with the paired new article holding most of its
  character 4-grams (`contained`: the share held; `beyond`: the share of that new article's
  4-grams found in the removed article and not in the new article's own predecessor, what it
  would add as a merged part). A rule "a removed article contained at least T in a paired article
  was merged into it" is counted at each T: gold merges it would report, gold removals it would
  turn into merges, and (with `--laws`) the merges it would add to the sweep;
- leftovers: each pair of a free old and a free new article that are each other's best by the
  formula-free share `parsers.leftovers` pairs on (IDF-weighted character pairs, the larger of
  both directions), `near` when a neighbour of the old article is paired within 2 articles of the
  new one; counted the same way against the gold.

Run by hand (a minute on the 101 LawRefBook pairs); `--list` prints every row.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parsers import parse_text
from parsers.align import Alignment, Node, bigrams
from parsers.flows import grams
from parsers.model import PolicyDocument
from parsers.pairing import Scorer, align
from parsers.roles import without_formulas

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep_lawref import markdown_to_text, read, version_pairs  # noqa: E402

_THRESHOLDS = (
    0.17,
    0.25,
    0.34,
    0.45,
)  # contained: 0.17 takes in sh-construction old 23, 0.34 old 28
_SHARES = (0.13, 0.2, 0.27)  # leftover share: 0.13 takes in the 科普法 old 17 -> new 16
_MIN_EVIDENCE = 10  # as parsers.leftovers: shorter formula-free texts say nothing


@dataclass(frozen=True, slots=True)
class Absorbed:
    source: str
    old: int | None
    new: int | None  # the paired new article holding most of it
    contained: float
    beyond: float
    gold: str  # "merge" (a gold merge into `new`), "removed", "other", "" without gold


@dataclass(frozen=True, slots=True)
class Leftover:
    source: str
    old: int | None
    new: int | None
    share: float
    near: bool
    gold: str  # "right" (the gold pairs them), "false", "" without gold


def _removed(source: str, result: Alignment, gold: dict[int, str]) -> Iterator[Absorbed]:
    paired = [n for n in result.units(False, "article") if n.index in result.back]
    for o in result.units(True, "article"):
        if o.index in result.pairs or o.index in result.merged:
            continue
        mine = grams(o.whole)
        if not mine or not paired:
            continue
        # ties: the new article it explains most of (the shorter one), then the first
        best = max(
            paired,
            key=lambda n: (
                len(mine & grams(n.whole)),
                len(mine & grams(n.whole)) / max(len(grams(n.whole)), 1),
                -n.index,
            ),
        )
        theirs = grams(best.whole)
        own = grams(result.old[result.back[best.index]].whole)
        number, into = o.clause.number, best.clause.number
        went = gold.get(number, "") if number is not None else ""
        label = "" if not gold else "removed" if went == "removed" else "other"
        if gold and went == f"merge:{into}":
            label = "merge"
        yield Absorbed(
            source,
            number,
            into,
            round(len(mine & theirs) / len(mine), 3),
            round(len((mine & theirs) - own) / len(theirs), 3),
            label,
        )


def _evidence(node: Node) -> frozenset[str]:
    text = without_formulas(node.whole)
    return bigrams(text) if len(text) >= _MIN_EVIDENCE else frozenset()


def _leftovers(source: str, result: Alignment, gold: dict[int, str]) -> Iterator[Leftover]:
    scorer = Scorer(result)
    olds, news = result.free_units(True, "article"), result.free_units(False, "article")
    shares: dict[tuple[int, int], float] = {}
    for o in olds:
        mine = _evidence(o)
        for n in news:
            theirs = _evidence(n)
            if mine and theirs:
                common = scorer.mass(mine & theirs)
                shares[o.index, n.index] = max(
                    common / scorer.mass(mine), common / scorer.mass(theirs)
                )
    best_old: dict[int, float] = {}
    best_new: dict[int, float] = {}
    for (o_index, n_index), share in shares.items():
        best_old[o_index] = max(best_old.get(o_index, 0.0), share)
        best_new[n_index] = max(best_new.get(n_index, 0.0), share)
    articles_old = result.units(True, "article")
    rank_new = {n.index: k for k, n in enumerate(result.units(False, "article"))}
    rank_old = {o.index: k for k, o in enumerate(articles_old)}
    for (o_index, n_index), share in sorted(shares.items()):
        if share < best_old[o_index] or share < best_new[n_index]:
            continue
        near = False
        for k in (rank_old[o_index] - 1, rank_old[o_index] + 1):
            if 0 <= k < len(articles_old) and articles_old[k].index in result.pairs:
                successor = result.pairs[articles_old[k].index]
                if successor in rank_new and abs(rank_new[successor] - rank_new[n_index]) <= 2:
                    near = True
        old, new = result.old[o_index].clause.number, result.new[n_index].clause.number
        label = ""
        if gold:
            went = gold.get(old, "") if old is not None else ""
            label = "right" if went in (f"pair:{new}", f"merge:{new}") else "false"
        yield Leftover(source, old, new, round(share, 3), near, label)


def _gold(path: Path) -> dict[int, str]:
    """Old article number -> "merge:N" (a member of a merge into N), "pair:N" or "removed",
    from a gold change list (an old article it does not mention keeps its number)."""
    out: dict[int, str] = {}
    for change in json.loads(path.read_text(encoding="utf-8"))["changes"]:
        old, new = change.get("old"), change.get("new")
        if not old:
            continue
        if change.get("merge") and new:  # primary or secondary member: went into `new`
            out[old["number"]] = f"merge:{new['number']}"
        else:
            out[old["number"]] = f"pair:{new['number']}" if new else "removed"
    return out


def _documents(
    dirs: list[Path], laws: Path | None
) -> Iterator[tuple[str, PolicyDocument, PolicyDocument, dict[int, str]]]:
    for folder in dirs:
        for path in sorted(folder.glob("*.gold.json")):
            name = path.name.removesuffix(".gold.json")
            old = parse_text((folder / f"{name}-old.txt").read_text(encoding="utf-8"))
            new = parse_text((folder / f"{name}-new.txt").read_text(encoding="utf-8"))
            yield name, old, new, _gold(path)
    if laws is not None:
        for name, older, newer in version_pairs(laws):
            old = parse_text(markdown_to_text(read(laws, older)))
            new = parse_text(markdown_to_text(read(laws, newer)))
            yield f"laws:{name}", old, new, {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", type=Path, nargs="*", help="folders of real pairs with gold")
    parser.add_argument("--laws", type=Path, help="a LawRefBook/Laws checkout or git directory")
    parser.add_argument("--list", action="store_true", help="print every row")
    args = parser.parse_args()
    absorbed: list[Absorbed] = []
    leftovers: list[Leftover] = []
    for source, old, new, gold in _documents(args.pairs, args.laws):
        result = align(old.clauses, new.clauses)
        absorbed.extend(_removed(source, result, gold))
        leftovers.extend(_leftovers(source, result, gold))
    if args.list:
        for row in sorted(absorbed, key=lambda r: -r.contained):
            print("absorbed", row)
        for left in sorted(leftovers, key=lambda r: -r.share):
            print("leftover", left)
    gold_rows = [r for r in absorbed if r.gold]
    sweep = [r for r in absorbed if not r.gold and r.source.startswith("laws:")]
    print(f"removed articles: {len(gold_rows)} in gold pairs, {len(sweep)} in the LawRefBook pairs")
    for t in _THRESHOLDS:
        caught = [r for r in gold_rows if r.contained >= t]
        merges = sum(r.gold == "merge" for r in caught)
        print(
            f"  contained >= {t}: gold merges {merges}/{sum(r.gold == 'merge' for r in gold_rows)}, "
            f"gold removals made merges {sum(r.gold == 'removed' for r in caught)}, "
            f"LawRefBook merges added {sum(r.contained >= t for r in sweep)}"
        )
    scored = [r for r in leftovers if r.gold]
    unscored = [r for r in leftovers if not r.gold and r.source.startswith("laws:")]
    print(f"mutual-best leftover pairs: {len(scored)} in gold pairs, {len(unscored)} LawRefBook")
    for s in _SHARES:
        for near_only in (False, True):
            picked = [r for r in scored if r.share >= s and (r.near or not near_only)]
            added = sum(r.share >= s and (r.near or not near_only) for r in unscored)
            print(
                f"  share >= {s}{' and near' if near_only else ''}: "
                f"gold-right {sum(r.gold == 'right' for r in picked)}, "
                f"false {sum(r.gold == 'false' for r in picked)}, LawRefBook pairs added {added}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
