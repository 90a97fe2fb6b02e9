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


def _article_summaries(old: str, new: str) -> list[str]:
    from parsers import parse_text
    from parsers.diff import diff_documents

    return [c.summary for c in diff_documents(parse_text(old), parse_text(new)).changes]


@pytest.mark.parametrize(
    ("before", "after", "summary"),
    [
        # one replacement, quoted with the unchanged text around it until it is unique
        (
            "由市财政局负责审核，市财政局负责拨付。",
            "由市财政局负责审核，市工业和信息化局负责拨付。",
            "第一条：将“市财政局负责拨付”修改为“市工业和信息化局负责拨付”",
        ),
        # an insertion placed after the passage before it
        (
            "对企业给予奖励。",
            "对专精特新企业给予奖励。",
            "第一条：在“对”后增加“专精特新”",
        ),
        # a deletion that places itself
        ("对企业和个人给予奖励。", "对企业给予奖励。", "第一条：删去“和个人”"),
        # the same substitution made three times
        (
            "环境保护主管部门会同环境保护主管部门，报环境保护主管部门。",
            "生态环境主管部门会同生态环境主管部门，报生态环境主管部门。",
            "第一条：将“环境保护”修改为“生态环境”（共3处）",
        ),
        # a figure keeps its own phrase
        ("最高给予30万元奖励。", "最高给予50万元奖励。", "第一条：最高由30万元提高至50万元"),
        # a new paragraph
        (
            "企业应当依法纳税。",
            "企业应当依法纳税。\n税务机关应当提供便利。",
            "第一条：增加一款，作为第二款：“税务机关应当提供便利”",
        ),
    ],
)
def test_edit_phrases(before: str, after: str, summary: str) -> None:
    text = "第一条 {}\n第二条 本办法自2024年1月1日起施行。"
    assert _article_summaries(text.format(before), text.format(after)) == [summary]


def test_a_rewritten_clause_says_so_and_gives_the_first_edits() -> None:
    old = (
        "第一条 市工业和信息化局负责专项资金的项目管理，市财政局负责预算管理和资金拨付，"
        "各区政府负责本辖区项目的初审，审计机关依法实施审计监督，单个项目资助最高不超过100万元。"
        "\n第二条 完。"
    )
    new = (
        "第一条 市中小企业服务局负责专项资金的绩效管理，市财政局负责预算编制和资金监督，"
        "各区人民政府负责本辖区项目的复核，审计机关依法开展专项审计，单个项目资助最高不超过100万元。"
        "\n第二条 完。"
    )
    (summary,) = _article_summaries(old, new)
    assert summary.startswith("第一条：内容修改（共")
    assert "其中：将“" in summary


def test_split_and_merge_phrases() -> None:
    old = (
        "第一条 总则。\n第二条 企业应当建立财务制度，按照国家统一的会计制度进行核算。\n"
        "企业应当定期向税务机关报送财务会计报告和纳税申报表。\n第三条 完。"
    )
    new = (
        "第一条 总则。\n第二条 企业应当建立财务制度，按照国家统一的会计制度进行核算。\n"
        "第三条 企业应当定期向税务机关报送财务会计报告和纳税申报表。\n第四条 完。"
    )
    summaries = _article_summaries(old, new)
    assert summaries[0].startswith("第二条：第二条拆分为第二条、第三条；删去第二款：“企业应当定期")
    merged = _article_summaries(new, old)
    assert merged[0].startswith("第二条：将第二条、第三条合并为第二条；增加一款，作为第二款：")


def test_a_replacement_between_two_separators_is_quoted_with_its_place() -> None:
    # 国家自然科学基金条例 第十四条 -> 第十五条: `，再` became `。基金管理机构…项目申请，`; its
    # edges trimmed, `将“再”修改为…` would place nothing, so the quotation is widened over the
    # two separators, and never starts or ends at one
    from parsers import parse_text
    from parsers.diff import diff_documents

    old = "第一条 应当先进行通讯评审，再组织专家进行会议评审。\n第二条 本条例自2024年1月1日起施行。"
    new = (
        "第一条 应当先进行通讯评审。基金管理机构应当确定进入会议评审的项目申请，"
        "组织专家进行会议评审。\n第二条 本条例自2024年1月1日起施行。"
    )
    (change,) = diff_documents(parse_text(old), parse_text(new)).changes
    (edit,) = change.edits
    assert "，再" in edit.old and edit.old in old
    assert "。基金管理机构" in edit.new and edit.new in new
    separators = "，。；、"
    assert edit.old[0] not in separators and edit.old[-1] not in separators
    assert edit.new[0] not in separators and edit.new[-1] not in separators


def test_a_sentence_that_became_a_longer_paragraph_reads_as_what_was_added() -> None:
    # 专利法实施细则 第五十七条 -> 第六十三条: the paragraph-level redline replaces the sentence
    # `…2个月内作出专利权评价报告。` by a new paragraph that opens with it; the edit is what
    # follows, and no figure was dropped (the new text has `2个月` twice, the old once)
    from parsers import parse_text
    from parsers.diff import diff_documents

    text = "第一条 {}\n第二条 本细则自2024年1月1日起施行。"
    head = "国务院专利行政部门应当自收到专利权评价报告请求书后2个月内作出专利权评价报告"
    rest = "对同一项实用新型或者外观设计专利权，有多个请求人请求作出专利权评价报告的，仅作出一份。"
    added = "，但申请人在办理专利权登记手续时请求的，应当自公告授予专利权之日起2个月内作出"
    old = text.format(f"{head}。{rest}")
    new = text.format(f"{head}{added}。\n{rest}")
    (change,) = diff_documents(parse_text(old), parse_text(new)).changes
    (edit,) = change.edits
    assert edit.old == "" and edit.new == added.lstrip("，")
    assert [(a.old, a.new and a.new.text) for a in change.amounts] == [(None, "2个月")]
    assert "删去" not in change.summary


def test_a_replacement_that_keeps_a_long_opening_quotes_only_what_changed() -> None:
    # 公司法 第二十八条 -> 第四十九条
    summaries = _article_summaries(
        "第一条 股东应当按期足额缴纳公司章程中规定的各自所认缴的出资额。股东不按照前款规定缴纳"
        "出资的，应当向公司足额缴纳。",
        "第一条 股东应当按期足额缴纳公司章程规定的各自所认缴的出资额。\n股东未按期足额缴纳"
        "出资的，应当向公司足额缴纳。",
    )
    assert summaries == [
        "第一条：删去“公司章程”后的“中”；将“股东不按照前款规定”修改为“股东未按期足额”"
    ]


def test_a_quotation_inside_a_quotation_is_written_with_single_marks() -> None:
    # 上海市优化营商环境条例 第五十八条 -> 第六十九条: the passage the insertion follows holds “…”
    summaries = _article_summaries(
        "第一条 依托“一网通办”系统，推进行政检查数据共享。",
        "第一条 依托“一网通办”系统，上海市统一综合执法系统，推进行政检查数据共享。",
    )
    assert summaries == ["第一条：在“‘一网通办’系统，”后增加“上海市统一综合执法系统”"]


def test_paragraphs_that_differ_only_in_punctuation_give_no_edit() -> None:
    # 北京市制定地方性法规条例 第三十六条 -> 第四十条: `。` became `；` where a paragraph was
    # rewritten; that gave an empty `删去“…交付表决”后的“”`
    summaries = _article_summaries(
        "第一条 各方面意见比较一致的，可以经两次会议审议后交付表决。\n法规案经审议后交付表决。",
        "第一条 各方面意见比较一致的，可以经两次会议审议后交付表决；\n法规案经审议后交付表决。",
    )
    assert all("“”" not in s for s in summaries), summaries
