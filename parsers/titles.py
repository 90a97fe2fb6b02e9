"""Policy titles: the policy's own name inside the notices and drafts that carry it.

`深圳市工业和信息化局关于印发《X》的通知`, `关于公开征求《X（征求意见稿）》意见的通告` and
`X（征求意见稿）` all name the policy X. Lineage, the differ and the documents list use this.
"""

from __future__ import annotations

import re

from parsers.hanzi import simplified

# Title wrappers (regexes over Chinese titles), applied in order: consultation notices,
# issuing notices, bare book-title marks.
_WRAPPERS = (
    re.compile(r"关于(?:公开)?征求《(?P<t>.+)》(?:的)?意见的(?:通告|通知|公告|函)$"),
    re.compile(r"(?:关于)?(?:印发|发布|公布)《(?P<t>.+)》的(?:通知|通告|公告|决定)$"),
    re.compile(r"^《(?P<t>.+)》$"),
)
# Draft markers: （征求意见稿）, (草案), （修订草案）, （送审稿）...
_DRAFT_MARK = re.compile(r"\s*[（(](?:修订)?(?:征求意见稿|草案|送审稿|草稿)[)）]\s*")
_NOISE = re.compile(r"[\s\u3000《》“”\"'、，,。.（）()·:：]")


def unwrap_title(title: str) -> str:
    """The policy named by a notice's title (`关于印发《X》的通知` -> X); else the title.

    A Traditional title (`關於印發《X》的通知`) is read, and returned, in Simplified form."""
    text = simplified(title.strip())
    for wrapper in _WRAPPERS:
        found = wrapper.search(text)
        if found:
            text = found.group("t").strip()
    return text


def policy_title(title: str) -> str:
    """The policy's name without wrappers or draft markers: what a client calls it."""
    return _DRAFT_MARK.sub("", unwrap_title(title)).strip()


def title_key(title: str | None) -> str:
    """`policy_title` with punctuation and spaces dropped: equal keys name one policy."""
    return _NOISE.sub("", policy_title(title or ""))
