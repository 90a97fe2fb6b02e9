"""The clause differ on hand-built trees: alignment, kinds, field detail, summaries."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.diff import diff_clauses, diff_documents
from parsers.model import Amount, ChangeKind, Clause, ClauseChange, PolicyDocument, Status
from parsers.summary import chinese_numeral

A, R, M, MV, RN = (
    ChangeKind.ADDED,
    ChangeKind.REMOVED,
    ChangeKind.MODIFIED,
    ChangeKind.MOVED,
    ChangeKind.RENUMBERED,
)

TEXTS = [
    "强化资金奖励。对经认定的专精特新中小企业予以奖励，鼓励各区加大资金支持力度",
    "加强减税降费服务。全面落实各类减税降费政策，为企业开通税费服务直通车",
    "提升融资服务水平。依托金融服务平台，归集金融机构各类金融服务产品",
    "扩大间接融资规模。推动驻深商业银行用好支小再贷款、再贴现等政策工具",
    "降低企业融资难度。鼓励政府性融资担保机构加大融资担保支持力度",
    "加强投资机构引导。发挥政府投资基金引导带动作用，推动股权投资",
    "支持企业上市融资。建立上市培育专家服务团，积极推动企业登陆资本市场",
    "支持设立研发机构。在企业申请认定企业技术中心时给予加分支持",
    "激发创新活力。对在深圳赛区的获奖项目，最高给予30万元奖励",
    "加大创新扶持力度。支持企业加强新产品、新技术、新工艺研发",
]


def measure(n: int, text: str, *, units: tuple[str, ...] = (), kind: str = "measure") -> Clause:
    """A measure `（n）heading。text` (heading is the text up to the first 。)."""
    heading = text.split("。")[0]
    return Clause(
        kind=kind,
        label=chinese_numeral(n),
        number=n,
        level=2,
        path=(),
        heading=heading,
        text=text,
        responsible_units=units,
    )


def section(n: int, heading: str, children: list[Clause], label: str | None = None) -> Clause:
    """A top-level section `n、heading` holding measures."""
    return Clause(
        kind="section",
        label=label or chinese_numeral(n),
        number=n,
        level=1,
        path=(),
        heading=heading,
        text="",
        children=tuple(children),
    )


def with_paths(clauses: list[Clause], prefix: tuple[str, ...] = ()) -> tuple[Clause, ...]:
    """Fill in `path` from the labels."""
    out = []
    for c in clauses:
        path = (*prefix, c.label)
        out.append(dataclasses.replace(c, path=path, children=with_paths(list(c.children), path)))
    return tuple(out)


def numbered(sections: list[tuple[str, list[str]]], start: int = 1) -> tuple[Clause, ...]:
    """Sections of measures numbered continuously across sections."""
    n = start
    built = []
    for i, (heading, texts) in enumerate(sections, 1):
        kids = []
        for text in texts:
            kids.append(measure(n, text))
            n += 1
        built.append(section(i, heading, kids))
    return with_paths(built)


BASE = [
    ("加大财税支持力度", TEXTS[0:3]),
    ("拓宽企业融资渠道", TEXTS[3:7]),
    ("提升创新能力", TEXTS[7:10]),
]


def kinds_of(
    changes: tuple[ClauseChange, ...],
) -> list[tuple[str | None, str | None, tuple[ChangeKind, ...]]]:
    return [
        (c.old.label if c.old else None, c.new.label if c.new else None, c.kinds) for c in changes
    ]


def test_identical_trees_have_no_changes() -> None:
    assert diff_clauses(numbered(BASE), numbered(BASE)) == ()


def test_a_diff_leaves_no_comparison_cache_behind() -> None:
    """A daemon's reading worker diffs for months: what one diff cached must not pile up."""
    from parsers.align import bigrams, canonical, folded
    from parsers.flows import grams

    old = PolicyDocument(title="t", status=Status.FINAL, clauses=numbered(BASE))
    edited = [(h, [t + "，并给予补贴" for t in texts]) for h, texts in BASE]
    new = PolicyDocument(title="t", status=Status.FINAL, clauses=numbered(edited))
    assert diff_documents(old, new).changes
    sizes = [f.cache_info().currsize for f in (canonical, folded, bigrams, grams)]
    assert sizes == [0, 0, 0, 0]


def test_formatting_is_not_a_change() -> None:
    old = numbered(BASE)
    reformatted = [
        (h, [t.replace("，", ",").replace("、", ",") + "。" for t in texts]) for h, texts in BASE
    ]
    new = numbered(reformatted)
    new = tuple(dataclasses.replace(s, label=f"0{s.number}") for s in new)  # 01 vs 一
    assert diff_clauses(old, new) == ()


def test_units_separator_is_not_a_change() -> None:
    old = with_paths([measure(1, TEXTS[0], units=("市财政局", "各区政府"))])
    new = with_paths([measure(1, TEXTS[0], units=("市财政局 ", "各区政府。"))])
    assert diff_clauses(old, new) == ()


def test_insertion_renumbers_later_measures_only() -> None:
    new_sections = [
        BASE[0],
        (BASE[1][0], [BASE[1][1][0], "新增措施。支持标准化建设项目", *BASE[1][1][1:]]),
        BASE[2],
    ]
    changes = diff_clauses(numbered(BASE), numbered(new_sections))
    assert kinds_of(changes) == [
        (None, "五", (A,)),
        ("五", "六", (RN,)),
        ("六", "七", (RN,)),
        ("七", "八", (RN,)),
        ("八", "九", (RN,)),
        ("九", "十", (RN,)),
        ("十", "十一", (RN,)),
    ]
    assert changes[0].summary == "新增措施（五）新增措施"


def test_new_measure_takes_old_label_and_old_one_moves() -> None:
    # Old （三） moves to the last section; a new （三） takes its place.
    moved = BASE[0][1][2]
    new_sections = [
        (BASE[0][0], [*BASE[0][1][:2], "支持标准化建设。对符合条件的标准化项目按规定予以资助"]),
        BASE[1],
        (BASE[2][0], [*BASE[2][1], moved]),
    ]
    changes = diff_clauses(numbered(BASE), numbered(new_sections))
    assert kinds_of(changes) == [(None, "三", (A,)), ("三", "十一", (MV, RN))]
    assert changes[1].summary == (
        "（十一）提升融资服务水平：由第一部分移至第三部分；序号由（三）调整为（十一）"
    )


def test_retitled_section_is_modified_section() -> None:
    new_sections = [BASE[0], ("拓宽融资渠道和方式", BASE[1][1]), BASE[2]]
    changes = diff_clauses(numbered(BASE), numbered(new_sections))
    assert kinds_of(changes) == [("二", "二", (M,))]
    assert changes[0].section
    assert changes[0].summary == "第二部分：标题由“拓宽企业融资渠道”调整为“拓宽融资渠道和方式”"


def test_swapped_neighbours_are_renumbered_not_modified() -> None:
    first = BASE[1][1]
    new_sections = [BASE[0], (BASE[1][0], [first[1], first[0], *first[2:]]), BASE[2]]
    changes = diff_clauses(numbered(BASE), numbered(new_sections))
    assert sorted(kinds_of(changes)) == [("五", "四", (RN,)), ("四", "五", (RN,))]


def test_split_measure_is_a_split_and_read_backwards_a_merge() -> None:
    long = TEXTS[8] + "；对荣获全国50强的企业，在推荐时给予指标直通资格，并组织专家提供辅导服务"
    old = with_paths([section(1, "提升创新能力", [measure(1, TEXTS[7]), measure(2, long)])])
    new = with_paths(
        [
            section(
                1,
                "提升创新能力",
                [
                    measure(1, TEXTS[7]),
                    measure(2, TEXTS[8]),
                    measure(
                        3,
                        "荣获全国50强。对荣获全国50强的企业，在推荐时给予指标直通资格，并组织专家提供辅导服务",
                    ),
                ],
            )
        ]
    )
    split = diff_clauses(old, new)
    assert kinds_of(split) == [("二", "二", (M, ChangeKind.SPLIT))]
    assert [p.label for p in split[0].parts] == ["三"]
    # and the merge is the same diff read backwards
    merged = diff_clauses(new, old)
    assert kinds_of(merged) == [("二", "二", (M, ChangeKind.MERGED))]
    assert [p.label for p in merged[0].parts] == ["三"]


def test_weak_match_in_another_section_is_removed_plus_added() -> None:
    old = numbered(BASE)
    # A measure rewritten beyond recognition and moved: not a "move".
    rewritten = "强化资金保障。统筹市区两级财政资金，对重点企业给予研发费用补贴和贷款贴息"
    new_sections = [(BASE[0][0], BASE[0][1][1:]), BASE[1], (BASE[2][0], [*BASE[2][1], rewritten])]
    changes = diff_clauses(old, numbered(new_sections))
    kinds = [c.kinds for c in changes]
    assert MV not in {k for ks in kinds for k in ks}
    assert (R,) in kinds and (A,) in kinds


def test_amount_change_summary_and_values() -> None:
    old = with_paths([measure(9, TEXTS[8], units=("市工业和信息化局",))])
    new_text = TEXTS[8].replace("30万元", "50万元")
    new = with_paths([measure(9, new_text, units=("市工业和信息化局", "市发展改革委"))])
    (change,) = diff_clauses(old, new)
    assert change.kinds == (M,)
    (amount,) = change.amounts
    assert amount.old == Amount(text="30万元", value=300000.0, unit="元")
    assert amount.new is not None and amount.new.text == "50万元"
    assert change.units_added == ("市发展改革委",)
    assert (
        change.summary == "（九）激发创新活力：最高由30万元提高至50万元；新增责任单位：市发展改革委"
    )
    assert (-1, "30万元") in change.redline and (1, "50万元") in change.redline


def test_amount_uses_parser_amounts_when_present() -> None:
    old = dataclasses.replace(
        measure(1, "对年产值达3亿以上的企业"), amounts=(Amount(text="3亿", value=3e8, unit="元"),)
    )
    new = measure(1, "对年产值达2亿元以上的企业")
    (change,) = diff_clauses(with_paths([old]), with_paths([new]))
    assert change.amounts[0].old == Amount(text="3亿", value=3e8, unit="元")
    assert change.amounts[0].new == Amount(text="2亿元", value=2e8, unit="元")
    assert "由3亿降低至2亿元" in change.summary


def test_articles_document() -> None:
    def article(n: int, text: str) -> Clause:
        return Clause(
            kind="article",
            label=chinese_numeral(n),
            number=n,
            level=2,
            path=(),
            heading=None,
            text=text,
        )

    texts = [
        "为了规范专项资金管理，提高资金使用效益，制定本办法。",
        "本办法所称专项资金，是指市财政预算安排的用于支持中小企业发展的资金。",
        "专项资金的使用应当遵循公开透明、突出重点、注重绩效的原则。",
        "市中小企业服务局负责专项资金的项目管理和绩效评价。",
        "市财政局负责专项资金的预算管理和资金拨付。",
    ]

    def chapters(arts: list[str]) -> tuple[Clause, ...]:
        kids = [article(i, t) for i, t in enumerate(arts, 1)]
        one = dataclasses.replace(section(1, "总则", kids[:3]), kind="chapter")
        two = dataclasses.replace(section(2, "职责分工", kids[3:]), kind="chapter")
        return with_paths([one, two])

    new_texts = [texts[0], texts[1], texts[3], texts[4].replace("预算管理", "预算管理、监督检查")]
    changes = diff_clauses(chapters(texts), chapters(new_texts))
    assert kinds_of(changes) == [
        ("三", None, (R,)),
        ("四", "三", (MV, RN)),
        ("五", "四", (M, RN)),
    ]
    assert changes[0].summary == "删除第三条“专项资金的使用应当遵循公开透明、突出重点、注重…”"
    assert changes[1].summary == "第三条：由第二章移至第一章；序号由第四条调整为第三条"
    assert changes[2].summary == "第四条：在“预算管理”后增加“监督检查”；序号由第五条调整为第四条"


def test_document_level_changes() -> None:
    old = PolicyDocument(
        title="若干措施（征求意见稿）", status=Status.DRAFT, clauses=numbered(BASE)
    )
    new = PolicyDocument(
        title="若干措施",
        status=Status.FINAL,
        doc_number="深工信规〔2022〕9号",
        effective="自2023年1月1日起施行，有效期五年",
        clauses=numbered(BASE),
    )
    result = diff_documents(old, new)
    assert result.changes == ()
    # Dropping the draft marker is the status change, not a title change.
    assert [(c.field, c.summary) for c in result.document_changes] == [
        ("status", "状态由“征求意见稿”调整为“正式稿”"),
        ("doc_number", "新增文号：深工信规〔2022〕9号"),
        ("effective", "新增施行期限：自2023年1月1日起施行，有效期五年"),
    ]


def test_title_changes_are_compared_as_the_policy_they_name() -> None:
    base = numbered(BASE)
    draft = PolicyDocument(title="若干措施（征求意见稿）", status=Status.DRAFT, clauses=base)
    notice = PolicyDocument(
        title="深圳市工业和信息化局关于印发《若干措施》的通知", status=Status.DRAFT, clauses=base
    )
    renamed = PolicyDocument(
        title="关于印发《若干新措施》的通知", status=Status.DRAFT, clauses=base
    )
    assert diff_documents(draft, notice).empty
    [change] = diff_documents(notice, renamed).document_changes
    assert change.field == "title" and change.new == "关于印发《若干新措施》的通知"


# --- properties -----------------------------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
_TEXT = st.text(_CJK, min_size=8, max_size=40).filter(lambda t: len(set(t)) >= 6)
_SECTIONS = st.lists(
    st.lists(_TEXT, min_size=1, max_size=6, unique=True), min_size=1, max_size=5
).filter(lambda ss: len({t for s in ss for t in s}) == sum(len(s) for s in ss))


@settings(max_examples=60, deadline=None)
@given(_SECTIONS)
def test_diff_of_a_tree_with_itself_is_empty(sections: list[list[str]]) -> None:
    tree = numbered([(f"第{i}部分标题", s) for i, s in enumerate(sections)])
    assert diff_clauses(tree, tree) == ()


@settings(max_examples=60, deadline=None)
@given(_SECTIONS, st.integers(min_value=1, max_value=7))
def test_renumbered_copy_reports_only_renumbering(sections: list[list[str]], shift: int) -> None:
    named = [(f"第{i}部分标题", s) for i, s in enumerate(sections)]
    changes = diff_clauses(numbered(named), numbered(named, start=1 + shift))
    assert changes and all(c.kinds == (RN,) for c in changes)
    assert len(changes) == sum(len(s) for s in sections)


def test_same_heading_elsewhere_with_other_text_is_not_a_move() -> None:
    old = numbered(BASE)
    other = "强化资金奖励。统筹市区两级财政资金，对重点企业给予研发费用补贴和贷款贴息"
    new_sections = [(BASE[0][0], BASE[0][1][1:]), BASE[1], (BASE[2][0], [*BASE[2][1], other])]
    kinds = [c.kinds for c in diff_clauses(old, numbered(new_sections))]
    assert all(MV not in k for k in kinds)
    assert (R,) in kinds and (A,) in kinds


def test_issuing_notice_title_is_the_policy_title() -> None:
    old = PolicyDocument(title="若干措施", status=Status.FINAL)
    new = PolicyDocument(title="市工业和信息化局关于印发《若干措施》的通知", status=Status.FINAL)
    assert diff_documents(old, new).empty


_EDIT = st.tuples(st.integers(0, 2), st.integers(0, 99), st.integers(0, 99), _TEXT)


@settings(max_examples=60, deadline=None)
@given(_SECTIONS, st.lists(_EDIT, max_size=6))
def test_edits_inside_sections_never_report_moves(
    sections: list[list[str]], edits: list[tuple[int, int, int, str]]
) -> None:
    edited = [list(s) for s in sections]
    for action, si, ci, text in edits:
        group = edited[si % len(edited)]
        k = ci % (len(group) + 1)
        if action == 0 and all(text not in g for g in [*edited, *sections]):
            group.insert(k, text)
        elif action == 1 and len(group) > 1:
            group.pop(k % len(group))
        elif action == 2:
            group[k % len(group)] = group[k % len(group)][:4] + text[:3] + group[k % len(group)][7:]
    old = numbered([(f"第{i}部分标题", s) for i, s in enumerate(sections)])
    new = numbered([(f"第{i}部分标题", s) for i, s in enumerate(edited)])
    changes = diff_clauses(old, new)
    assert all(MV not in c.kinds for c in changes)
    olds = [c.old.path for c in changes if c.old]
    news = [c.new.path for c in changes if c.new]
    assert len(olds) == len(set(olds)) and len(news) == len(set(news))


def test_dates_are_dates_not_amounts() -> None:
    old = dataclasses.replace(
        measure(1, "申报截止。于2023年6月30日前完成申报"), dates=("2023年6月30日",)
    )
    new = dataclasses.replace(
        measure(1, "申报截止。于2023年9月30日前完成申报"), dates=("2023年9月30日",)
    )
    (change,) = diff_clauses(with_paths([old]), with_paths([new]))
    assert change.kinds == (M,)
    assert change.amounts == ()
    assert change.dates_changed == (("2023年6月30日", "2023年9月30日"),)
    assert change.summary == "（一）申报截止：日期由2023年6月30日调整为2023年9月30日"
