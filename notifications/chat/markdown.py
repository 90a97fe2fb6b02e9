"""Chat messages from the message model emails use (`EmailView`), in each platform's markdown.

A chat message says what matters in a few lines: per policy its title, versions and link, the
topic section (与您关注的「企业融资」相关), document-level changes, then the effect groups
(资金与比例 first) one summary per line, renumberings collapsed; no redlines (the email and the
full change set carry them). Text from documents is neutralised (markdown and HTML signs become
their full-width forms, so a clause cannot inject a link or a `<font>` tag).

A new document's part is its card (`notifications.card.DocumentCard`): status, 文号 (or that a
draft has none yet), dates, where the consultation stands, the links to the notice page and the
file, how to comment, a short outline. A comment-deadline reminder (`reminder_message`) has its
own message: the deadline with the days left, how to submit, the links.

A message larger than the platform allows (`DIALECTS`: 企业微信 4,096 bytes, 钉钉 and 飞书 about
20 KB per request) is split at line boundaries into parts of at most `limit` bytes, each titled
`（续2/3）`; beyond `max_parts` the last part is cut and ends with the count of what was left
out and the link to the full change set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from notifications.card import DocumentCard
from notifications.render import Branding, EmailView, GroupView, PolicyView, one_line, safe_url
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


# The dialect of each `[[channel]] kind`: the bots post in it, the review UI previews in it.
DIALECTS: dict[str, Dialect] = {
    "wecom": Dialect(limit=4096),  # 企业微信: markdown.content up to 4,096 bytes
    # 钉钉 and 飞书 cap a request at 20,000 bytes; room is kept for the JSON around the text.
    "dingtalk": Dialect(limit=18000, line_end="  \n"),
    "feishu": Dialect(limit=18000, heading=""),  # the card's own header carries the title
    "apprise": Dialect(limit=20000),  # Apprise splits or cuts for the service itself
}
MAX_OUTLINE = 12  # top-level parts a chat card lists (the rest are counted)
MAX_UNITS = 6  # responsible units a chat card names (a phone screen; the email names 12)


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


def _days_left(card: DocumentCard) -> str:
    if card.days_left is None:
        return ""
    return "（今天截止）" if card.days_left <= 0 else f"（还有{card.days_left}天）"


def _consultation(card: DocumentCard) -> list[str]:
    """Where the consultation stands: open (deadline, days left), closed, or the final out."""
    if card.consultation == "open":
        return [f"**征求意见中：{text(card.deadline or '')}截止{_days_left(card)}**"]
    if card.consultation == "final":
        final = f"，{link('查看正式稿', card.final_url)}" if card.final_url else ""
        return [f"**征求意见已结束：正式稿已发布**{final}", "以下为征求意见稿的内容，仅供参考。"]
    if card.consultation == "closed":
        return [f"**征求意见已结束**（{text(card.deadline or '')}截止），不再接受反馈。"]
    return []


def feedback_lines(card: DocumentCard) -> list[str]:
    """How to comment: one line per channel the notice gives (e-mail, post, platform, fax)."""
    lines = []
    for ch in card.feedback:
        value = link(ch.value, ch.href) if ch.kind == "online" else text(ch.value)
        postcode = f"（邮编 {text(ch.postcode)}）" if ch.postcode else ""
        note = f"；{text(ch.note)}" if ch.note else ""
        lines.append(f"- {text(ch.label)}：{value}{postcode}{note}")
    return lines


def _links(card: DocumentCard, *, file_label: str = "文件下载") -> list[str]:
    lines = []
    if card.page_url:
        lines.append(link("通知原文" if card.file_url else "原文链接", card.page_url))
    if card.file_url:
        lines.append(link(file_label, card.file_url))
    return lines


def _outline(card: DocumentCard) -> list[str]:
    if not card.outline:
        return [f"文件结构：共 {card.clauses} 条"]
    clauses = sum(p.clauses for p in card.outline)
    lines = [f"文件结构：{len(card.outline)} 部分、共 {clauses} 条"]
    for part in card.outline[:MAX_OUTLINE]:
        lines.append(f"- {text(part.label)}{text(part.heading)}（{part.clauses}条）")
    if len(card.outline) > MAX_OUTLINE:
        lines.append(f"- ……另有{len(card.outline) - MAX_OUTLINE}部分")
    return lines


def card_lines(card: DocumentCard) -> list[str]:
    """A new document's card: status, 文号, dates, the consultation, links, how to comment,
    the outline, the figures and responsible units."""
    lines = _consultation(card)
    number = card.doc_number or ("征求意见稿尚未编号" if card.status == "征求意见稿" else None)
    lines.append(f"状态：{text(card.status)}" + (f" · 文号：{text(number)}" if number else ""))
    if card.issuer:
        lines.append(f"发布机关：{text(card.issuer)}")
    if card.published:
        lines.append(f"发布日期：{text(card.published)}")
    if card.effective:
        lines.append(f"施行：{text(card.effective)}")
    lines.extend(_links(card))
    if card.feedback and card.consultation == "open":
        lines.append("**如何反馈意见**")
        lines.extend(feedback_lines(card))
    lines.extend(_outline(card))
    if card.amounts:
        more = f" 等（另有{card.more_amounts}处）" if card.more_amounts else ""
        lines.append(f"涉及金额/比例：{text('、'.join(card.amounts))}{more}")
    if card.units:
        units, total = card.units[:MAX_UNITS], len(card.units) + card.more_units
        more = f" 等{total}个单位" if total > len(units) else ""
        lines.append(f"责任单位：{text('、'.join(units))}{more}")
    return lines


def policy_lines(policy: PolicyView, dialect: Dialect) -> list[str]:
    """The lines of one policy's part (the first is its title)."""
    lines = [f"{dialect.heading}【{text(policy.label)}】{text(policy.title)}"]
    if policy.card:
        lines.extend(card_lines(policy.card))
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
    more = "请查看完整修订对照" if view.report_url else "请查看原文"
    return split(text(subject), lines, tail, dialect, max_parts=max_parts, more=more)


def reminder_message(
    card: DocumentCard,
    subject: str,
    dialect: Dialect,
    *,
    branding: Branding,
    max_parts: int = 3,
) -> ChatMessage:
    """The comment-deadline reminder of a draft: the deadline and the days left, how to
    submit (or that the notice names no channel), the links to the notice and the draft."""
    number = card.doc_number or "征求意见稿尚未编号"
    lines = [
        f"{dialect.heading}【征求意见即将截止】{text(card.title)}",
        f"**意见反馈截止日期：{text(card.deadline or '')}{_days_left(card)}**",
        f"状态：{text(card.status)} · 文号：{text(number)}",
        "**如何反馈意见**",
    ]
    lines.extend(feedback_lines(card) or ["通知未列明反馈方式，请按通知原文的要求提交意见。"])
    lines.extend(_links(card, file_label="征求意见稿下载"))
    tail = ["本提醒只发送一次；若正式稿先行发布，则不再提醒。", text(branding.footer_text)]
    return split(text(subject), lines, tail, dialect, max_parts=max_parts, more="请查看通知原文")


def _size(lines: list[str], dialect: Dialect) -> int:
    return len(dialect.line_end.join(lines).encode("utf-8"))


def split(
    title: str,
    lines: list[str],
    tail: list[str],
    dialect: Dialect,
    *,
    max_parts: int,
    more: str = "请查看完整修订对照",
) -> ChatMessage:
    """Pack `lines` into parts of at most `dialect.limit` bytes; `tail` ends the last part
    (beyond `max_parts`, the last part says how many lines were left out, and `more`)."""
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
    while (
        len(last) > 1 and _size([*last, *_left(left, more), *tail, _MARK], dialect) > dialect.limit
    ):
        last.pop()
        left += 1
    last.extend([*_left(left, more), *tail])
    return ChatMessage(title=title, parts=_numbered(kept, dialect), truncated=True)


_MARK = "（续00/00）"  # room for the part number


def _left(count: int, more: str) -> list[str]:
    return [f"……另有{count}行未显示，{more}。"] if count else []


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
