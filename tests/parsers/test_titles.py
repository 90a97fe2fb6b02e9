"""Policy titles: wrappers and draft markers are not part of a policy's name."""

from __future__ import annotations

import pytest

from parsers.titles import policy_title, title_key, unwrap_title

ZJTX = "深圳市关于促进专精特新企业高质量发展的若干措施"


@pytest.mark.parametrize(
    "title",
    [
        ZJTX,
        f"{ZJTX}（征求意见稿）",
        f"{ZJTX}(征求意见稿)",
        f"深圳市工业和信息化局关于印发《{ZJTX}》的通知",
        f"深圳市工业和信息化局关于公开征求《{ZJTX}（征求意见稿）》意见的通告",
        f"关于征求《{ZJTX}（修订草案）》意见的函",
        f"《{ZJTX}》",
    ],
)
def test_every_wrapping_names_the_same_policy(title: str) -> None:
    assert policy_title(title) == ZJTX
    assert title_key(title) == title_key(ZJTX)


def test_unwrap_keeps_the_draft_marker() -> None:
    assert (
        unwrap_title(f"关于公开征求《{ZJTX}（征求意见稿）》意见的通告") == f"{ZJTX}（征求意见稿）"
    )


def test_other_titles_stay_apart() -> None:
    assert title_key("深圳市专精特新中小企业遴选办法") != title_key(ZJTX)
    assert title_key(None) == ""
