"""One-line Chinese summaries built from the typed fields."""

from __future__ import annotations

import pytest

from parsers.model import Amount, AmountChange, ChangeKind, Clause
from parsers.summary import (
    ChangeFacts,
    chinese_numeral,
    label_text,
    summarize_change,
    summarize_document_change,
)


def clause(
    label: str, number: int, heading: str | None, *, kind: str = "measure", level: int = 2
) -> Clause:
    return Clause(
        kind=kind,
        label=label,
        number=number,
        level=level,
        path=(label,),
        heading=heading,
        text="正文",
    )


def amount(text: str, value: float, unit: str = "元") -> Amount:
    return Amount(text=text, value=value, unit=unit)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),
        (13, "十三"),
        (24, "二十四"),
        (40, "四十"),
        (105, "一百零五"),
        (120, "一百二十"),
    ],
)
def test_chinese_numeral(number: int, text: str) -> None:
    assert chinese_numeral(number) == text


def test_labels_as_written() -> None:
    assert label_text(clause("九", 9, None)) == "（九）"
    assert label_text(clause("十", 10, None, kind="article")) == "第十条"
    assert label_text(clause("三", 3, None, kind="chapter", level=1)) == "第三章"
    assert label_text(clause("3", 3, None, kind="section", level=1)) == "第三部分"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (amount("30万元", 3e5), amount("50万元", 5e5), "由30万元提高至50万元"),
        (amount("50%", 50, "%"), amount("30%", 30, "%"), "由50%降低至30%"),
        (amount("5年", 5, "年"), amount("5万元", 5e4), "由5年调整为5万元"),
    ],
)
def test_amount_direction(old: Amount, new: Amount, words: str) -> None:
    facts = ChangeFacts(
        kinds=(ChangeKind.MODIFIED,),
        old=clause("九", 9, "激发创新活力"),
        new=clause("九", 9, "激发创新活力"),
        old_parent=None,
        new_parent=None,
        amounts=(AmountChange(old=old, new=new),),
    )
    assert summarize_change(facts) == f"（九）激发创新活力：{words}"


def test_units_move_and_renumbering() -> None:
    facts = ChangeFacts(
        kinds=(ChangeKind.MODIFIED, ChangeKind.MOVED, ChangeKind.RENUMBERED),
        old=clause("十三", 13, "加强知识产权管理"),
        new=clause("二十四", 24, "加强知识产权管理"),
        old_parent=clause("三", 3, "提升企业创新能力", kind="section", level=1),
        new_parent=clause("六", 6, "促进质量品牌提升", kind="section", level=1),
        units_added=("市发展改革委",),
    )
    assert summarize_change(facts) == (
        "（二十四）加强知识产权管理：新增责任单位：市发展改革委；"
        "由第三部分移至第六部分；序号由（十三）调整为（二十四）"
    )


def test_added_and_removed() -> None:
    added = ChangeFacts(
        kinds=(ChangeKind.ADDED,),
        old=None,
        new=clause("十三", 13, "支持标准化建设"),
        old_parent=None,
        new_parent=None,
    )
    removed = ChangeFacts(
        kinds=(ChangeKind.REMOVED,),
        old=clause("三十二", 32, "增强法治意识"),
        new=None,
        old_parent=None,
        new_parent=None,
    )
    assert summarize_change(added) == "新增措施（十三）支持标准化建设"
    assert summarize_change(removed) == "删除措施（三十二）增强法治意识"


def test_document_changes() -> None:
    assert (
        summarize_document_change("status", "draft", "final") == "状态由“征求意见稿”调整为“正式稿”"
    )
    assert summarize_document_change("status", "final", "abolished").endswith("“已废止”")
    assert summarize_document_change("status", "final", "expired").endswith("“已失效”")
    assert (
        summarize_document_change("doc_number", None, "深工信规〔2022〕9号")
        == "新增文号：深工信规〔2022〕9号"
    )
