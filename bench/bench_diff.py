"""Timings of the clause differ: synthetic documents of 500-4,000 clauses, draft -> final A,
the real law pairs of tests/fixtures/real-pairs (the longest first), and 40 modified clauses of
8,000 characters each (long clauses are diffed sentence by sentence, within a budget of tokens).

Run by hand: `.venv/bin/python bench/bench_diff.py [--long-only]`. Prints milliseconds of this
process's CPU time (best and median of a few runs; other processes on the machine make wall
times noisy), each run with the parsers' caches emptied first: texts compared once are compared
faster, and a check cycle's documents are new ones.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from parsers.diff import diff_clauses, diff_documents
from parsers.model import Clause
from parsers.summary import chinese_numeral

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "texts"
PAIRS = FIXTURES.parent / "real-pairs"
# Common characters of policy text, so that unrelated clauses share many bigrams (realistic).
VOCAB = "专精特新企业发展支持资金奖励服务平台市区政府创新技术项目管理产业园区融资担保人才培育质量品牌市场"


def _text(rng: random.Random) -> str:
    words = [rng.choice(VOCAB) for _ in range(rng.randint(40, 120))]
    return "".join(words) + f"，最高给予{rng.randint(1, 99)}万元"


def _tree(texts: list[list[str]]) -> tuple[Clause, ...]:
    n, sections = 1, []
    for i, group in enumerate(texts, 1):
        kids = []
        for text in group:
            label = chinese_numeral(n)
            kids.append(
                Clause(
                    kind="measure",
                    label=label,
                    number=n,
                    level=2,
                    path=(chinese_numeral(i), label),
                    heading=text[:6],
                    text=text,
                )
            )
            n += 1
        sections.append(
            Clause(
                kind="section",
                label=chinese_numeral(i),
                number=i,
                level=1,
                path=(chinese_numeral(i),),
                heading=f"第{i}部分",
                text="",
                children=tuple(kids),
            )
        )
    return tuple(sections)


def synthetic(clauses: int, seed: int = 4) -> tuple[tuple[Clause, ...], tuple[Clause, ...]]:
    """A document of about `clauses` measures and a copy with 5% edited/moved/added/deleted."""
    rng = random.Random(seed)
    groups = [[_text(rng) for _ in range(20)] for _ in range(max(1, clauses // 20))]
    edited = [list(g) for g in groups]
    for _ in range(clauses // 20 // 4 * 4 or 1):  # 5% of clauses, four kinds of edit
        g = rng.choice(edited)
        k = rng.randrange(len(g))
        action = rng.randrange(4)
        if action == 0:
            g[k] = g[k][:10] + "调整" + g[k][12:]
        elif action == 1:
            rng.choice(edited).append(g.pop(k))
        elif action == 2:
            g.insert(k, _text(rng))
        elif len(g) > 1:
            g.pop(k)
    return _tree(groups), _tree(edited)


def best_ms(func: Callable[[], object], runs: int = 3) -> float:
    """Best CPU time of `runs` calls, in milliseconds."""
    return timings_ms(func, runs)[0]


def timings_ms(func: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    """(best, median) CPU time of `runs` calls, in milliseconds, each from cold caches."""
    times = []
    for _ in range(runs):
        _empty_caches()
        start = time.process_time()
        func()
        times.append((time.process_time() - start) * 1000)
    return min(times), statistics.median(times)


def _empty_caches() -> None:
    """Empty the parsers' bounded caches of texts (`functools.lru_cache`), not those built
    once a process (compiled expressions, tables)."""
    for name, module in list(sys.modules.items()):
        if name != "parsers" and not name.startswith("parsers."):
            continue
        for value in vars(module).values():
            info = getattr(value, "cache_info", None)
            if info is not None and info().maxsize is not None:
                value.cache_clear()


def long_clauses(
    count: int = 40, size: int = 8000, seed: int = 7, rewritten: float = 0.05
) -> tuple[Clause, Clause]:
    """Two documents of `count` articles of about `size` characters each, every article
    edited: a `rewritten` share of its sentences changed, one inserted, one deleted, and (when
    more than a few are rewritten) its sentences reordered in places."""
    rng = random.Random(seed)
    # Sentences of the characters of a real law, not of `VOCAB`: 8,000 characters drawn from 48
    # hold nearly every pair of them, so every clause looked like every other, none was paired,
    # and the pair measured 40 removed + 40 added, with no redline at all.
    vocab = sorted(set(_real_text()) - set("\n \t。，；：、（）《》“”"))

    def sentence() -> str:
        return "".join(rng.choice(vocab) for _ in range(rng.randint(15, 40))) + "。"

    old, new = [], []
    for k in range(1, count + 1):
        sentences: list[str] = []
        while sum(map(len, sentences)) < size:
            sentences.append(sentence())
        edited = list(sentences)
        for i in rng.sample(range(len(edited)), int(len(edited) * rewritten)):
            edited[i] = edited[i][:5] + "调整" + edited[i][7:] if rewritten < 0.2 else sentence()
        if rewritten >= 0.2:
            for i in rng.sample(range(len(edited) - 1), len(edited) // 10):
                edited[i], edited[i + 1] = edited[i + 1], edited[i]
        edited.insert(rng.randrange(len(edited)), sentence())
        edited.pop(rng.randrange(len(edited)))
        for text, out in (("".join(sentences), old), ("".join(edited), new)):
            label = chinese_numeral(k)
            out.append(
                Clause(
                    kind="article",
                    label=label,
                    number=k,
                    level=1,
                    path=(label,),
                    heading=None,
                    text=text,
                )
            )
    return tuple(old), tuple(new)  # type: ignore[return-value]


def _real_text() -> str:
    """The new text of the longest real pair (its characters make the long clauses)."""
    path = max(PAIRS.rglob("*-new.txt"), key=lambda p: p.stat().st_size)
    return path.read_text(encoding="utf-8")


def real_pairs() -> list[tuple[str, object, object]]:
    """The real law pairs, parsed, the longest (by characters) first."""
    from parsers import parse_path

    pairs = []
    for old_path in sorted(PAIRS.rglob("*-old.txt")):
        name = old_path.name.removesuffix("-old.txt")
        old = parse_path(old_path)
        new = parse_path(old_path.with_name(f"{name}-new.txt"))
        size = old_path.stat().st_size + old_path.with_name(f"{name}-new.txt").stat().st_size
        pairs.append((size, name, old, new))
    pairs.sort(key=lambda p: -p[0])
    return [(name, old, new) for _, name, old, new in pairs]


def main() -> None:
    """Print the timings."""
    for share in (0.05, 0.5):
        old_long, new_long = long_clauses(rewritten=share)
        best, median = timings_ms(lambda o=old_long, n=new_long: diff_clauses(o, n), runs=3)
        kinds = Counter(
            "+".join(k.value for k in c.kinds) for c in diff_clauses(old_long, new_long)
        )
        print(
            f"40 x 8,000-character clauses, {share:.0%} of sentences rewritten: "
            f"best {best:8.1f} ms, median {median:8.1f} ms  ({dict(kinds)})"
        )
    if "--long-only" in sys.argv:
        return
    for size in (500, 1000, 2000, 4000):
        old, new = synthetic(size)
        count = sum(len(s.children) for s in old)
        changes = len(diff_clauses(old, new))
        ms = best_ms(lambda o=old, n=new: diff_clauses(o, n))
        print(f"synthetic {count:5d} clauses: {ms:8.1f} ms  ({changes} changes)")
    from parsers import parse_path

    draft = parse_path(FIXTURES / "seed-article.txt")
    final = parse_path(FIXTURES / "zjtx-final-a.txt")
    ms = best_ms(lambda: diff_documents(draft, final), runs=10)
    print(f"draft -> final A: {ms:8.1f} ms  ({len(diff_documents(draft, final).changes)} changes)")
    for name, old_doc, new_doc in real_pairs():
        best, median = timings_ms(lambda o=old_doc, n=new_doc: diff_documents(o, n), runs=7)
        changes = len(diff_documents(old_doc, new_doc).changes)  # type: ignore[arg-type]
        print(f"{name:44s} best {best:7.1f} ms, median {median:7.1f} ms  ({changes} changes)")


if __name__ == "__main__":
    main()
