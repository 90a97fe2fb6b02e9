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
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.text import chinese_date as chinese_date  # re-exported (older imports)
from notifications.text import one_line as one_line
from notifications.text import safe_url as safe_url
from parsers.model import ChangeKind, ClauseChange
from parsers.records import Cadence, ChangeSetKind, StoredChange

_KIND_NAMES = {
    ChangeKind.ADDED: "新增",
    ChangeKind.REMOVED: "删除",
    ChangeKind.MODIFIED: "修改",
    ChangeKind.MOVED: "移动",
    ChangeKind.RENUMBERED: "调整序号",
}
MAX_SUBJECT = 180  # characters; mail clients cut long subjects anyway


@functools.cache
def create_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment of policywatch's emails (sandboxed, autoescaped HTML)."""
    return ImmutableSandboxedEnvironment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeView:
    """One change as the templates show it."""

    summary: str
    location: str
    kinds: str
    redline: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyView:
    """One policy's part of an email: title, links, deadline, document and clause changes."""

    title: str
    label: str  # 条款变化 / 新政策征求意见 / 新政策发布 / 状态变化
    url: str | None
    old_url: str | None
    doc_number: str | None
    deadline: str | None
    notes: tuple[str, ...]  # document-level changes and status events
    changes: tuple[ChangeView, ...]
    card: DocumentCard | None = None  # a new document: the card says 文号, dates, how to comment


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailView:
    """Everything a template gets."""

    name: str
    heading: str
    policies: tuple[PolicyView, ...]
    unsubscribe_url: str
    digest: bool


def _location(change: ClauseChange) -> str:
    ref = change.new or change.old
    if ref is None:
        return ""
    label = f"（{ref.label}）" if len(ref.path) > 1 else f"{ref.label}、"
    return one_line(label + (ref.heading or ""))


def change_view(stored: StoredChange) -> ChangeView:
    """A stored change (reviewer's summary wins) as the templates show it."""
    change = stored.change
    return ChangeView(
        summary=one_line(stored.summary),
        location=_location(change),
        kinds="、".join(_KIND_NAMES[k] for k in change.kinds),
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


def policy_view(ctx: ChangeSetContext, changes: Sequence[StoredChange]) -> PolicyView:
    """One change set's part of an email, limited to `changes` (the subscriber's)."""
    notes = [one_line(d.summary) for d in ctx.change_set.diff.document_changes]
    if ctx.change_set.kind is ChangeSetKind.STATUS and ctx.change_set.note:
        notes.append(one_line(ctx.change_set.note))
    new = ctx.new
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
        changes=tuple(change_view(c) for c in changes),
        card=card,
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


def digest_policies(
    items: Sequence[tuple[ChangeSetContext, Sequence[StoredChange]]],
) -> tuple[PolicyView, ...]:
    """One view per policy (document): change sets of the same document are merged in order."""
    grouped: dict[int, list[tuple[ChangeSetContext, Sequence[StoredChange]]]] = {}
    for ctx, changes in sorted(items, key=lambda i: i[0].change_set.detected_at):
        grouped.setdefault(ctx.change_set.document_id, []).append((ctx, changes))
    views = []
    for group in grouped.values():
        parts = [policy_view(ctx, changes) for ctx, changes in group]
        last = parts[-1]
        views.append(
            PolicyView(
                title=last.title,
                label=last.label if len(parts) == 1 else "政策变更",
                url=last.url,
                old_url=parts[0].old_url,
                doc_number=last.doc_number,
                deadline=last.deadline,
                notes=tuple(n for p in parts for n in p.notes),
                changes=tuple(c for p in parts for c in p.changes),
                card=parts[0].card,
            )
        )
    return tuple(views)
