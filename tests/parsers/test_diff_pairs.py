"""Own before/after pairs through the real parser (`parse_text`) and the differ."""

from __future__ import annotations

from parsers import parse_text
from parsers.diff import diff_documents

ARTICLES = """深圳市中小企业发展专项资金管理办法
第一章 总则
第一条 为了规范专项资金管理，提高资金使用效益，制定本办法。
第二条 本办法所称专项资金，是指市财政预算安排的用于支持中小企业发展的资金。
第三条 专项资金的使用应当遵循公开透明、突出重点、注重绩效的原则。
第二章 职责分工
第四条 市中小企业服务局负责专项资金的项目管理和绩效评价。
第五条 市财政局负责专项资金的预算管理和资金拨付，单个项目资助最高100万元。
第六条 各区政府负责本辖区项目的初审。
"""

MEASURES = """若干措施
一、加大财税支持力度
（一）强化资金奖励。对经认定的专精特新中小企业予以奖励，鼓励各区加大资金支持力度。（责任单位：市工业和信息化局、各区政府）
（二）加强减税降费服务。全面落实各类减税降费政策，为企业开通税费服务直通车。（责任单位：深圳市税务局）
（三）提升融资服务水平。依托金融服务平台，归集金融机构各类金融服务产品，推广金融驿站服务模式，设立金融服务专员，为企业提供一对一金融服务。（责任单位：市地方金融监管局）
二、拓宽企业融资渠道
（四）扩大间接融资规模。推动驻深商业银行用好支小再贷款、再贴现等政策工具。（责任单位：市地方金融监管局）
（五）降低企业融资难度。鼓励政府性融资担保机构加大融资担保支持力度。（责任单位：市国资委）
"""


def _changes(old: str, new: str) -> list[tuple[str | None, str | None, list[str]]]:
    result = diff_documents(parse_text(old), parse_text(new))
    return [
        (c.old.label if c.old else None, c.new.label if c.new else None, [k.value for k in c.kinds])
        for c in result.changes
    ]


def test_articles_deleted_renumbered_amended_added() -> None:
    new = (
        ARTICLES.replace("第三条 专项资金的使用应当遵循公开透明、突出重点、注重绩效的原则。\n", "")
        .replace("第四条", "第三条")
        .replace("第五条", "第四条")
        .replace(
            "第六条 各区政府负责本辖区项目的初审。",
            "第五条 各区政府负责本辖区项目的初审。\n第六条 本办法自2024年1月1日起施行。",
        )
        .replace("100万元", "200万元")
    )
    result = diff_documents(parse_text(ARTICLES), parse_text(new))
    assert [(c.summary, [k.value for k in c.kinds]) for c in result.changes] == [
        ("删除第三条“专项资金的使用应当遵循公开透明、突出重点、注重…”", ["removed"]),
        ("第三条：序号由第四条调整为第三条", ["renumbered"]),
        (
            "第四条：单个项目资助最高由100万元提高至200万元；序号由第五条调整为第四条",
            ["modified", "renumbered"],
        ),
        ("第五条：序号由第六条调整为第五条", ["renumbered"]),
        ("新增第六条“本办法自2024年1月1日起施行”", ["added"]),
    ]


def test_swapped_neighbours() -> None:
    lines = MEASURES.splitlines()
    one, two = lines[2], lines[3]
    lines[2], lines[3] = two.replace("（二）", "（一）"), one.replace("（一）", "（二）")
    assert sorted(_changes(MEASURES, "\n".join(lines))) == [
        ("一", "二", ["renumbered"]),
        ("二", "一", ["renumbered"]),
    ]


def test_split_and_merge() -> None:
    split = (
        MEASURES.replace(
            "推广金融驿站服务模式，设立金融服务专员，为企业提供一对一金融服务。（责任单位：市地方金融监管局）",
            "（责任单位：市地方金融监管局）\n"
            "（四）推广金融驿站。推广金融驿站服务模式，设立金融服务专员，为企业提供一对一金融服务。（责任单位：市地方金融监管局）",
        )
        .replace("（四）扩大", "（五）扩大")
        .replace("（五）降低", "（六）降低")
    )
    assert _changes(MEASURES, split) == [
        ("三", "三", ["modified", "split"]),
        ("四", "五", ["renumbered"]),
        ("五", "六", ["renumbered"]),
    ]
    assert _changes(split, MEASURES) == [
        ("三", "三", ["modified", "merged"]),
        ("五", "四", ["renumbered"]),
        ("六", "五", ["renumbered"]),
    ]
    parts = diff_documents(parse_text(MEASURES), parse_text(split)).changes[0].parts
    assert [(p.label, p.kind, p.heading) for p in parts] == [("四", "measure", "推广金融驿站")]


def test_formatting_only_rendition_has_no_changes() -> None:
    reformatted = (
        MEASURES.replace("一、", "01 ")
        .replace("二、", "02 ")
        .replace("（", "(")
        .replace("）", ")")
        .replace("，", ",")
        .replace("。（责任单位", "(责任单位")
    )
    assert diff_documents(parse_text(MEASURES), parse_text(reformatted)).changes == ()


def test_retitled_section_and_unit_added() -> None:
    new = MEASURES.replace("二、拓宽企业融资渠道", "二、拓宽融资渠道").replace(
        "（责任单位：市国资委）", "（责任单位：市国资委、市财政局）"
    )
    result = diff_documents(parse_text(MEASURES), parse_text(new))
    assert [(c.summary, c.section) for c in result.changes] == [
        ("第二部分：标题由“拓宽企业融资渠道”调整为“拓宽融资渠道”", True),
        ("（五）降低企业融资难度：新增责任单位：市财政局", False),
    ]
