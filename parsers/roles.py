"""Formulaic articles by role: 施行, 解释, 参照执行, referral to other laws.

Such an article is rewritten freely from one version to the next (本条例自2008年1月1日起施行 ->
本条例自2024年5月1日起施行; 本办法由市财政局负责解释 -> 本办法由市工业和信息化局负责解释) while
its role stays: when each side has exactly one free article of a role, they are the same one.
"""

from __future__ import annotations

import re
from collections import defaultdict

from parsers.align import Alignment, Node, canonical

ROLE_SCORE = 0.3  # the score recorded for a pair made by role

# Roles of formulaic articles (regexes over canonical text, punctuation dropped).
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("effective", re.compile(r"^本[\u4e00-\u9fff]{1,6}?(?:自|从|于).{0,30}(?:施行|实施|生效)")),
    ("interpretation", re.compile(r"^本[\u4e00-\u9fff]{1,6}?由.{1,40}负责解释")),
    ("reference", re.compile(r"参照本[\u4e00-\u9fff]{1,6}?(?:执行|施行|实施)")),
    ("referral", re.compile(r"法律.{0,4}法规.{0,24}(?:处罚|处理).{0,30}(?:从其规定|依法予以处罚)")),
)


def role_of(text: str) -> str | None:
    """The role of a formulaic article (`effective`, `interpretation`, ...), from its text."""
    key = canonical(text)
    return next((name for name, pattern in _ROLES if pattern.search(key)), None)


def match_roles(result: Alignment) -> None:
    """Pair the one free article of a role on each side (phase 5)."""
    olds: dict[str, list[Node]] = defaultdict(list)
    news: dict[str, list[Node]] = defaultdict(list)
    for side, nodes in ((olds, result.free_old()), (news, result.free_new())):
        for node in nodes:
            if node.group == "article" and (role := role_of(node.whole)):
                side[role].append(node)
    for role, found in olds.items():
        if len(found) == 1 and len(news.get(role, ())) == 1:
            result.link(found[0].index, news[role][0].index, ROLE_SCORE)
