"""Composing messages: a change set's context, the single-change-set message, the sender.

`monitor.review.sending` adds the digest and hands messages to a delivery channel. The message
model (`EmailView`) is the same for an email and a chat message; only the rendering differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.headerregistry import Address

from monitor.config import Config
from monitor.local_time import SHANGHAI
from notifications.message import parse_mailbox
from notifications.model import ChangeSetContext, RenderedEmail, Route
from notifications.reminder import render_reminder
from notifications.render import Branding, EmailView, change_set_subject, policy_view
from parsers.model import Status
from parsers.records import ChangeSetKind, ChangeSetRecord, StoredChange
from state.errors import NotFoundError
from state.store import Store

SENDER_NAME = "policywatch 政策监测"
DEFAULT_SENDER = "policywatch@localhost"


def load_context(
    store: Store, change_set: ChangeSetRecord, *, now: dt.datetime | None = None
) -> ChangeSetContext:
    """The change set with both document trees, the page links and the source name, and
    where a draft's consultation stands `now` (its final stored since; its deadline passed):
    read at approval and again at sending, so a stale draft never invites comments."""
    new = store.get_version(change_set.to_version_id) if change_set.to_version_id else None
    old = store.get_version(change_set.from_version_id) if change_set.from_version_id else None
    source = None
    if change_set.source_id is not None:
        try:
            source = store.get_source_by_id(change_set.source_id).name
        except NotFoundError:
            source = None
    url = new.url if new else store.get_document(change_set.document_id).url
    draft = new is not None and new.document.status is Status.DRAFT
    return ChangeSetContext(
        change_set=change_set,
        old=old.document if old else None,
        new=new.document if new else None,
        url=url,
        old_url=old.url if old else None,
        source=source,
        old_seen=old.fetched_at.astimezone(SHANGHAI).date() if old else None,
        new_seen=new.fetched_at.astimezone(SHANGHAI).date() if new else None,
        notice_url=new.notice_url if new else None,
        final_url=store.final_after(new.document_id, new.seq) if new and draft else None,
        today=now.astimezone(SHANGHAI).date() if now is not None else None,
    )


def branding(config: Config) -> Branding:
    """`[notifications] organisation` and `footer`."""
    note = config.notifications
    return Branding(organisation=note.organisation, footer=note.footer)


def heading(config: Config, *, new_document: bool = False) -> str:
    """The line under the greeting: a new document found, or changes of a known one."""
    brand = branding(config)
    if new_document:
        found = f"{brand.sender} 发现了" if brand.sender[-1:].isascii() else f"{brand.sender}发现了"
        return f"{found}一份您关注的新政策文件："
    return f"{brand.noticed}您关注的政策有以下变化："


def single_view(
    config: Config,
    ctx: ChangeSetContext,
    found: Route | Sequence[StoredChange],
    *,
    name: str,
    unsubscribe: str,
    report_url: str | None = None,
) -> tuple[str, EmailView]:
    """The subject and message model of one change set (the `immediate` cadence)."""
    if isinstance(found, Route):
        changes, topics, others = found.changes, found.topics, found.others
    else:
        changes, topics, others = tuple(found), (), ()
    new_document = ctx.change_set.kind is ChangeSetKind.NEW_DOCUMENT
    view = EmailView(
        name=name,
        heading=heading(config, new_document=new_document),
        policies=(policy_view(ctx, changes, topics=topics, others=others),),
        unsubscribe_url=unsubscribe,
        digest=False,
        branding=branding(config),
        report_url=report_url,
    )
    return change_set_subject(ctx, changes), view


def reminder_email(ctx: ChangeSetContext, *, name: str, unsubscribe: str) -> RenderedEmail:
    """The comment-deadline reminder of a draft (a `reminder` change set)."""
    return render_reminder(ctx, name=name, unsubscribe_url=unsubscribe)


def sender_address(config: Config) -> str:
    """The envelope sender and the domain of Message-IDs: the addr-spec of `[smtp] sender`."""
    return parse_mailbox(config.smtp.sender)[1] if config.smtp else DEFAULT_SENDER


def sender_mailbox(config: Config) -> Address:
    """The `From:` mailbox: `[smtp] sender` with its display name, else `sender_name`, else
    the organisation's, else policywatch's."""
    name, spec = parse_mailbox(config.smtp.sender) if config.smtp else ("", DEFAULT_SENDER)
    note = config.notifications
    if not name:
        name = note.sender_name or (f"{note.organisation} 政策监测" if note.organisation else "")
    return Address(display_name=name or SENDER_NAME, addr_spec=spec)


def reply_to(config: Config) -> Address | None:
    """The `Reply-To:` mailbox of `[notifications] reply_to`, if set."""
    value = config.notifications.reply_to
    if not value:
        return None
    name, spec = parse_mailbox(value)
    return Address(display_name=name, addr_spec=spec)
