"""Sending what is due: claim outbox rows, render one message per row or digest, deliver on its
channel (email, or a chat group's bot), confirm.

Used by `policywatch send`, the daemon's send job and the demo.

Exactly-once as far as the wire allows: rows are claimed in their own committed transaction
before anything is sent; each row is confirmed right after the server's 250 (or the platform's
`errcode 0`); each part of a split chat message is recorded as it is posted, so a retry resumes
after the parts already in the group. A row left claimed by a dead process is claimed again
after `[notifications] claim_lease` and sent with the SAME Message-ID (the `.eml` writer names
files by Message-ID, so a retry overwrites its file).

Whose fault a failure is decides what happens (`notifications.errors`): a recipient's refusal
gives that row up; a recipient's 4xx retries it up to `max_attempts`; our side's failure holds
it (pending, backoff, `hold_reason` set) for as long as it takes, and `status` says why.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.config import EMAIL_CHANNEL, Config
from monitor.local_time import SHANGHAI
from monitor.review.channels import make_bot, make_transport
from monitor.review.compose import (
    branding,
    load_context,
    reminder_email,
    reply_to,
    sender_mailbox,
    single_view,
)
from monitor.review.export import load_export
from monitor.review.reminders import queue_reminders
from monitor.review.table import export_table_docx, table_filename
from monitor.review.unsubscribe import report_url, unsubscribe_url
from notifications.chat.bots import ChatBot
from notifications.chat.markdown import ChatMessage, chat_message
from notifications.digest import digest_policies
from notifications.envelopes import Envelope, envelopes
from notifications.errors import (
    DeliveryError,
    HeldDeliveryError,
    PermanentDeliveryError,
)
from notifications.message import build_message, mailbox
from notifications.model import (
    ChangeSetContext,
    MailAttachment,
    OutgoingEmail,
    RenderedEmail,
    Route,
)
from notifications.render import EmailView, digest_subject, render_email
from notifications.routing import route_subscriber
from notifications.smtp import Transport
from parsers.records import Cadence, ChangeSetKind, OutboxItem, Subscriber
from state.errors import NotFoundError
from state.store import Store

logger = logging.getLogger(__name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailPreview:
    """One message of a send run: to whom, what subject, how many outbox rows it covers."""

    to: str
    subject: str
    rows: int
    outcome: str  # sent / retry / held / failed / cancelled / dry-run
    channel: str = EMAIL_CHANNEL


@dataclass(frozen=True, slots=True, kw_only=True)
class SendReport:
    """What one `send` run did."""

    due: int = 0  # outbox rows claimed (or due, in a dry run)
    emails: int = 0  # messages accepted (rendered, in a dry run), chat messages included
    rows_sent: int = 0
    retried: int = 0  # a recipient's 4xx: tried again later
    held: int = 0  # our side failed: kept queued, never given up
    failed: int = 0  # given up (the recipient refused)
    cancelled: int = 0
    dry_run: bool = False
    items: tuple[EmailPreview, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing is held or waiting for a retry."""
        return not (self.retried or self.held or self.failed)


@dataclass(kw_only=True)
class _Run:
    """The mutable tally of one run (turned into a frozen SendReport at the end)."""

    due: int
    dry_run: bool
    items: list[EmailPreview] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, env: Envelope, to: str, subject: str, outcome: str, rows: int = 0) -> None:
        rows = rows or len(env.rows)
        item = EmailPreview(to=to, subject=subject, rows=rows, outcome=outcome, channel=env.channel)
        self.items.append(item)
        self.counts[outcome] = self.counts.get(outcome, 0) + rows

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def report(self) -> SendReport:
        emails = sum(1 for i in self.items if i.outcome in ("sent", "dry-run"))
        return SendReport(
            due=self.due,
            emails=emails,
            rows_sent=self.counts.get("sent", 0),
            retried=self.counts.get("retry", 0),
            held=self.counts.get("held", 0),
            failed=self.counts.get("failed", 0),
            cancelled=self.counts.get("cancelled", 0),
            dry_run=self.dry_run,
            items=tuple(self.items),
            errors=tuple(self.errors),
        )


def send_due(
    config: Config,
    store: Store,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    retry_held: bool = False,
) -> SendReport:
    """Queue the comment-deadline reminders now due, then claim the due outbox rows, render
    one message per row or digest, deliver, confirm. `retry_held` first makes held rows due
    now (the operator fixed what held them)."""
    lease = config.notifications.claim_lease
    if dry_run:
        rows = store.due_outbox(now=now, lease=lease)
    else:
        if retry_held:
            store.release_held(now=now)
        queue_reminders(store, config, now=now)
        rows = store.claim_due(now=now, lease=lease)
    run = _Run(due=len(rows), dry_run=dry_run)
    sender = _Sender(config=config, store=store, now=now, run=run)
    by_channel: dict[str, list[Envelope]] = {}
    for env in envelopes(rows):
        by_channel.setdefault(env.channel, []).append(env)
    for channel, envs in by_channel.items():
        if dry_run:
            sender.preview(envs)
        elif channel == EMAIL_CHANNEL:
            sender.deliver_emails(envs)
        else:
            sender.deliver_chats(channel, envs)
    report = run.report()
    if report.due:
        logger.info(
            "send: %d row(s) due, %d message(s) sent, %d retried, %d held, %d failed, %d cancelled",
            report.due,
            report.emails,
            report.retried,
            report.held,
            report.failed,
            report.cancelled,
        )
    return report


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
    assert subscriber.id is not None
    sender = _Sender(config=config, store=store, now=now, run=_Run(due=0, dry_run=True))
    row = OutboxItem(
        change_set_id=change_set_id,
        subscriber_id=subscriber.id,
        cadence=cadence,
        message_id="<preview@policywatch>",
        due_at=now,
        created_at=now,
    )
    env = Envelope(subscriber_id=subscriber.id, cadence=cadence, rows=(row,))
    return sender.rendered(env, subscriber)


_Ready = tuple[Envelope, OutgoingEmail]


class _Sender:
    """Renders and delivers the envelopes of one run, updating the outbox as it goes."""

    def __init__(self, *, config: Config, store: Store, now: dt.datetime, run: _Run) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.run = run
        self._contexts: dict[int, ChangeSetContext] = {}
        self._tables: dict[int, MailAttachment] = {}

    # -- composing ------------------------------------------------------------------------

    def context(self, change_set_id: int) -> ChangeSetContext:
        """The change set's context as of this run (a draft's final stored since approval
        turns its email into "consultation closed"), loaded once per run."""
        if change_set_id not in self._contexts:
            cs = self.store.get_change_set(change_set_id)
            self._contexts[change_set_id] = load_context(self.store, cs, now=self.now)
        return self._contexts[change_set_id]

    def subscriber(self, env: Envelope) -> Subscriber | None:
        """The envelope's subscriber, or None after cancelling rows nobody should get."""
        try:
            subscriber = self.store.get_subscriber(env.subscriber_id)
        except NotFoundError:
            return None
        reason = None
        if not subscriber.active:
            reason = "unsubscribed"
        elif env.channel not in self.store.channels_of(env.subscriber_id):
            reason = f"channel {env.channel} removed from the subscriber"
        else:
            reason = self._stale_reminder(env)
        if reason is None:
            return subscriber
        if not self.run.dry_run:
            self.store.cancel_outbox(env.ids, reason=reason)
        self.run.add(env, subscriber.email, "", "cancelled")
        return None

    def _stale_reminder(self, env: Envelope) -> str | None:
        """Why a reminder must not go out any more (the final came first, the deadline
        passed), or None."""
        if not self._reminder(env):
            return None
        ctx = self.context(env.rows[0].change_set_id)
        if ctx.final_url is not None:
            return "reminder dropped: the final came first"
        return "reminder dropped: the deadline passed" if ctx.consultation_closed else None

    def _reminder(self, env: Envelope) -> bool:
        """True for a comment-deadline reminder (its own template, one change set)."""
        if env.digest or len(env.rows) != 1:
            return False
        return self.context(env.rows[0].change_set_id).change_set.kind is ChangeSetKind.REMINDER

    def rendered(self, env: Envelope, subscriber: Subscriber) -> RenderedEmail:
        """The email of an envelope as `subscriber` gets it: the one render path of sending
        and of the review UI's preview."""
        if self._reminder(env):
            assert subscriber.id is not None
            ctx = self.context(env.rows[0].change_set_id)
            url = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
            return reminder_email(ctx, name=subscriber.name, unsubscribe=url)
        subject, view = self.view(env, subscriber)
        return render_email(subject, view)

    def view(self, env: Envelope, subscriber: Subscriber) -> tuple[str, EmailView]:
        """The subject and message model of an envelope (one change set, or a digest)."""
        assert subscriber.id is not None
        subs = self.store.subscriptions_of(subscriber.id)
        items: list[tuple[ChangeSetContext, Route | None]] = []
        for row in env.rows:
            ctx = self.context(row.change_set_id)
            items.append((ctx, route_subscriber(ctx, subscriber, subs)))
        unsubscribe = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
        issued = min(r.created_at for r in env.rows)
        if not env.digest:
            ctx, found = items[0]
            report = report_url(self.config, self.store, ctx.change_set.id, issued=issued)
            return single_view(
                self.config,
                ctx,
                found if found is not None else ctx.change_set.visible_changes,
                name=subscriber.name,
                unsubscribe=unsubscribe,
                report_url=report,
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

    def email(self, env: Envelope) -> _Ready | None:
        """The email of an envelope; None when its rows were cancelled, held or given up."""
        subscriber = self.subscriber(env)
        if subscriber is None:
            return None
        try:
            assert subscriber.id is not None
            rendered = self.rendered(env, subscriber)
            msg = build_message(
                rendered,
                sender=sender_mailbox(self.config),
                to=mailbox(subscriber.name, subscriber.email),
                message_id=env.message_id,
                date=self.now,
                unsubscribe_url=unsubscribe_url(self.config, self.store, subscriber.id, self.now),
                reply_to=reply_to(self.config),
                attachments=self._attachments(env),
            )
        except ValueError as exc:  # an address that cannot be mailed: no retry helps
            self._give_up(env, subscriber.email, "", str(exc))
            return None
        except Exception as exc:  # one bad message must not sink the run
            logger.exception("cannot render the message of outbox rows %s", env.ids)
            self._hold(env, subscriber.email, "", f"render error: {exc}", reason="render")
            return None
        return env, msg

    def _attachments(self, env: Envelope) -> tuple[MailAttachment, ...]:
        if not self.config.notifications.attach_table or self._reminder(env):
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

    # -- delivering -----------------------------------------------------------------------

    def preview(self, envs: Sequence[Envelope]) -> None:
        """A dry run: render each message, send nothing, change nothing."""
        for env in envs:
            subscriber = self.subscriber(env)
            if subscriber is None:
                continue
            subject = self.rendered(env, subscriber).subject
            to = (
                f"{subscriber.name} <{subscriber.email}>"
                if env.channel == EMAIL_CHANNEL
                else (f"{subscriber.name} [{env.channel}]")
            )
            self.run.add(env, to, subject, "dry-run")

    def deliver_emails(self, envs: Sequence[Envelope]) -> None:
        """Compose and deliver batch by batch, one connection each (bounded memory); a failure
        of our side that stops the batch holds everything not yet delivered."""
        transport = make_transport(self.config)
        size = max(self.config.smtp.batch_size if self.config.smtp else 100, 1)
        for start in range(0, len(envs), size):
            ready = [r for r in (self.email(env) for env in envs[start : start + size]) if r]
            stopped = self._batch(transport, ready)
            if stopped is not None:
                for env in envs[start + size :]:
                    self._hold_for(env, f"subscriber {env.subscriber_id}", "", stopped)
                return

    def _batch(self, transport: Transport, batch: Sequence[_Ready]) -> HeldDeliveryError | None:
        done = 0
        try:
            with transport:
                for env, msg in batch:
                    self._deliver_one(transport, env, msg)
                    done += 1
        except HeldDeliveryError as exc:  # stops the batch: nobody else gets through either
            logger.warning("delivery stopped: %s", exc)
            self.run.error(str(exc))
            for env, msg in batch[done:]:
                self._hold_for(env, msg.to, msg.subject, exc)
            return exc
        return None

    def _deliver_one(self, transport: Transport, env: Envelope, msg: OutgoingEmail) -> None:
        try:
            transport.deliver(msg)
        except HeldDeliveryError as exc:
            if exc.stops_batch:
                raise
            self._hold_for(env, msg.to, msg.subject, exc)
        except DeliveryError as exc:
            self._recipient_failed(env, msg.to, msg.subject, exc)
        else:
            self.store.confirm_sent(env.ids, now=self.now)
            self.run.add(env, msg.to, msg.subject, "sent")

    def deliver_chats(self, channel: str, envs: Sequence[Envelope]) -> None:
        """Post each envelope's message to the channel's bot, part by part."""
        try:
            bot = make_bot(self.config, channel)
            bot.open()
        except HeldDeliveryError as exc:
            self.run.error(str(exc))
            for env in envs:
                self._hold_for(env, f"[{channel}]", "", exc)
            return
        try:
            for n, env in enumerate(envs):
                stopped = self._post(bot, env)
                if stopped is not None:
                    for rest in envs[n + 1 :]:
                        self._hold_for(rest, f"[{channel}]", "", stopped)
                    return
        finally:
            bot.close()

    def _post(self, bot: ChatBot, env: Envelope) -> HeldDeliveryError | None:
        subscriber = self.subscriber(env)
        if subscriber is None:
            return None
        to = f"{subscriber.name} [{env.channel}]"
        try:
            subject, view = self.view(env, subscriber)
            message = chat_message(view, subject, bot.dialect, max_parts=self._max_parts(env))
        except Exception as exc:  # one bad message must not sink the run
            logger.exception("cannot render the chat message of outbox rows %s", env.ids)
            self._hold(env, to, "", f"render error: {exc}", reason="render")
            return None
        return self._post_parts(bot, env, to, message)

    def _post_parts(
        self, bot: ChatBot, env: Envelope, to: str, message: ChatMessage
    ) -> HeldDeliveryError | None:
        for number in range(env.parts_sent, len(message.parts)):
            try:
                bot.post(message.title, message.parts[number])
            except HeldDeliveryError as exc:
                self.run.error(str(exc))
                self._hold_for(env, to, message.title, exc)
                return exc if exc.stops_batch else None
            except DeliveryError as exc:
                self._recipient_failed(env, to, message.title, exc)
                return None
            if len(message.parts) > 1:
                self.store.record_parts(env.ids, number + 1)
        self.store.confirm_sent(env.ids, now=self.now)
        self.run.add(env, to, message.title, "sent")
        return None

    def _max_parts(self, env: Envelope) -> int:
        channel = self.config.channel(env.channel)
        return channel.max_parts if channel else 3

    # -- outcomes -------------------------------------------------------------------------

    def _recipient_failed(self, env: Envelope, to: str, subject: str, exc: DeliveryError) -> None:
        if isinstance(exc, PermanentDeliveryError):
            self._give_up(env, to, subject, str(exc))
            return
        note = self.config.notifications
        retried = self.store.schedule_retry(
            env.ids,
            now=self.now,
            error=str(exc),
            base=note.retry_backoff,
            max_attempts=note.max_attempts,
        )
        if retried:
            self.run.add(env, to, subject, "retry", rows=retried)
        if len(env.ids) > retried:
            self.run.add(env, to, subject, "failed", rows=len(env.ids) - retried)

    def _hold_for(self, env: Envelope, to: str, subject: str, exc: HeldDeliveryError) -> None:
        self._hold(env, to, subject, str(exc), reason=exc.reason, not_before=exc.retry_after)

    def _hold(
        self,
        env: Envelope,
        to: str,
        subject: str,
        error: str,
        *,
        reason: str,
        not_before: dt.timedelta | None = None,
    ) -> None:
        """Our side failed: back to pending with backoff, never given up."""
        self.store.schedule_retry(
            env.ids,
            now=self.now,
            error=error,
            base=self.config.notifications.retry_backoff,
            max_attempts=None,
            hold_reason=reason,
            not_before=not_before,
        )
        self.run.add(env, to, subject, "held")

    def _give_up(self, env: Envelope, to: str, subject: str, error: str) -> None:
        logger.warning("giving up on %s: %s", to, error)
        self.store.give_up(env.ids, error=error)
        self.run.add(env, to, subject, "failed")
