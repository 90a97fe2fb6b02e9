"""Formulaic articles by role (施行, 解释, 参照执行, referral to other laws), and the formulas
of legal Chinese that show nothing about which article is which.

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


# Boilerplate of penalty and referral clauses (canonical text: no punctuation). Found in
# articles that have nothing else in common, they are no evidence that two articles are one.
_FORMULAS = re.compile(
    "|".join(
        (
            r"违反本(?:法|条例|规定|办法|细则)(?:第[一二三四五六七八九十百零]+条)?"
            r"(?:第[一二三四五六七八九十]+款)?(?:的)?规定",
            r"构成犯罪的依法追究刑事责任",
            r"(?:构成违反治安管理行为的|违反治安管理规定的)(?:由公安机关)?依法给予治安管理处罚",
            r"(?:对)?(?:直接负责的主管人员|负有责任的(?:主管|领导)人员)和其他直接责任人员"
            r"(?:依法)?(?:给予)?(?:行政)?处分",
            r"依法给予(?:行政)?处分",
            r"法律行政法规另有规定的(?:从其|依照其)规定",
            r"按照国家有关规定",
            r"有下列(?:情形|行为)之一的",
            r"情节严重的",
            r"造成人身损害或者财产损失的依法承担民事责任",
        )
    )
)


def without_formulas(key: str) -> str:
    """Canonical text with the formulas of legal Chinese taken out."""
    return _FORMULAS.sub("", key)
