"""Article pages of other CMS layouts used by Chinese government sites (tests/fixtures/pages/):
each parses to its clause tree, and no menu, sidebar or footer reaches it.

The pages are built on the structures real sites use: TRS WCM's `TRS_Editor` (GBK), the
`Custom_UnionStyle` body of TRS/Hanweb sites, gov.cn's `pages_content`/`UCAP-CONTENT`, the
`article-content` of the 集约化 platforms, and two old table layouts no selector knows: one
whose measures (（一）…) name their cell (`html:clauses`), one of items (1. …) that trafilatura
reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import parsers
from parsers import html
from parsers.model import document_to_json
from parsers.text import decode, normalise

PAGES = Path(__file__).resolve().parents[1] / "fixtures/pages"

# file -> (extractor, [(path, heading)] of the whole tree, title)
EXPECTED: dict[str, tuple[str, list[tuple[tuple[str, ...], str | None]], str]] = {
    "trs-editor-gbk.html": (
        "html",
        [
            (("一",), "加大资金支持"),
            (("一", "一"), "认定奖励"),
            (("一", "二"), "贷款贴息"),
            (("二",), "强化创新引领"),
            (("二", "三"), "研发投入资助"),
            (("二", "四"), "知识产权保护"),
        ],
        "龙华区关于支持专精特新企业发展的若干措施",
    ),
    "custom-unionstyle.html": (
        "html",
        [
            (("一",), "总则"),
            (("一", "一"), None),
            (("一", "二"), None),
            (("二",), "支持措施"),
            (("二", "三"), None),
            (("二", "四"), None),
            (("二", "五"), None),
            (("三",), "附则"),
            (("三", "六"), None),
            (("三", "七"), None),
        ],
        "坪山区促进中小企业专精特新发展实施办法",
    ),
    "pages-content.html": (
        "html",
        [
            (("一",), "加大财税支持力度"),
            (("一", "一"), None),
            (("一", "二"), None),
            (("二",), "完善融资服务"),
            (("二", "三"), None),
            (("二", "四"), None),
            (("三",), "强化人才支撑"),
            (("三", "五"), None),
        ],
        "国务院办公厅关于进一步支持专精特新中小企业发展的通知",
    ),
    "article-content.html": (
        "html",
        [
            (("一",), "工作目标"),
            (("二",), "主要任务"),
            (("二", "一"), "建立梯度培育库"),
            (("二", "一", "1"), None),
            (("二", "一", "2"), None),
            (("二", "二"), "强化要素保障"),
            (("三",), "保障措施"),
            (("三", "三"), "加强组织领导"),
        ],
        "光明区关于印发《光明区专精特新企业培育工作方案》的通知",
    ),
    "table-layout-gbk.html": (
        "html:clauses",
        [
            (("一",), "培育认定支持"),
            (("一", "一"), None),
            (("一", "二"), None),
            (("二",), "融资支持"),
            (("二", "三"), None),
            (("二", "四"), None),
            (("三",), "空间保障"),
            (("三", "五"), None),
        ],
        "大鹏新区关于支持企业专精特新发展的若干措施",
    ),
    "table-layout-items.html": (
        "html:trafilatura",
        [(("1",), None), (("2",), None), (("3",), None), (("4",), None)],
        "坪地街道关于做好2022年度中小企业服务工作的通知",
    ),
}

# Words of page furniture on these pages (menus, breadcrumbs, sidebars, tools, footers).
FURNITURE = (
    "首页", "政务公开", "办事服务", "网站地图", "当前位置", "您的位置", "相关", "热点", "热门",
    "上一篇", "下一篇", "分享", "打印", "关闭", "浏览次数", "点击数", "字体", "主办", "承办",
    "版权所有", "ICP备", "网站标识码", "友情链接", "扫一扫", "技术支持", "公交查询", "索引号",
    "返回顶部", "English", "搜索",
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_foreign_templates_parse_to_their_trees_without_furniture(name: str) -> None:
    extractor, tree, title = EXPECTED[name]
    doc = parsers.parse((PAGES / name).read_bytes(), "text/html")
    assert doc.extractor == extractor
    assert doc.title == title
    assert [(c.path, c.heading) for c in doc.walk()] == tree
    read = json.dumps(
        [document_to_json(doc)["clauses"], doc.preamble, doc.closing], ensure_ascii=False
    )
    assert not [word for word in FURNITURE if word in read]


def test_the_clauses_cell_is_what_trafilatura_would_read() -> None:
    """The cheap finder (about 0.3 ms a page) reads exactly the text trafilatura (about 10 ms)
    found on the table layout it used to read."""
    raw, _ = decode((PAGES / "table-layout-gbk.html").read_bytes(), html=True)
    tree = html.parse_tree(raw)
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    cell = html.clause_body(tree)
    assert cell is not None and cell.get("class") == "main"
    assert normalise(html.element_text(cell)) == normalise(html.main_content_text(tree))


@pytest.mark.parametrize(
    "body",
    [
        # the numbered paragraphs spread over the layout: only <body> holds them all
        "<div><p>一、总则</p><p>（一）适用范围。</p></div><div><p>（二）支持方式。</p></div>",
        # a menu of numbered links
        "<ul><li><a href='/1'>一、通知公告</a></li><li><a href='/2'>二、政策法规</a></li>"
        "<li><a href='/3'>三、办事服务</a></li></ul>",
        # two numbered paragraphs say too little
        "<div class='x'><p>一、总则</p><p>二、附则</p></div>",
    ],
    ids=["spread", "menu", "too-few"],
)
def test_no_clauses_cell_is_guessed(body: str) -> None:
    tree = html.parse_tree(f"<html><body>{body}</body></html>")
    assert html.clause_body(tree) is None


def test_the_first_measures_keep_their_figures() -> None:
    doc = parsers.parse((PAGES / "table-layout-gbk.html").read_bytes(), "text/html")
    first = doc.walk()[1]
    assert first.text == "对首次获得国家级专精特新“小巨人”企业认定的，给予一次性奖励30万元"
    assert [a.value for a in first.amounts] == [300000.0]


def test_an_operators_body_selector_wins() -> None:
    page = (PAGES / "table-layout-gbk.html").read_bytes()
    doc = parsers.parse(page, "text/html", body_selector="td.main")
    assert doc.extractor == "html:body_selector"
    assert [c.path for c in doc.walk()] == [p for p, _ in EXPECTED["table-layout-gbk.html"][1]]
    with pytest.raises(parsers.ExtractionError, match="matches nothing"):
        parsers.parse(page, "text/html", body_selector="div.zw")
    with pytest.raises(parsers.ExtractionError, match="not a valid CSS selector"):
        parsers.parse(page, "text/html", body_selector="td[")
