"""Property: arbitrary text never crashes the parser; it gives a tree or a ParseError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import parsers
from parsers.errors import ParseError

PIECES = st.sampled_from(
    [
        "一、",
        "（一）",
        "(二)",
        "1.",
        "2、",
        "（1）",
        "①",
        "第一章",
        "第三条",
        "01 ",
        "第",
        "十",
        "【",
        "】",
        "（责任单位：",
        "）",
        "[责任单位:",
        "]",
        "30万元",
        "3亿",
        "50%",
        "\n",
        "\u3000",
        "\u00a0",
        "。",
        "，",
        "征求意见稿",
        "深工信规〔2022〕9号",
        "2022年7月20日前",
        "特此通知。",
        "本办法自2023年1月1日起施行",
        "百",
        "零",
        "〇",
        "两",
    ]
)
TEXTS = st.one_of(st.text(), st.lists(st.one_of(PIECES, st.text(max_size=5))).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_parse_text_returns_a_tree_or_a_parse_error(text: str) -> None:
    try:
        doc = parsers.parse_text(text)
    except ParseError:
        return
    assert doc.clauses
    for clause in doc.walk():
        assert clause.level == len(clause.path) and clause.path[-1] == clause.label


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["text/plain", "text/html", "application/json"]))
def test_parse_bytes_returns_a_tree_or_a_parse_error(data: bytes, media_type: str) -> None:
    try:
        parsers.parse(data, media_type)
    except ParseError:
        pass
