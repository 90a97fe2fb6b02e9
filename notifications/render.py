"""Emails in Simplified Chinese from the package's Jinja templates.

One `Environment` factory (`create_environment`): `ImmutableSandboxedEnvironment`, autoescape on
for `*.html.j2`, templates loaded from `notifications/templates/` only (never from the network or
the database). Views are plain frozen records built here; subjects are built in Python so that
they are one line whatever a page's title contains.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import PackageLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from notifications.card import DocumentCard, document_card
from notifications.grouping import Group, group_changes
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.text import chinese_date as chinese_date  # re-exported (older imports)
from notifications.text import one_line as one_line
from notifications.text import safe_url as safe_url
from parsers.model import OCR_CAUTION, ChangeKind, ClauseChange, PolicyDocument, Status
from parsers.records import Cadence, ChangeSetKind, StoredChange
from parsers.summary import chinese_numeral, ref_label

MAX_SUBJECT = 180  # characters; mail clients cut long subjects anyway


@functools.cache
def create_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment of policywatch's emails (sandboxed, autoescaped HTML)."""
    env = ImmutableSandboxedEnvironment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["numeral"] = chinese_numeral  # 一、二、 before the effect groups
    env.globals["OCR_CAUTION"] = OCR_CAUTION
    return env


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeView:
    """One change as the templates show it."""

    summary: str
    location: str
    kinds: str
    redline: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupView:
    """One effect group (资金与比例, 新增措施...): its changes and one-line notes."""

    title: str
    changes: tuple[ChangeView, ...] = ()
    lines: tuple[str, ...] = ()  # collapsed renumberings

    @property
    def count(self) -> int:
        """How many items the group lists."""
        return len(self.changes) + len(self.lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicView:
    """A topic subscriber's first section: 与您关注的「企业融资」相关."""

    topics: tuple[str, ...]
    groups: tuple[GroupView, ...]  # exactly the changes that matched (may be empty)

    @property
    def named(self) -> str:
        """「企业融资」「人才」."""
        return "".join(f"「{t}」" for t in self.topics)


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyView:
    """One policy's part of a message (email or chat): title, links, deadline, changes.

    `changes` are the subscriber's changes in the order `groups` shows them; `topic` is set for
    a subscriber who chose topics or keywords, and `others` then holds the rest of the change
    set, one line each.
    """

    title: str
    label: str  # 条款变化 / 新政策征求意见 / 新政策发布 / 状态变化
    url: str | None
    old_url: str | None
    doc_number: str | None
    deadline: str | None
    notes: tuple[str, ...]  # document-level changes and status events
    changes: tuple[ChangeView, ...]
    groups: tuple[GroupView, ...] = ()
    topic: TopicView | None = None
    others: tuple[GroupView, ...] = ()
    versions: str | None = None  # 征求意见稿（2022年6月20日）→ 正式稿（2022年12月30日）
    count: int = 0  # clause changes the subscriber's part covers (renumberings included)
    ocr: bool = False  # a version's text was read by OCR: the part carries `OCR_CAUTION`
    card: DocumentCard | None = None  # a new document: the card says 文号, dates, how to comment


@dataclass(frozen=True, slots=True, kw_only=True)
class Branding:
    """Who sends (`[notifications] organisation`, `footer`): the same in emails and chats."""

    organisation: str = ""
    footer: str = ""

    @property
    def sender(self) -> str:
        """`某某咨询` or policywatch."""
        return self.organisation or "policywatch"

    @property
    def noticed(self) -> str:
        """`某某咨询监测到` (`policywatch 监测到`: a space after a Latin name)."""
        sender = self.sender
        return f"{sender} 监测到" if sender[-1:].isascii() else f"{sender}监测到"

    @property
    def footer_text(self) -> str:
        """The footer line: the configured one, else who sent it and that the original rules."""
        if self.footer:
            return one_line(self.footer)
        sender = f" {self.sender} " if self.sender.isascii() else self.sender
        return f"本消息由{sender}自动发送，内容以原文为准。"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailView:
    """Everything a template gets: the message model of an email AND of a chat message."""

    name: str
    heading: str
    policies: tuple[PolicyView, ...]
    unsubscribe_url: str
    digest: bool
    branding: Branding = Branding()
    report_url: str | None = None  # the full change set (a chat message too long is cut here)


def _location(change: ClauseChange) -> str:
    ref = change.new or change.old
    if ref is None:
        return ""
    if ref.kind in ("part", "chapter", "division", "article"):  # 第三条, not 三、
        return one_line(ref_label(ref) + (ref.heading or ""))
    label = f"（{ref.label}）" if len(ref.path) > 1 else f"{ref.label}、"
    return one_line(label + (ref.heading or ""))


def change_view(stored: StoredChange, summary: str | None = None) -> ChangeView:
    """A stored change (reviewer's summary wins) as the templates show it."""
    change = stored.change
    return ChangeView(
        summary=one_line(summary if summary is not None else stored.summary),
        location=_location(change),
        kinds="、".join(k.label_zh for k in change.kinds),
        redline=_redline(change),
    )


def _redline(change: ClauseChange) -> tuple[tuple[int, str], ...]:
    """The differ's redline; a whole added/removed clause shows as one insertion/deletion."""
    if change.redline:
        return change.redline
    if ChangeKind.ADDED in change.kinds and change.new_text:
        return ((1, change.new_text),)
    if ChangeKind.REMOVED in change.kinds and change.old_text:
        return ((-1, change.old_text),)
    return ()


def _label(ctx: ChangeSetContext) -> str:
    kind = ctx.change_set.kind
    if kind is ChangeSetKind.NEW_DOCUMENT:
        if ctx.consultation_closed:
            return "征求意见已结束"
        return "新政策征求意见" if ctx.deadline is not None else "新政策发布"
    if kind is ChangeSetKind.STATUS:
        return "政策状态变化"
    return "政策变更"


def group_views(changes: Sequence[StoredChange]) -> tuple[GroupView, ...]:
    """`changes` grouped by effect (`notifications.grouping`), as the templates show them."""
    return tuple(_group_view(g) for g in group_changes(changes))


def _group_view(group: Group) -> GroupView:
    return GroupView(
        title=group.title,
        changes=tuple(
            change_view(s, summary)
            for s, summary in zip(group.changes, group.summaries, strict=True)
        ),
        lines=tuple(one_line(line) for line in group.lines),
    )


_STATUS_NAMES = {
    Status.DRAFT: "征求意见稿",
    Status.FINAL: "正式稿",
    Status.EXPIRED: "已失效",
    Status.ABOLISHED: "已废止",
}


def version_label(
    doc: PolicyDocument | None,
    seen: dt.date | None,
    *,
    previous: PolicyDocument | None = None,
) -> str:
    """`征求意见稿（2022年6月20日）`: a version named by its status and its date (published, else
    when it was seen); a version that only corrects the `previous` one (same status, same
    published date) is named by the day it was seen: `正式稿（2023年3月1日修订）`."""
    if doc is None:
        return f"版本（{chinese_date(seen)}）" if seen else "版本"
    name = _STATUS_NAMES.get(doc.status, "版本")
    corrects = previous is not None and previous.status is doc.status
    if corrects and seen is not None and previous and previous.published == doc.published:
        return f"{name}（{chinese_date(seen)}修订）"
    day = doc.published or seen
    return f"{name}（{chinese_date(day)}）" if day else name


def _versions(ctx: ChangeSetContext) -> str | None:
    if ctx.old is None or ctx.new is None:
        return None
    old = version_label(ctx.old, ctx.old_seen)
    return f"{old} → {version_label(ctx.new, ctx.new_seen, previous=ctx.old)}"


def policy_view(
    ctx: ChangeSetContext,
    changes: Sequence[StoredChange],
    *,
    topics: Sequence[str] = (),
    others: Sequence[StoredChange] = (),
) -> PolicyView:
    """One change set's part of a message, limited to `changes` (the subscriber's); with
    `topics`, a first section names them and `others` lists the rest in one line each."""
    notes = [one_line(d.summary) for d in ctx.change_set.diff.document_changes]
    if ctx.change_set.kind is ChangeSetKind.STATUS and ctx.change_set.note:
        notes.append(one_line(ctx.change_set.note))
    new = ctx.new
    groups = group_views(changes)
    topic = TopicView(topics=tuple(one_line(t) for t in topics), groups=groups) if topics else None
    card = document_card(ctx) if ctx.change_set.kind is ChangeSetKind.NEW_DOCUMENT else None
    return PolicyView(
        title=one_line(ctx.title),
        label=_label(ctx),
        url=safe_url(ctx.url) if card is None else None,  # the card links page and file
        old_url=safe_url(ctx.old_url) if ctx.old_url != ctx.url else None,
        doc_number=new.doc_number if new and card is None else None,
        deadline=chinese_date(ctx.deadline)
        if ctx.deadline and ctx.open_for_comment and card is None
        else None,
        notes=tuple(notes),
        changes=tuple(c for g in groups for c in g.changes),
        groups=() if topic else groups,
        topic=topic,
        others=group_views(others) if topic else (),
        versions=_versions(ctx),
        count=len(changes),
        card=card,
        ocr=ctx.ocr,
    )


def change_set_subject(ctx: ChangeSetContext, changes: Sequence[StoredChange]) -> str:
    """`【政策变更】<title>：17处条款变化`, `【新政策征求意见】<title>（截止2022年7月20日）`..."""
    title = one_line(ctx.title)
    label = _label(ctx)
    new_document = ctx.change_set.kind is ChangeSetKind.NEW_DOCUMENT
    if new_document and ctx.consultation_closed:
        subject = f"【{label}】{title}（{'正式稿已发布' if ctx.final_url else '意见征集已截止'}）"
    elif ctx.deadline is not None and new_document:
        subject = f"【{label}】{title}（截止{chinese_date(ctx.deadline)}）"
    elif ctx.change_set.kind is ChangeSetKind.NEW_DOCUMENT:
        subject = f"【{label}】{title}"
    elif ctx.change_set.kind is ChangeSetKind.STATUS:
        subject = f"【{label}】{title}：{one_line(ctx.change_set.note or '状态更新')}"
    elif changes:
        subject = f"【{label}】{title}：{len(changes)}处条款变化"
    else:
        notes = sorted(ctx.change_set.diff.document_changes, key=lambda d: d.field != "status")
        subject = f"【{label}】{title}：{one_line(notes[0].summary) if notes else '内容更新'}"
    return subject[:MAX_SUBJECT]


def digest_subject(cadence: Cadence, day: dt.date, policies: int) -> str:
    """`【政策动态每日汇总】2022年12月30日：3项政策有变化`."""
    period = "每周" if cadence is Cadence.WEEKLY else "每日"
    return f"【政策动态{period}汇总】{chinese_date(day)}：{policies}项政策有变化"


@functools.lru_cache(maxsize=256)
def render_policy(policy: PolicyView, kind: str) -> str:
    """One policy's part (`html` or `txt`), rendered once and shared by every recipient."""
    return create_environment().get_template(f"_policy.{kind}.j2").render(policy=policy)


def render_email(subject: str, view: EmailView) -> RenderedEmail:
    """Render the text and HTML parts of an email."""
    env = create_environment()
    # The policy parts are escaped HTML already (autoescaped templates): mark them safe.
    html_parts = [Markup(render_policy(p, "html")) for p in view.policies]
    text_parts = [render_policy(p, "txt") for p in view.policies]
    return RenderedEmail(
        subject=one_line(subject)[:MAX_SUBJECT],
        text=env.get_template("email.txt.j2").render(email=view, subject=subject, parts=text_parts),
        html=env.get_template("email.html.j2").render(
            email=view, subject=subject, parts=html_parts
        ),
    )
