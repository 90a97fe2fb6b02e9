"""Character redlines with whole figures and quiet punctuation."""

from __future__ import annotations

import pytest

from parsers.redline import figure_replacements, figure_value, redline, tokenize


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


def test_tokens_keep_figures_whole() -> None:
    assert [t.text for t in tokenize("按50%比例")] == ["按", "50%", "比", "例"]


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
