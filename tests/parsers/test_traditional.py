"""A Traditional-character repost is the same policy: no change; the text stays as published."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from parsers.align import canonical
from parsers.diff import diff_documents
from parsers.model import ChangeKind, PolicyDocument
from parsers.titles import title_key


@pytest.fixture(scope="module")
def simplified_first_measures(fixtures: Path) -> PolicyDocument:
    """The seed article up to its third section: sections 01-02, measures （一）-（七）."""
    seed = (fixtures / "texts/seed-article.txt").read_text(encoding="utf-8")
    return parsers.parse_text(seed[: seed.index("03 提升企业创新能力")])


@pytest.fixture(scope="module")
def traditional_repost(fixtures: Path) -> str:
    """The same measures as a Taiwan/Hong Kong site reposts them: Traditional characters,
    「」 quotes, full-width punctuation, 臺 for 台, an 爲 beside 為 (texts/seed-traditional.txt)."""
    return (fixtures / "texts/seed-traditional.txt").read_text(encoding="utf-8")


def test_a_traditional_repost_of_the_first_measures_is_no_change(
    simplified_first_measures: PolicyDocument, traditional_repost: str
) -> None:
    repost = parsers.parse_text(traditional_repost)
    assert len(repost.walk()) == len(simplified_first_measures.walk()) == 9
    assert repost.status == simplified_first_measures.status == parsers.model.Status.DRAFT
    assert diff_documents(simplified_first_measures, repost).empty
    assert diff_documents(repost, simplified_first_measures).empty


def test_the_repost_keeps_its_own_characters(traditional_repost: str) -> None:
    repost = parsers.parse_text(traditional_repost)
    first = repost.clauses[0].children[0]
    assert first.heading == "強化資金獎勵"
    assert "「小巨人」企業" in first.text
    assert first.responsible_units[0] == "市工業和信息化局"


def test_a_real_change_in_a_repost_is_still_found(
    simplified_first_measures: PolicyDocument, traditional_repost: str
) -> None:
    edited = traditional_repost.replace("二分之一", "三分之一")
    changes = diff_documents(simplified_first_measures, parsers.parse_text(edited)).changes
    assert [(c.kinds, c.new.path if c.new else None) for c in changes] == [
        ((ChangeKind.MODIFIED,), ("二", "五"))
    ]


def test_titles_and_keys_fold_variants() -> None:
    assert title_key("關於印發《深圳市促進專精特新企業發展若干措施》的通知") == title_key(
        "关于印发《深圳市促进专精特新企业发展若干措施》的通知"
    )
    assert canonical("臺灣平臺、台灣平台") == canonical("台湾平台、台湾平台")
    assert canonical("看著") == canonical("看着")
    assert canonical("著作") == "著作"  # a Simplified word that only looks Traditional


def test_traditional_article_numbering_builds_the_same_tree() -> None:
    simplified = parsers.parse_text(
        "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。"
    )
    traditional = parsers.parse_text(
        "第一章 總則\n第一條 為了規範管理，制定本辦法。\n第二條 本辦法適用於全市。"
    )
    assert [c.path for c in traditional.walk()] == [c.path for c in simplified.walk()]
    assert traditional.walk()[1].text == "為了規範管理，制定本辦法"
    assert diff_documents(simplified, traditional).empty


def test_the_gb2312_shortcut_knows_every_character_opencc_converts() -> None:
    import opencc

    from parsers.hanzi import CONFIG, CONVERTED_IN_GB2312

    codes = (bytes([hi, lo]) for hi in range(0xA1, 0xF8) for lo in range(0xA1, 0xFF))
    chars = []
    for code in codes:
        try:
            chars.append(code.decode("gb2312"))
        except UnicodeDecodeError:
            continue
    converted = opencc.OpenCC(CONFIG).convert("\n".join(chars)).split("\n")
    assert (
        "".join(c for c, o in zip(chars, converted, strict=True) if c != o) == CONVERTED_IN_GB2312
    )
