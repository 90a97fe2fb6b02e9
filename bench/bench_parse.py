"""Benchmark: time to parse the seed article (target < 10 ms). Run: python bench/bench_parse.py [N]."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import parsers

ROOT = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
CASES = {
    "seed text": ("texts/seed-article.txt", "text/plain"),
    "final NFCMS page": (
        "site/2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html",
        "text/html",
    ),
    "final gkmlpt page": (
        "site/2022-12-30/gkmlpt/content/10/10358/post_10358920.html",
        "text/html",
    ),
    "draft DOCX": (
        "site/2022-06-20/attachment/0/98/98865/9886501.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def bench(data: bytes, media_type: str, runs: int) -> list[float]:
    """Milliseconds per parse, `runs` times (after one warm-up)."""
    parsers.parse(data, media_type)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parsers.parse(data, media_type)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    """Print the median and p90 of N runs per case."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for name, (path, media_type) in CASES.items():
        times = sorted(bench((ROOT / path).read_bytes(), media_type, runs))
        p90 = times[int(len(times) * 0.9) - 1]
        print(
            f"{name:20s} median {statistics.median(times):6.2f} ms  p90 {p90:6.2f} ms  (n={runs})"
        )


if __name__ == "__main__":
    main()
