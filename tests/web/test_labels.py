"""Clause labels on review cards: a law's article, chapter and item say what they are."""

from __future__ import annotations

import pytest

from monitor.web.templating import clause_label
from parsers.model import ClauseRef


@pytest.mark.parametrize(
    ("ref", "label"),
    [
        (
            ClauseRef(path=("三",), label="三", number=3, heading="总则", kind="chapter"),
            "第三章总则",
        ),
        (
            ClauseRef(path=("三", "十"), label="十", number=10, heading=None, kind="article"),
            "第十条",
        ),
        (
            ClauseRef(
                path=("三", "九"), label="九", number=9, heading="激发创新活力", kind="measure"
            ),
            "（九）激发创新活力",
        ),
        (
            ClauseRef(path=("三",), label="三", number=3, heading="加大财税支持", kind="section"),
            "三、加大财税支持",
        ),
        # refs stored before clause refs had a kind
        (ClauseRef(path=("三", "九"), label="九", number=9, heading=None), "（九）"),
        (None, "—"),
    ],
)
def test_clause_label(ref: ClauseRef | None, label: str) -> None:
    assert clause_label(ref) == label
