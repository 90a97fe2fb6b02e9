"""Traditional -> Simplified Chinese for comparison (OpenCC, Taiwan standard `tw2s`, which also
folds the Taiwan variants: 臺 -> 台, 裡 -> 里, 著 -> 着 in 看著).

Only comparison keys use it (`parsers.align.canonical`, fields matched on keywords): stored
text, clause texts and redlines stay as published. Most clauses are Simplified already and
skip OpenCC: text that encodes as GB 2312 (the Simplified character set) and holds none of
the few GB 2312 characters OpenCC still converts (於, 後, 著 ...) is returned as it is, a
C-speed check about 10x cheaper than the conversion (`bench/bench_hanzi.py`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

CONFIG = "tw2s.json"
# The GB 2312 characters that `tw2s` converts on their own (tests/parsers/test_traditional.py
# recomputes the list from OpenCC, so an OpenCC upgrade that changes it fails a test).
CONVERTED_IN_GB2312 = "么乾著菸薹拚捱摺吒後徵夥榘於袷麴醣麽"
_CONVERTED = re.compile(f"[{CONVERTED_IN_GB2312}]")


def simplified(text: str) -> str:
    """`text` in Simplified characters (itself when it has no Traditional ones)."""
    return text if as_is(text) else str(_converter().convert(text))


def as_is(text: str) -> bool:
    """True when `simplified` returns `text` as it is, without OpenCC: every character in
    GB 2312 and none of the ones OpenCC still converts (a check character by character)."""
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return _CONVERTED.search(text) is None


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC(CONFIG)
