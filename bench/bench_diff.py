"""Timings of the clause differ: synthetic documents of 500-4,000 clauses, and draft -> final A.

Run by hand: `.venv/bin/python bench/bench_diff.py`. Prints milliseconds (best of a few runs).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from parsers.diff import diff_clauses, diff_documents
from parsers.model import Clause
from parsers.summary import chinese_numeral

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "texts"
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
    """Best wall time of `runs` calls, in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    """Print the timings."""
    for size in (500, 1000, 2000, 4000):
        old, new = synthetic(size)
        count = sum(len(s.children) for s in old)
        changes = len(diff_clauses(old, new))
        ms = best_ms(lambda o=old, n=new: diff_clauses(o, n))
        print(f"synthetic {count:5d} clauses: {ms:8.1f} ms  ({changes} changes)")
    try:
        from parsers import parse_path
    except ImportError:
        print("draft -> final A: parser not available")
        return
    draft = parse_path(FIXTURES / "seed-article.txt")
    final = parse_path(FIXTURES / "zjtx-final-a.txt")
    ms = best_ms(lambda: diff_documents(draft, final), runs=10)
    print(f"draft -> final A: {ms:8.1f} ms  ({len(diff_documents(draft, final).changes)} changes)")


if __name__ == "__main__":
    main()
