"""The clause tree of real laws: closings, 目录, paragraphs after item lists, numerals, fields."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from parsers.model import Clause, PolicyDocument
from parsers.text import normalise

PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "real-pairs"


def _articles(doc: PolicyDocument) -> list[Clause]:
    return [c for c in doc.walk() if c.kind == "article"]


def _article(doc: PolicyDocument, number: int) -> Clause:
    return next(c for c in _articles(doc) if c.number == number)


def test_a_sentence_about_the_regulation_inside_an_article_is_not_its_closing() -> None:
    # NSFC 2007, 第八条 第二款: "本条例施行前的依托单位要求注册为依托单位的，…"
    doc = parsers.parse_path(PAIRS / "cn-nsfc-regs-2007-2024-old.txt")
    assert [a.number for a in _articles(doc)] == list(range(1, 44))
    assert "本条例施行前的依托单位" in _article(doc, 8).text
    assert [c.heading for c in doc.clauses][-1] == "附则"
    assert doc.closing == ""


def test_the_last_paragraphs_of_the_last_article_stay_in_it() -> None:
    doc = parsers.parse_path(PAIRS / "spc-private-lending-rules-2020-08-2020-12-new.txt")
    last = _articles(doc)[-1]
    assert last.number == 31
    assert last.text.endswith("与本规定不一致的，以本规定为准")
    doc = parsers.parse_path(PAIRS / "spc-company-law-interp5-2019-2020-new.txt")
    assert _article(doc, 6).text.count("\n") == 2
    assert doc.closing == ""


def test_a_closing_line_is_undone_when_the_numbering_goes_on() -> None:
    text = (
        "第一条 本办法适用于专项资金。\n"
        "本办法自2023年1月1日起施行前已经立项的项目，按原规定执行。\n"
        "第二条 市工业和信息化局负责实施。\n"
        "第三条 本办法自2023年1月1日起施行。\n"
        "深圳市工业和信息化局\n"
        "1.附件清单"
    )
    doc = parsers.parse_text(text)
    assert [a.number for a in _articles(doc)] == [1, 2, 3]
    assert "按原规定执行" in _article(doc, 1).text
    assert doc.closing == "深圳市工业和信息化局\n1.附件清单"


def test_the_effective_sentence_after_the_last_measure_is_the_closing() -> None:
    text = "一、总则\n（一）支持企业发展。\n（二）加强服务。\n本措施自2023年1月1日起施行，有效期五年。\n附件：\n1.申报表"
    doc = parsers.parse_text(text)
    assert [c.label for c in doc.walk()] == ["一", "一", "二"]
    assert doc.closing == "本措施自2023年1月1日起施行，有效期五年。\n附件：\n1.申报表"
    assert doc.effective == "自2023年1月1日起施行，有效期五年"


def test_a_paragraph_after_an_item_list_is_the_articles_next_paragraph() -> None:
    text = (
        "第一条 经营者不得实施下列行为：\n"
        "（一）以不公平的高价销售商品；\n"
        "（二）没有正当理由，拒绝与交易相对人进行交易。\n"
        "具有市场支配地位的经营者不得利用数据和算法实施前款规定的滥用行为。\n"
        "（一）第二个列表的第一项；\n"
        "第二条 下一条。"
    )
    doc = parsers.parse_text(text)
    article = _article(doc, 1)
    assert (
        article.text
        == "经营者不得实施下列行为：\n具有市场支配地位的经营者不得利用数据和算法实施前款规定的滥用行为"
    )
    assert [c.text for c in article.children][1] == "没有正当理由，拒绝与交易相对人进行交易"
    assert len(article.children) == 3
    assert [a.number for a in _articles(doc)] == [1, 2]


def test_items_of_the_bureaus_measures_keep_their_paragraphs() -> None:
    text = "一、总则\n（一）支持企业发展。\n第二段说明。\n（二）加强服务。"
    doc = parsers.parse_text(text)
    assert doc.clauses[0].children[0].text.endswith("\n第二段说明")


@pytest.mark.parametrize("numeral", ["1" * 5000, "一" * 50, "9" * 9])
def test_numerals_too_long_to_be_clause_numbers_are_text(numeral: str) -> None:
    doc = parsers.parse_text(
        f"第一条 总则。\n第{numeral}条不是条文\n{numeral}.不是事项\n第二条 完。"
    )
    assert [a.number for a in _articles(doc)] == [1, 2]
    assert f"第{numeral}条不是条文\n{numeral}.不是事项" in _article(doc, 1).text


def test_title_of_a_national_law_and_of_a_numbered_interpretation() -> None:
    doc = parsers.parse_path(PAIRS / "cn-sci-popularization-law-2002-2024-new.txt")
    assert doc.title == "中华人民共和国科学技术普及法"
    doc = parsers.parse_path(PAIRS / "spc-company-law-interp5-2019-2020-old.txt")
    assert doc.title == "最高人民法院关于适用《中华人民共和国公司法》若干问题的规定（五）"


def test_effective_only_from_the_documents_own_sentence() -> None:
    doc = parsers.parse_path(PAIRS / "cn-intl-maritime-regs-2019-2023-old.txt")
    assert doc.effective == "自2002年1月1日起施行"  # not 运价…自…之日起满30日生效
    text = "第一条 合同自合同生效之日起履行。\n第二条 自双方签字起生效。"
    assert parsers.parse_text(text).effective is None


CONTENTS = "目录\n第一章 总则\n第二章 组织管理\n第三章 附则\n"


def test_a_table_of_contents_is_left_out_and_its_span_noted() -> None:
    body = "第一章 总 则\n第一条 甲。\n第二章 组织管理\n第二条 乙。\n第三章 附 则\n第三条 丙。"
    for toc in (CONTENTS, CONTENTS.replace("目录", "目 录"), CONTENTS[3:]):
        text = normalise("某某条例\n" + toc + body)
        doc = parsers.parse_text(text)
        assert [c.kind for c in doc.clauses] == ["chapter"] * 3
        assert [[a.number for a in c.children] for c in doc.clauses] == [[1], [2], [3]]
        assert doc.contents is not None
        start, end = doc.contents
        assert text[start:end] == normalise(toc)
        assert "目" not in doc.preamble and "第二章" not in doc.preamble


def test_chapter_headings_of_the_body_are_not_a_table_of_contents() -> None:
    doc = parsers.parse_text("第一章 总则\n第一条 甲。\n第二章 附则\n第二条 乙。")
    assert doc.contents is None
    assert [[a.number for a in c.children] for c in doc.clauses] == [[1], [2]]


def _with_contents(text: str, *, title: str = "目　　录") -> str:
    """The text with a 目录 printed after its header lines, the way published regulations do:
    a title line, then each chapter heading (full-width spaces, as typeset)."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("第一章"))
    chapters = [
        line.replace(" ", "　") for line in lines if line.startswith("第") and "章" in line[:5]
    ]
    contents = ([title] if title else []) + chapters
    return "\n".join(lines[:first] + contents + [""] + lines[first:])


@pytest.mark.parametrize("title", ["目　　录", "目录", ""])
def test_the_same_regulation_with_and_without_its_contents(title: str) -> None:
    plain = (PAIRS / "cn-sci-popularization-law-2002-2024-new.txt").read_text(encoding="utf-8")
    printed = _with_contents(plain, title=title)
    assert printed.count("第一章") == 2
    without, with_toc = parsers.parse_text(plain), parsers.parse_text(printed)
    from parsers.diff import diff_documents

    assert diff_documents(without, with_toc).empty
    assert diff_documents(with_toc, without).empty
    assert [c.kind for c in with_toc.clauses] == ["chapter"] * 8
    chapters = [[a.number for a in c.children] for c in with_toc.clauses]
    assert chapters == [[a.number for a in c.children] for c in without.clauses]
    assert all(chapters) and sum(map(len, chapters)) == 60
    assert with_toc.contents is not None and without.contents is None
