"""What each outbox envelope says: the email or the chat message of one change set, a digest or
a comment-deadline reminder, for one subscriber, as of one moment.

`Composer` is the one render path: `monitor.review.sending` delivers what it composes, and the
review UI previews through it (`preview_email`, `preview_chat`), so a preview is what the
recipient will get. A chat message is rendered in the dialect of its `[[channel]] kind`
(`notifications.chat.markdown.DIALECTS`, the dialect the bot posts in).
"""

from __future__ import annotations

import datetime as dt

from monitor.config import EMAIL_CHANNEL, Config
from monitor.local_time import SHANGHAI
from monitor.review.compose import (
    branding,
    load_context,
    reminder_chat,
    reminder_email,
    single_view,
)
from monitor.review.export import load_export
from monitor.review.table import export_table_docx, table_filename
from monitor.review.unsubscribe import report_url, unsubscribe_url
from notifications.chat.markdown import DIALECTS, ChatMessage, Dialect, chat_message
from notifications.digest import digest_policies
from notifications.envelopes import Envelope
from notifications.model import ChangeSetContext, MailAttachment, RenderedEmail, Route
from notifications.render import EmailView, digest_subject, render_email
from notifications.routing import route_subscriber
from parsers.records import Cadence, ChangeSetKind, OutboxItem, Subscriber
from state.store import Store

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Composer:
    """Composes the messages of one run (contexts and tables loaded once per run)."""

    def __init__(self, *, config: Config, store: Store, now: dt.datetime) -> None:
        self.config = config
        self.store = store
        self.now = now
        self._contexts: dict[int, ChangeSetContext] = {}
        self._tables: dict[int, MailAttachment] = {}

    def context(self, change_set_id: int) -> ChangeSetContext:
        """The change set's context as of this run (a draft's final stored since approval
        turns its email into "consultation closed"), loaded once per run."""
        if change_set_id not in self._contexts:
            cs = self.store.get_change_set(change_set_id)
            self._contexts[change_set_id] = load_context(self.store, cs, now=self.now)
        return self._contexts[change_set_id]

    def is_reminder(self, env: Envelope) -> bool:
        """True for a comment-deadline reminder (its own message, one change set)."""
        if env.digest or len(env.rows) != 1:
            return False
        return self.context(env.rows[0].change_set_id).change_set.kind is ChangeSetKind.REMINDER

    def stale_reminder(self, env: Envelope) -> str | None:
        """Why a reminder must not go out any more, on any channel (the final came first, the
        deadline passed), or None."""
        if not self.is_reminder(env):
            return None
        ctx = self.context(env.rows[0].change_set_id)
        if ctx.final_url is not None:
            return "reminder dropped: the final came first"
        return "reminder dropped: the deadline passed" if ctx.consultation_closed else None

    def email(self, env: Envelope, subscriber: Subscriber) -> RenderedEmail:
        """The email of an envelope as `subscriber` gets it."""
        if self.is_reminder(env):
            assert subscriber.id is not None
            ctx = self.context(env.rows[0].change_set_id)
            url = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
            return reminder_email(self.config, ctx, name=subscriber.name, unsubscribe=url)
        subject, view = self.view(env, subscriber)
        return render_email(subject, view)

    def chat(self, env: Envelope, subscriber: Subscriber, dialect: Dialect) -> ChatMessage:
        """The chat message of an envelope in `dialect`, split to its channel's `max_parts`."""
        max_parts = self.max_parts(env.channel)
        if self.is_reminder(env):
            ctx = self.context(env.rows[0].change_set_id)
            return reminder_chat(self.config, ctx, dialect, max_parts=max_parts)
        subject, view = self.view(env, subscriber)
        return chat_message(view, subject, dialect, max_parts=max_parts)

    def dialect(self, channel: str) -> Dialect | None:
        """The markdown dialect of a `[[channel]]` (None for email or a channel not in the
        file)."""
        found = self.config.channel(channel) if channel != EMAIL_CHANNEL else None
        return DIALECTS.get(found.kind) if found else None

    def max_parts(self, channel: str) -> int:
        """How many messages one notification may be split into on `channel`."""
        found = self.config.channel(channel)
        return found.max_parts if found else 3

    def view(self, env: Envelope, subscriber: Subscriber) -> tuple[str, EmailView]:
        """The subject and message model of an envelope (one change set, or a digest)."""
        assert subscriber.id is not None
        subs = self.store.subscriptions_of(subscriber.id)
        items: list[tuple[ChangeSetContext, Route | None]] = []
        for row in env.rows:
            ctx = self.context(row.change_set_id)
            items.append((ctx, route_subscriber(ctx, subscriber, subs)))
        unsubscribe = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
        if not env.digest:
            ctx, found = items[0]
            return single_view(
                self.config,
                ctx,
                found if found is not None else ctx.change_set.visible_changes,
                name=subscriber.name,
                unsubscribe=unsubscribe,
                report_url=self._report(ctx, env),
            )
        policies = digest_policies(items)
        period = "每周" if env.cadence is Cadence.WEEKLY else "每日"
        view = EmailView(
            name=subscriber.name,
            heading=f"以下是您订阅的政策变化{period}汇总，共{len(policies)}项政策：",
            policies=policies,
            unsubscribe_url=unsubscribe,
            digest=True,
            branding=branding(self.config),
        )
        day = self.now.astimezone(SHANGHAI).date()
        return digest_subject(env.cadence, day, len(policies)), view

    def _report(self, ctx: ChangeSetContext, env: Envelope) -> str | None:
        """The full redline's link, for a change set that has something to show there (a new
        document's or a status event's page would be empty: its message links the notice)."""
        if not ctx.change_set.changes and not ctx.change_set.diff.document_changes:
            return None
        issued = min(r.created_at for r in env.rows)
        return report_url(self.config, self.store, ctx.change_set.id, issued=issued)

    def attachments(self, env: Envelope) -> tuple[MailAttachment, ...]:
        """The 新旧条文对照表 of each change set, with `attach_table` (never on a reminder)."""
        if not self.config.notifications.attach_table or self.is_reminder(env):
            return ()
        return tuple(self._table(row.change_set_id) for row in env.rows)

    def _table(self, change_set_id: int) -> MailAttachment:
        """The change set's 新旧条文对照表 (DOCX), built once per run."""
        if change_set_id not in self._tables:
            source = load_export(self.store, change_set_id)
            self._tables[change_set_id] = MailAttachment(
                filename=table_filename(source.change_set),
                content_type=DOCX,
                data=export_table_docx(source),
            )
        return self._tables[change_set_id]


def _envelope(
    change_set_id: int, subscriber: Subscriber, cadence: Cadence, channel: str, now: dt.datetime
) -> Envelope:
    """The envelope approving `now` would queue (a digest of this change set alone)."""
    assert subscriber.id is not None
    row = OutboxItem(
        change_set_id=change_set_id,
        subscriber_id=subscriber.id,
        channel=channel,
        cadence=cadence,
        message_id="<preview@policywatch>",
        due_at=now,
        created_at=now,
    )
    return Envelope(subscriber_id=subscriber.id, cadence=cadence, rows=(row,))


def preview_email(
    config: Config,
    store: Store,
    *,
    change_set_id: int,
    subscriber: Subscriber,
    cadence: Cadence,
    now: dt.datetime,
) -> RenderedEmail:
    """The email `send` would render `now` for this subscriber and change set (a digest of it
    alone for digest cadences): the review UI's preview, through the very render path."""
    env = _envelope(change_set_id, subscriber, cadence, EMAIL_CHANNEL, now)
    return Composer(config=config, store=store, now=now).email(env, subscriber)


def preview_chat(
    config: Config,
    store: Store,
    *,
    change_set_id: int,
    subscriber: Subscriber,
    cadence: Cadence,
    channel: str,
    now: dt.datetime,
) -> ChatMessage | None:
    """The chat message `send` would post `now` to the subscriber's group on `channel`, in
    its bot's dialect; None when `channel` is not a `[[channel]]` of the config (`send` holds
    such messages until it is)."""
    composer = Composer(config=config, store=store, now=now)
    dialect = composer.dialect(channel)
    if dialect is None:
        return None
    env = _envelope(change_set_id, subscriber, cadence, channel, now)
    return composer.chat(env, subscriber, dialect)
