"""Documents of other shapes, written for the tests: a regulation, a notice, a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from parsers.model import Amount, PolicyDocument, Status
from parsers.numerals import cn_to_int, int_to_cn

CHAPTERS = [("总则", 6), ("申报条件", 8), ("资助标准", 9), ("监督管理", 8), ("附则", 6)]


def regulation_text() -> str:
    """A 第X章/第X条 regulation of 5 chapters and 37 articles, in a draft's style."""
    lines = ["深圳市中小企业发展专项资金管理办法（征求意见稿）"]
    article = 0
    for c, (name, count) in enumerate(CHAPTERS, start=1):
        lines.append(f"第{int_to_cn(c)}章　{name}")
        for _ in range(count):
            article += 1
            caption = "【立法目的】" if article == 1 else ""
            body = f"本办法第{article}项规定，资助金额最高{article}0万元。"
            lines.append(f"第{int_to_cn(article)}条{caption}　{body}")
            if article == 12:
                lines.append("（一）在本市依法登记注册；")
                lines.append("（二）上年度营业收入不低于2000万元。")
            if article == 37:
                lines[-1] = "第三十七条　本办法自2023年1月1日起施行，有效期五年。"
    return "\n".join(lines)


NOTICE = """深圳市工业和信息化局关于开展2023年专精特新企业培育工作的通知
深工信〔2023〕15号
各区工业和信息化主管部门，各有关单位：
为做好专精特新企业培育工作，现将有关事项通知如下：
1.申报对象
（1）在深圳市注册的中小企业；
（2）上年度研发投入占比不低于3%。
2.申报材料
（1）申报书；
（2）营业执照复印件。
3、申报时间
请于2023年5月31日前提交材料，逾期不予受理。
特此通知。
深圳市工业和信息化局
2023年4月10日"""


@pytest.fixture(scope="module")
def regulation() -> PolicyDocument:
    return parsers.parse_text(regulation_text())


def test_regulation_articles_nest_under_chapters(regulation: PolicyDocument) -> None:
    assert [c.kind for c in regulation.clauses] == ["chapter"] * 5
    assert [c.heading for c in regulation.clauses] == [name for name, _ in CHAPTERS]
    articles = [a for chapter in regulation.clauses for a in chapter.children]
    assert [a.number for a in articles] == list(range(1, 38))
    assert [len(c.children) for c in regulation.clauses] == [n for _, n in CHAPTERS]
    assert all(a.kind == "article" and a.level == 2 for a in articles)
    assert articles[31].path == ("五", "三十二")


def test_regulation_captions_items_and_fields(regulation: PolicyDocument) -> None:
    first = regulation.clauses[0].children[0]
    assert first.heading == "立法目的"
    assert first.text.startswith("本办法第1项规定")
    assert Amount(text="10万元", value=100000.0, unit="元") in first.amounts
    twelve = regulation.clauses[1].children[5]
    assert twelve.number == 12
    assert [(i.kind, i.label, i.number) for i in twelve.children] == [
        ("measure", "一", 1),
        ("measure", "二", 2),
    ]
    assert twelve.children[1].path == ("二", "十二", "二")
    assert regulation.status is Status.DRAFT
    assert regulation.title == "深圳市中小企业发展专项资金管理办法（征求意见稿）"
    assert regulation.effective == "自2023年1月1日起施行，有效期五年"


def test_notice_with_numbered_items() -> None:
    doc = parsers.parse_text(NOTICE)
    assert [(c.kind, c.label, c.heading) for c in doc.clauses] == [
        ("item", "1", "申报对象"),
        ("item", "2", "申报材料"),
        ("item", "3", "申报时间"),
    ]
    assert [c.label for c in doc.clauses[0].children] == ["1", "2"]
    assert doc.clauses[0].children[1].kind == "subitem"
    assert doc.clauses[0].children[1].amounts == (Amount(text="3%", value=3.0, unit="%"),)
    assert doc.clauses[2].text == "请于2023年5月31日前提交材料，逾期不予受理"
    assert doc.clauses[2].dates == ("2023年5月31日",)
    assert doc.closing.startswith("特此通知。")
    assert doc.doc_number == "深工信〔2023〕15号"
    assert doc.status is Status.FINAL
    assert doc.issuer == "深圳市工业和信息化局"
    assert str(doc.published) == "2023-04-10"
    assert str(doc.comment_deadline) == "2023-05-31"


def test_bracketed_units_with_nested_note() -> None:
    doc = parsers.parse_text(
        "一、加强服务\n（一）优化服务。建立服务专员制度。"
        "[责任单位:市中小企业服务局,各区政府(含大鹏新区管委会、深汕特别合作区管委会,下同)]\n"
        "（二）深化改革。推进改革（责任单位：市发展改革委；市司法局）"
    )
    one, two = doc.clauses[0].children
    assert one.responsible_units == ("市中小企业服务局", "各区政府")
    assert one.text == "建立服务专员制度"
    assert two.responsible_units == ("市发展改革委", "市司法局")


def test_circled_and_repost_numbering() -> None:
    doc = parsers.parse_text(
        "01 总体要求\n（一）目标。到2025年：\n①培育100家企业；\n②新增2亿元投资。\n02 保障"
    )
    assert [c.label for c in doc.clauses] == ["一", "二"]
    points = doc.clauses[0].children[0].children
    assert [(p.kind, p.label, p.number) for p in points] == [("point", "①", 1), ("point", "②", 2)]
    assert points[1].amounts == (Amount(text="2亿元", value=2e8, unit="元"),)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("三十二", 32),
        ("一百零五", 105),
        ("一百一十", 110),
        ("两百", 200),
        ("37", 37),
        ("一二", None),
        ("", None),
    ],
)
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value
    if value is not None and not text.isdigit() and text != "两百":
        assert int_to_cn(value) == text


FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.mark.skipif(not FONT.exists(), reason="no CJK font: apt-get install fonts-wqy-microhei")
def test_pdf_made_with_fpdf2(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("wqy", fname=str(FONT))
    pdf.set_font("wqy", size=12)
    body = regulation_text().replace("\u3000", " ")
    for line in body.split("\n"):
        pdf.multi_cell(60, 8, line, new_x="LMARGIN", new_y="NEXT")  # narrow: lines wrap
    path = tmp_path / "regulation.pdf"
    pdf.output(str(path))
    from_pdf = parsers.parse_path(path)
    assert from_pdf.clauses == parsers.parse_text(regulation_text()).clauses
