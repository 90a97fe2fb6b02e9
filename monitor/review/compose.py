"""Composing emails: a change set's context, the single-change-set email, the sender.

`monitor.review.sending` adds the digest and hands messages to a delivery channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from monitor.config import Config
from monitor.local_time import SHANGHAI
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.reminder import render_reminder
from notifications.render import EmailView, change_set_subject, policy_view, render_email
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
        notice_url=new.notice_url if new else None,
        final_url=store.final_after(new.document_id, new.seq) if new and draft else None,
        today=now.astimezone(SHANGHAI).date() if now is not None else None,
    )


def single_email(
    ctx: ChangeSetContext, changes: Sequence[StoredChange], *, name: str, unsubscribe: str
) -> RenderedEmail:
    """The email of one change set (the `immediate` cadence)."""
    new_document = ctx.change_set.kind is ChangeSetKind.NEW_DOCUMENT
    view = EmailView(
        name=name,
        heading="policywatch 发现了一份您关注的新政策文件："
        if new_document
        else "policywatch 监测到您关注的政策有以下变化：",
        policies=(policy_view(ctx, changes),),
        unsubscribe_url=unsubscribe,
        digest=False,
    )
    return render_email(change_set_subject(ctx, changes), view)


def reminder_email(ctx: ChangeSetContext, *, name: str, unsubscribe: str) -> RenderedEmail:
    """The comment-deadline reminder of a draft (a `reminder` change set)."""
    return render_reminder(ctx, name=name, unsubscribe_url=unsubscribe)


def sender_address(config: Config) -> str:
    """The `From:` address (also the domain of Message-IDs)."""
    return config.smtp.sender if config.smtp else DEFAULT_SENDER
