"""Lineage: rendition keys, normalised titles, draft/final linking by similarity."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.check.lineage import canonical_url, norm_title, rendition_key, same_policy, tree_hash
from parsers import parse_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZJTX = "深圳市关于促进专精特新企业高质量发展的若干措施"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://gxj.sz.gov.cn/xxgk/xxgkml/qt/tzgg/content/post_9886501.html", "post:9886501"),
        ("https://gxj.sz.gov.cn/gkmlpt/content/12/12602/mpost_12602272.html#3115", "post:12602272"),
        ("http://gxj.sz.gov.cn/postmeta/p/10/10358/10358920.json", "post:10358920"),
        (
            "https://GXJ.sz.gov.cn/attachment/0/98/98865/9886501.docx#x",
            "http://gxj.sz.gov.cn/attachment/0/98/98865/9886501.docx",
        ),
    ],
)
def test_rendition_keys(url: str, key: str) -> None:
    assert rendition_key(url) == key


def test_canonical_url_folds_variants() -> None:
    a = canonical_url("https://gxj.sz.gov.cn/gkmlpt/content/1/1/mpost_1.html?jump=true#3115")
    assert a == "http://gxj.sz.gov.cn/gkmlpt/content/1/1/post_1.html"


@pytest.mark.parametrize(
    "title",
    [
        "关于公开征求《深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）》意见的通告",
        "深圳市工业和信息化局关于印发《深圳市关于促进专精特新企业高质量发展的若干措施》的通知",
        "深圳市关于促进专精特新企业高质量发展的若干措施(征求意见稿)",
        "深圳市关于促进专精特新企业高质量发展的若干措施",
    ],
)
def test_norm_title_strips_wrappers_and_draft_marks(title: str) -> None:
    assert norm_title(title) == ZJTX


def test_draft_and_final_are_one_policy_but_not_another() -> None:
    draft = parse_path(FIXTURES / "site/2022-06-20/attachment/0/98/98865/9886501.docx")
    final = parse_path(
        FIXTURES / "site/2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
    )
    other = parse_path(
        FIXTURES / "site/2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/202002/t20200209_19005892.htm"
    )
    assert same_policy(ZJTX, draft, ZJTX, final)
    assert not same_policy(ZJTX, other, ZJTX, final)  # same title would not be enough


def test_tree_hash_is_equal_across_renditions_and_sees_the_correction() -> None:
    day = FIXTURES / "site/2022-12-30"
    gkmlpt = parse_path(day / "gkmlpt/content/10/10358/post_10358920.html")
    feed = parse_path(day / "postmeta/p/10/10358/10358920.json")
    page = parse_path(day / "xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html")
    assert tree_hash(gkmlpt) == tree_hash(feed) == tree_hash(page)
    fixed = parse_path(FIXTURES / "site/2023-03-01/gkmlpt/content/10/10358/post_10358920.html")
    assert tree_hash(fixed) != tree_hash(gkmlpt)
