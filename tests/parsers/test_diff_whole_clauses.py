"""A clause added or removed whole is one change, its items inside it (#12): amendment
decisions say `删除第九条` once, not once more for each of its items."""

from __future__ import annotations

from parsers import parse_text
from parsers.diff import diff_documents
from parsers.model import ChangeKind, ClauseChange

HEAD = "上海市促进农业科技进步若干规定\n\n"
FIRST = "第一条 为了促进农业科技进步，根据有关法律、行政法规，结合本市实际，制定本规定。\n\n"
LAST = "第四条 本规定自{}起施行。\n"
DUTIES = (
    "第二条 基层农业技术推广机构应当承担下列公益性职能：\n\n"
    "（一）引进、试验、示范农业关键技术；\n\n"
    "（二）监测、预报农作物和林木病虫草害、动物疫病等农业灾害；\n\n"
    "（三）提供农业技术公共信息和教育培训服务。\n\n"
)
SUPPORT = (
    "第二条 本市支持下列农业科技创新活动：\n\n"
    "（一）建设农业科技创新平台和重点实验室；\n\n"
    "（二）培育农业科技领军企业和创新联合体。\n\n"
)
TRAINING = "第三条 市农业农村部门应当组织实施农民专业技术培训计划，免费为农民提供培训。\n\n"


def _changes(old: str, new: str) -> tuple[ClauseChange, ...]:
    return diff_documents(parse_text(old), parse_text(new)).changes


def test_an_article_removed_with_its_items_is_one_change_with_their_text() -> None:
    old = HEAD + FIRST + DUTIES + TRAINING + LAST.format("2008年1月1日")
    new = HEAD + FIRST + SUPPORT + TRAINING + LAST.format("2008年1月1日")
    changes = _changes(old, new)
    removed = [c for c in changes if ChangeKind.REMOVED in c.kinds]
    added = [c for c in changes if ChangeKind.ADDED in c.kinds]
    assert [(c.old.kind, c.old.number) for c in removed if c.old] == [("article", 2)]
    assert [(c.new.kind, c.new.number) for c in added if c.new] == [("article", 2)]
    assert removed[0].summary.startswith("删除第二条")
    assert "（一）引进、试验、示范农业关键技术；" in removed[0].old_text
    assert "（三）提供农业技术公共信息和教育培训服务" in removed[0].old_text
    assert "（二）培育农业科技领军企业和创新联合体" in added[0].new_text
    assert len(changes) == 2  # no change for any item


def test_a_chapter_removed_keeps_a_change_for_each_of_its_articles() -> None:
    """Articles are what laws and clients count: a dissolved chapter lists them."""
    body = FIRST + TRAINING.replace("第三条", "第二条")
    chapter = (
        "第二章 推广服务\n\n"
        + DUTIES.replace("第二条", "第三条")
        + TRAINING.replace("第三条 市农业农村部门", "第四条 区农业农村部门")
    )
    old = HEAD + "第一章 总则\n\n" + body + chapter + "第三章 附则\n\n" + LAST.replace("四", "五")
    new = HEAD + "第一章 总则\n\n" + body + "第二章 附则\n\n" + LAST.replace("四", "三")
    changes = _changes(old.format("2008年1月1日"), new.format("2008年1月1日"))
    removed = {
        (c.old.kind, c.old.number) for c in changes if c.old and ChangeKind.REMOVED in c.kinds
    }
    assert {("article", 3), ("article", 4)} <= removed
    assert not any(c.old and c.old.kind == "item" for c in changes)
