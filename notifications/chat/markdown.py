"""Chat messages from the message model emails use (`EmailView`), in each platform's markdown.

A chat message says what matters in a few lines: per policy its title, versions and link, the
topic section (与您关注的「企业融资」相关), document-level changes, then the effect groups
(资金与比例 first) one summary per line, renumberings collapsed; no redlines (the email and the
full change set carry them). Text from documents is neutralised (markdown and HTML signs become
their full-width forms, so a clause cannot inject a link or a `<font>` tag).

A message larger than the platform allows (企业微信 4,096 bytes, 钉钉 and 飞书 about 20 KB per
request) is split at line boundaries into parts of at most `limit` bytes, each titled
`（续2/3）`; beyond `max_parts` the last part is cut and ends with the count of what was left
out and the link to the full change set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from notifications.render import EmailView, GroupView, PolicyView, one_line, safe_url
from parsers.model import OCR_CAUTION
from parsers.summary import chinese_numeral

# Markdown and HTML signs -> full-width look-alikes (Chinese text reads the same).
_NEUTRAL = str.maketrans({"[": "［", "]": "］", "*": "＊", "_": "＿", "<": "＜", ">": "＞",
                          "`": "｀", "#": "＃", "~": "～", "|": "｜"})  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """How one platform writes markdown and how much it takes."""

    limit: int  # bytes (UTF-8) of one message's text
    heading: str = "### "  # before a policy's title ("" where headings do not render)
    line_end: str = "\n"  # 钉钉 needs a blank line (or two spaces) to break a line


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage:
    """What one notification posts: a title (notification preview) and one or more parts."""

    title: str
    parts: tuple[str, ...]
    truncated: bool = False


def text(value: str) -> str:
    """Document text made inert in markdown (one line, no markup signs)."""
    return one_line(value).translate(_NEUTRAL)


def link(label: str, url: str | None) -> str:
    """`[label](url)`, or the label alone when the URL is not a plain http(s) one."""
    safe = safe_url(url)
    return f"[{text(label)}]({safe})" if safe else text(label)


def _groups(groups: tuple[GroupView, ...]) -> Iterator[str]:
    for n, group in enumerate(groups, 1):
        yield f"**{chinese_numeral(n)}、{text(group.title)}（{group.count}）**"
        for change in group.changes:
            yield f"- {text(change.summary)}"
        for line in group.lines:
            yield f"- {text(line)}"


def policy_lines(policy: PolicyView, dialect: Dialect) -> list[str]:
    """The lines of one policy's part (the first is its title)."""
    lines = [f"{dialect.heading}【{text(policy.label)}】{text(policy.title)}"]
    if policy.doc_number:
        lines.append(f"文号：{text(policy.doc_number)}")
    if policy.deadline:
        lines.append(f"**意见反馈截止日期：{text(policy.deadline)}**")
    if policy.versions:
        lines.append(f"版本：{text(policy.versions)}")
    if policy.ocr:
        lines.append(f"**注意：{OCR_CAUTION}。**")
    if policy.url:
        lines.append(link("查看原文", policy.url))
    if policy.topic:
        lines.append(f"**与您关注的{text(policy.topic.named)}相关**")
        if policy.topic.groups:
            lines.extend(_groups(policy.topic.groups))
        else:
            lines.append(f"本次变化不涉及{text(policy.topic.named)}相关条款。")
    if policy.notes:
        lines.append("**文件信息变化**")
        lines.extend(f"- {text(n)}" for n in policy.notes)
    if policy.groups:
        lines.append(f"**变化摘要（{policy.count}处条款变化）**")
        lines.extend(_groups(policy.groups))
    if policy.others:
        lines.append("**本次其他变化**")
        lines.extend(_groups(policy.others))
    return lines


def chat_message(
    view: EmailView, subject: str, dialect: Dialect, *, max_parts: int = 3
) -> ChatMessage:
    """The message of `view` in `dialect`, split (or cut, with a link) to fit its limit."""
    lines = [text(view.heading)]
    for policy in view.policies:
        lines.extend(policy_lines(policy, dialect))
    tail = []
    if view.report_url:
        tail.append(link("查看完整修订对照", view.report_url))
    tail.append(text(view.branding.footer_text))
    return split(text(subject), lines, tail, dialect, max_parts=max_parts)


def _size(lines: list[str], dialect: Dialect) -> int:
    return len(dialect.line_end.join(lines).encode("utf-8"))


def split(
    title: str, lines: list[str], tail: list[str], dialect: Dialect, *, max_parts: int
) -> ChatMessage:
    """Pack `lines` into parts of at most `dialect.limit` bytes; `tail` ends the last part."""
    parts = _pack([_fit(line, dialect.limit - 64) for line in lines], dialect)
    if len(parts) <= max_parts:
        if _size([*parts[-1], *tail, _MARK], dialect) <= dialect.limit:
            parts[-1].extend(tail)
        else:
            parts.append(list(tail))
        if len(parts) <= max_parts:
            return ChatMessage(title=title, parts=_numbered(parts, dialect))
        parts.pop()  # the tail alone went over: cut the last lines for it below
    kept = parts[:max_parts]
    left = sum(len(p) for p in parts[max_parts:])
    last = kept[-1]
    while len(last) > 1 and _size([*last, *_left(left), *tail, _MARK], dialect) > dialect.limit:
        last.pop()
        left += 1
    last.extend([*_left(left), *tail])
    return ChatMessage(title=title, parts=_numbered(kept, dialect), truncated=True)


_MARK = "（续00/00）"  # room for the part number


def _left(count: int) -> list[str]:
    return [f"……另有{count}行未显示，请查看完整修订对照。"] if count else []


def _pack(lines: list[str], dialect: Dialect) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for line in lines:
        if parts[-1] and _size([*parts[-1], line, _MARK], dialect) > dialect.limit:
            parts.append([])
        parts[-1].append(line)
    return parts


def _fit(line: str, budget: int) -> str:
    raw = line.encode("utf-8")
    if len(raw) <= budget:
        return line
    return raw[: budget - 3].decode("utf-8", "ignore") + "…"


def _numbered(parts: list[list[str]], dialect: Dialect) -> tuple[str, ...]:
    if len(parts) == 1:
        return (dialect.line_end.join(parts[0]),)
    total = len(parts)
    out = []
    for n, part in enumerate(parts, 1):
        head = [] if n == 1 else [f"（续{n}/{total}）"]
        out.append(dialect.line_end.join([*head, *part]))
    return tuple(out)
