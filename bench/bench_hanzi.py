"""Benchmark: the Traditional -> Simplified fold on the comparison hot path (`align.canonical`).

Per clause of the seed (41 clauses): OpenCC on every text, the GB 2312 shortcut that skips it
for Simplified text, and the same texts in Traditional (converted). Run:
python bench/bench_hanzi.py [ROUNDS]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import opencc

import parsers
from parsers.hanzi import CONFIG, simplified

SEED = Path(__file__).resolve().parents[1] / "tests/fixtures/texts/seed-article.txt"


def per_clause(convert: Callable[[str], str], texts: list[str], rounds: int) -> float:
    """Best of five: microseconds per text."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                convert(text)
        best = min(best, (time.perf_counter() - start) / rounds / len(texts))
    return best * 1e6


def main() -> None:
    """Print microseconds per clause text for each way."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    texts = [c.text for c in parsers.parse_text(SEED.read_text(encoding="utf-8")).walk()]
    traditional = [opencc.OpenCC("s2tw.json").convert(t) for t in texts]
    converter = opencc.OpenCC(CONFIG)
    print(f"{len(texts)} clause texts, {sum(map(len, texts))} characters")
    print(f"OpenCC on every text      {per_clause(converter.convert, texts, rounds):6.2f} us")
    print(f"simplified(), Simplified  {per_clause(simplified, texts, rounds):6.2f} us")
    print(f"simplified(), Traditional {per_clause(simplified, traditional, rounds):6.2f} us")


if __name__ == "__main__":
    main()
