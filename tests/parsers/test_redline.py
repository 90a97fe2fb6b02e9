"""Character redlines with whole figures and quiet punctuation."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.align import canonical
from parsers.redline import (
    Budget,
    Span,
    compare,
    figure_replacements,
    figure_value,
    redline,
    tokenize,
)


def test_figure_with_unit_is_one_replacement() -> None:
    ops = redline("最高给予30万元奖励", "最高给予50万元奖励")
    assert ops == ((0, "最高给予"), (-1, "30万元"), (1, "50万元"), (0, "奖励"))
    assert figure_replacements(ops) == [("30万元", "50万元")]


def test_figure_gaining_a_unit() -> None:
    ops = redline("对年产值达3亿以上", "对年产值达2亿元以上")
    assert figure_replacements(ops) == [("3亿", "2亿元")]


def test_punctuation_width_and_full_stop_are_not_edits() -> None:
    ops = redline("加强服务,提升水平;推动发展", "加强服务，提升水平；推动发展。")
    assert ops == ((0, "加强服务，提升水平；推动发展。"),)


def test_unit_separators_are_equal() -> None:
    assert redline("市财政局、各区政府", "市财政局,各区政府") == ((0, "市财政局,各区政府"),)


def test_words_change_at_character_level_with_semantic_cleanup() -> None:
    ops = redline("加强人才智力支持", "强化人才支撑")
    assert "".join(t for op, t in ops if op != 1) == "加强人才智力支持"
    assert "".join(t for op, t in ops if op != -1) == "强化人才支撑"


def test_added_and_dropped_figures() -> None:
    ops = redline("给予补贴", "给予最高5万元补贴")
    assert figure_replacements(ops) == [(None, "5万元")]


def test_figures_on_both_sides_of_a_replacement_are_no_change() -> None:
    # the new paragraph first, the sentence it replaces after it (a paragraph-level redline)
    ops = (
        (1, "自收到请求书后2个月内作出，但另有请求的，自公告之日起2个月内作出。\n"),
        (-1, "自收到请求书后2个月内作出。"),
    )
    assert figure_replacements(ops) == [(None, "2个月")]
    # as many figures on each side: they pair in order, shared or not
    ops = ((-1, "最高30万元，其中20万元"), (1, "最高50万元，其中30万元"))
    assert figure_replacements(ops) == [("30万元", "50万元"), ("20万元", "30万元")]


def test_tokens_keep_figures_whole() -> None:
    assert [t.text for t in tokenize("按50%比例")] == ["按", "50%", "比", "例"]
    assert [t.text for t in tokenize("2个月内")] == ["2个月", "内"]  # not `2个` + `月`


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("30万元", 300000.0, "元"),
        ("3亿", 3e8, ""),
        ("50%", 50.0, "%"),
        ("1,000人", 1000.0, "人"),
        ("２次", 2.0, "次"),
    ],
)
def test_figure_value(text: str, value: float, unit: str) -> None:
    assert figure_value(text) == (value, unit)


def _old_and_new(ops: tuple[tuple[int, str], ...]) -> tuple[str, str]:
    return "".join(t for op, t in ops if op != 1), "".join(t for op, t in ops if op != -1)


LONG = "".join(f"第{i}句专精特新企业给予支持{i % 7}万元。" for i in range(400))  # ~6,000 characters


def test_a_long_clause_takes_the_sentence_path_and_stays_exact() -> None:
    edited = LONG.replace("第17句专精", "第17句省级专精").replace("第300句", "第三百句")
    comparison = compare(LONG, edited)
    old, new = _old_and_new(comparison.ops)
    assert (old, new) == (LONG, edited)
    assert [
        (LONG[s.old_start : s.old_end], edited[s.new_start : s.new_end]) for s in comparison.spans
    ] == [
        ("", "省级"),
        ("300", "三百"),
    ]


def test_a_spent_budget_still_gives_a_true_redline() -> None:
    budget = Budget(tokens=0)
    comparison = compare("加强人才智力支持", "强化人才支撑", budget)
    assert _old_and_new(comparison.ops) == ("加强人才智力支持", "强化人才支撑")
    assert comparison.spans == (Span(old_start=0, old_end=8, new_start=0, new_end=6),)


def test_a_slow_or_busy_machine_gets_the_same_redlines(monkeypatch: pytest.MonkeyPatch) -> None:
    """One document's budget counts tokens, not seconds: a clock that runs fast (a loaded
    machine, a process descheduled between two clauses) changes no redline (a budget of wall
    time gave such a machine whole-sentence replacements where a quiet one gave word edits)."""
    pairs = [
        (
            "企业应当按照规定申请专项资金，最高给予30万元奖励。",
            "企业应当按照规定申请专项资金，最高给予50万元奖励。",
        ),
        ("加强人才智力支持，完善服务体系。", "强化人才智力支持，完善服务体系。"),
    ]

    def redlines() -> list[list[tuple[str, str]]]:
        budget = Budget()  # one budget for the clauses of one document, as the differ does
        out = []
        for old, new in pairs:
            spans = compare(old, new, budget).spans
            out.append(
                [(old[s.old_start : s.old_end], new[s.new_start : s.new_end]) for s in spans]
            )
        return out

    quiet = redlines()
    ticks = iter(range(0, 10**9, 1000))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(ticks)))
    assert redlines() == quiet == [[("30万元", "50万元")], [("加", ""), ("", "化")]]


def test_a_budget_of_tokens_refines_what_fits_and_replaces_the_rest_whole() -> None:
    budget = Budget(tokens=16)  # exactly the 8 + 8 tokens of the first pair
    first = compare("加强人才智力支持", "强化人才智力支持", budget)
    assert budget.tokens == 0
    assert first.spans == (  # word edits: 加 deleted, 化 inserted
        Span(old_start=0, old_end=1, new_start=0, new_end=0),
        Span(old_start=2, old_end=2, new_start=1, new_end=2),
    )
    second = compare("深化产业链协同发展", "推进产业链协同发展", budget)
    assert _old_and_new(second.ops) == ("深化产业链协同发展", "推进产业链协同发展")
    assert second.spans == (Span(old_start=0, old_end=9, new_start=0, new_end=9),)


def test_paragraphs_are_paired_before_their_words() -> None:
    old = "第一段原文不变。\n第二段说明处罚标准为一万元。"
    new = "第一段原文不变。\n新增的一段内容，与其他段落无关。\n第二段说明处罚标准为二万元。"
    comparison = compare(old, new)
    pieces = [
        (old[s.old_start : s.old_end], new[s.new_start : s.new_end]) for s in comparison.spans
    ]
    assert pieces == [("", "新增的一段内容，与其他段落无关。\n"), ("一", "二")]


@given(
    st.lists(
        st.sampled_from(["专精", "特新", "企业", "30万元", "，", "。", "\n", " ", "a"]), max_size=40
    ),
    st.lists(
        st.sampled_from(["专精", "特新", "企业", "50万元", "，", "。", "\n", "b"]), max_size=40
    ),
)
@settings(max_examples=200, deadline=None)
def test_ops_rebuild_both_texts_and_spans_index_them(a: list[str], b: list[str]) -> None:
    old, new = "".join(a), "".join(b)
    comparison = compare(old, new)
    rebuilt_old, rebuilt_new = _old_and_new(comparison.ops)
    assert canonical(rebuilt_old) == canonical(old)  # punctuation-only edits are quiet
    assert rebuilt_new == new
    for span in comparison.spans:
        assert 0 <= span.old_start <= span.old_end <= len(old)
        assert 0 <= span.new_start <= span.new_end <= len(new)


def test_the_python_diff_match_patch_gives_the_same_diffs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The C++ diff-match-patch is used when installed; the Python one, its fallback, must
    diff alike (real articles of 消耗臭氧层物质管理条例, old and new)."""
    import importlib
    from pathlib import Path

    from parsers.redline import compare

    blockdiff = importlib.import_module("parsers.blockdiff")  # a module: its privates typed Any

    pairs = Path(__file__).resolve().parents[1] / "fixtures" / "real-pairs"
    olds = (pairs / "cn-ods-regs-2018-2023-old.txt").read_text(encoding="utf-8").split("\n\n")
    news = (pairs / "cn-ods-regs-2018-2023-new.txt").read_text(encoding="utf-8").split("\n\n")
    texts = [(a, b) for a, b in zip(olds, news, strict=False) if a != b][:25]
    assert blockdiff._fast is not None, "fast-diff-match-patch is a dependency"
    fast = [compare(a, b) for a, b in texts]
    monkeypatch.setattr(blockdiff, "_fast", None)
    assert [compare(a, b) for a, b in texts] == fast


def test_an_edit_that_may_sit_in_several_places_sits_between_phrases() -> None:
    # 科学技术普及法 第一条, 2002 -> 2024: the inserted phrase ends with the character that
    # precedes it, so `…素质，推[+进实现…自强，推+]动` is the same edit one character on.
    old = "提高公民的科学文化素质，推动经济发展和社会进步"
    new = "提高公民的科学文化素质，推进实现高水平科技自立自强，推动经济发展和社会进步"
    assert compare(old, new).ops == (
        (0, "提高公民的科学文化素质，"),
        (1, "推进实现高水平科技自立自强，"),
        (0, "推动经济发展和社会进步"),
    )
    # 国际海运条例 第四十九条 -> 第四十四条: a deleted phrase, not `香港…业务，不得经营中国内地与`
    old = "不得经营中国内地与香港特别行政区之间的船舶运输业务，不得经营中国内地与台湾地区之间的"
    new = "不得经营中国内地与台湾地区之间的"
    assert compare(old, new).ops == (
        (-1, "不得经营中国内地与香港特别行政区之间的船舶运输业务，"),
        (0, "不得经营中国内地与台湾地区之间的"),
    )


def test_an_edit_is_not_moved_to_end_inside_a_word() -> None:
    # 反垄断法 第三十六条 -> 第四十四条: `强制[+或者变相强制+]` could also read `，[+强制或者变相+]强制`,
    # which starts after a comma but ends inside `变相强制`: it stays where the diff put it
    old, new = "滥用行政权力，强制单位或者个人", "滥用行政权力，强制或者变相强制单位或者个人"
    assert compare(old, new).ops == (
        (0, "滥用行政权力，强制"),
        (1, "或者变相强制"),
        (0, "单位或者个人"),
    )


def test_a_figure_moved_to_another_paragraph_is_no_change() -> None:
    # 道路运输条例 第六十五条: a sentence with `5年` moved into a new paragraph; no `删去5年；新增5年`
    ops = (
        (-1, "直接责任人员5年内不得从事原备案的业务"),
        (0, "\n"),
        (1, "处3000元以上1万元以下的罚款。\n直接责任人员5年内不得从事原备案的业务"),
    )
    assert figure_replacements(ops) == [(None, "3000元"), (None, "1万元")]
    # a figure "replaced" by itself is no change either (发票管理办法 第二十九条 -> 第二十八条)
    assert figure_replacements(((-1, "登记簿，应当保存5年"), (1, "应当保存5年"))) == []
