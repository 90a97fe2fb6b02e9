"""Sending what is due: claim outbox rows, render one email per row or digest, deliver, confirm.

Used by `policywatch send`, the daemon's send job and the demo.

Exactly-once as far as SMTP allows: rows are claimed in their own committed transaction before
anything is sent; each row is confirmed right after the server's 250. A row left claimed by a
dead process is claimed again after `[notifications] claim_lease` and sent with the SAME
Message-ID (the `.eml` writer names files by Message-ID, so a retry overwrites its file).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address

from monitor.config import Config
from monitor.local_time import SHANGHAI
from monitor.review.channels import make_transport
from monitor.review.compose import (
    SENDER_NAME,
    load_context,
    reminder_email,
    sender_address,
    single_email,
)
from monitor.review.reminders import queue_reminders
from monitor.review.unsubscribe import unsubscribe_url
from notifications.envelopes import Envelope, envelopes
from notifications.errors import (
    ConnectionDeliveryError,
    DeliveryError,
    PermanentDeliveryError,
)
from notifications.message import build_message, mailbox
from notifications.model import ChangeSetContext, OutgoingEmail, RenderedEmail
from notifications.render import (
    EmailView,
    digest_policies,
    digest_subject,
    render_email,
)
from notifications.routing import route_subscriber
from notifications.smtp import Transport
from parsers.records import (
    Cadence,
    ChangeSetKind,
    StoredChange,
    Subscriber,
)
from state.errors import NotFoundError
from state.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailPreview:
    """One email of a send run: to whom, what subject, how many outbox rows it covers."""

    to: str
    subject: str
    rows: int
    outcome: str  # sent / retry / failed / cancelled / dry-run


@dataclass(frozen=True, slots=True, kw_only=True)
class SendReport:
    """What one `send` run did."""

    due: int = 0  # outbox rows claimed (or due, in a dry run)
    emails: int = 0  # emails accepted by the server (rendered, in a dry run)
    rows_sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    dry_run: bool = False
    items: tuple[EmailPreview, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(kw_only=True)
class _Run:
    """The mutable tally of one run (turned into a frozen SendReport at the end)."""

    due: int
    dry_run: bool
    items: list[EmailPreview] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, to: str, subject: str, rows: int, outcome: str) -> None:
        self.items.append(EmailPreview(to=to, subject=subject, rows=rows, outcome=outcome))
        self.counts[outcome] = self.counts.get(outcome, 0) + rows

    def report(self) -> SendReport:
        emails = sum(1 for i in self.items if i.outcome in ("sent", "dry-run"))
        return SendReport(
            due=self.due,
            emails=emails,
            rows_sent=self.counts.get("sent", 0),
            retried=self.counts.get("retry", 0),
            failed=self.counts.get("failed", 0),
            cancelled=self.counts.get("cancelled", 0),
            dry_run=self.dry_run,
            items=tuple(self.items),
            errors=tuple(self.errors),
        )


def send_due(
    config: Config, store: Store, *, now: dt.datetime, dry_run: bool = False
) -> SendReport:
    """Queue the comment-deadline reminders now due, then claim the due outbox rows, render
    one email per row or digest, deliver, confirm."""
    lease = config.notifications.claim_lease
    if dry_run:
        rows = store.due_outbox(now=now, lease=lease)
    else:
        queue_reminders(store, config, now=now)
        rows = store.claim_due(now=now, lease=lease)
    run = _Run(due=len(rows), dry_run=dry_run)
    mailer = _Mailer(config=config, store=store, now=now)
    if dry_run:
        for env in envelopes(rows):
            ready = mailer.compose(env, run)
            if ready is not None:
                run.add(ready[1].to, ready[1].subject, len(env.rows), "dry-run")
    elif rows:
        mailer.deliver_all(envelopes(rows), run)
    report = run.report()
    if report.due:
        logger.info(
            "send: %d row(s) due, %d email(s) sent, %d retried, %d failed, %d cancelled",
            report.due,
            report.emails,
            report.retried,
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
    mailer = _Mailer(config=config, store=store, now=now)
    return mailer.render(subscriber, [change_set_id], cadence)


_Ready = tuple[Envelope, OutgoingEmail]


class _Mailer:
    """Renders and delivers the envelopes of one run, updating the outbox as it goes."""

    def __init__(self, *, config: Config, store: Store, now: dt.datetime) -> None:
        self.config = config
        self.store = store
        self.now = now
        self._contexts: dict[int, ChangeSetContext] = {}

    def context(self, change_set_id: int) -> ChangeSetContext:
        """The change set's context as of this run (a draft's final stored since approval
        turns its email into "consultation closed"), loaded once per run."""
        if change_set_id not in self._contexts:
            cs = self.store.get_change_set(change_set_id)
            self._contexts[change_set_id] = load_context(self.store, cs, now=self.now)
        return self._contexts[change_set_id]

    def compose(self, env: Envelope, run: _Run) -> _Ready | None:
        """The message for an envelope; None when its rows were cancelled or deferred."""
        try:
            subscriber = self.store.get_subscriber(env.subscriber_id)
        except NotFoundError:
            return None
        if not subscriber.active:
            if not run.dry_run:
                self.store.cancel_outbox(env.ids, reason="unsubscribed")
            run.add(subscriber.email, "", len(env.rows), "cancelled")
            return None
        stale = self._stale_reminder(env)
        if stale is not None:
            if not run.dry_run:
                self.store.cancel_outbox(env.ids, reason=stale)
            run.add(subscriber.email, "", len(env.rows), "cancelled")
            return None
        try:
            return env, self._message(env, subscriber)
        except ValueError as exc:  # an address that cannot be mailed: no retry helps
            self._give_up(env, subscriber.email, "", str(exc), run)
        except Exception as exc:  # one bad email must not sink the run
            logger.exception("cannot render the email of outbox rows %s", env.ids)
            self._retry(env, subscriber.email, "", f"render error: {exc}", run)
        return None

    def _stale_reminder(self, env: Envelope) -> str | None:
        """Why a reminder must not go out any more (the final came first, the deadline
        passed), or None."""
        if env.digest or len(env.rows) != 1:
            return None
        ctx = self.context(env.rows[0].change_set_id)
        if ctx.change_set.kind is not ChangeSetKind.REMINDER:
            return None
        if ctx.final_url is not None:
            return "reminder dropped: the final came first"
        return "reminder dropped: the deadline passed" if ctx.consultation_closed else None

    def render(
        self, subscriber: Subscriber, change_set_ids: Sequence[int], cadence: Cadence
    ) -> RenderedEmail:
        """The email of these change sets (one, or a digest) as `subscriber` gets it: the one
        render path of sending and of the review UI's preview."""
        assert subscriber.id is not None
        subs = self.store.subscriptions_of(subscriber.id)
        items = []
        for change_set_id in change_set_ids:
            ctx = self.context(change_set_id)
            found = route_subscriber(ctx, subscriber, subs)
            items.append((ctx, found.changes if found else ctx.change_set.visible_changes))
        url = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
        if cadence is not Cadence.IMMEDIATE:
            return self._digest(cadence, items, subscriber.name, url)
        ctx, changes = items[0]
        if ctx.change_set.kind is ChangeSetKind.REMINDER:
            return reminder_email(ctx, name=subscriber.name, unsubscribe=url)
        return single_email(ctx, changes, name=subscriber.name, unsubscribe=url)

    def _message(self, env: Envelope, subscriber: Subscriber) -> OutgoingEmail:
        assert subscriber.id is not None
        rendered = self.render(subscriber, [r.change_set_id for r in env.rows], env.cadence)
        url = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
        sender = sender_address(self.config)
        return build_message(
            rendered,
            sender=Address(display_name=SENDER_NAME, addr_spec=sender),
            to=mailbox(subscriber.name, subscriber.email),
            message_id=env.message_id,
            date=self.now,
            unsubscribe_url=url,
        )

    def _digest(
        self,
        cadence: Cadence,
        items: Sequence[tuple[ChangeSetContext, Sequence[StoredChange]]],
        name: str,
        url: str,
    ) -> RenderedEmail:
        policies = digest_policies(items)
        period = "每周" if cadence is Cadence.WEEKLY else "每日"
        view = EmailView(
            name=name,
            heading=f"以下是您订阅的政策变化{period}汇总，共{len(policies)}项政策：",
            policies=policies,
            unsubscribe_url=url,
            digest=True,
        )
        day = self.now.astimezone(SHANGHAI).date()
        return render_email(digest_subject(cadence, day, len(policies)), view)

    def deliver_all(self, envs: Sequence[Envelope], run: _Run) -> None:
        """Compose and deliver batch by batch, one connection each (bounded memory); a lost
        connection defers everything not yet delivered."""
        transport = make_transport(self.config)
        size = max(self.config.smtp.batch_size if self.config.smtp else 100, 1)
        for start in range(0, len(envs), size):
            chunk = [self.compose(env, run) for env in envs[start : start + size]]
            ready = [r for r in chunk if r is not None]
            processed, error = self._batch(transport, ready, run)
            if error is not None:
                run.errors.append(error)
                for env, msg in ready[processed:]:
                    self._retry(env, msg.to, msg.subject, error, run)
                for env in envs[start + size :]:
                    self._retry(env, f"subscriber {env.subscriber_id}", "", error, run)
                return

    def _batch(
        self, transport: Transport, batch: Sequence[_Ready], run: _Run
    ) -> tuple[int, str | None]:
        processed = 0
        try:
            with transport:
                for env, msg in batch:
                    self._deliver_one(transport, env, msg, run)
                    processed += 1
        except ConnectionDeliveryError as exc:
            logger.warning("delivery stopped: %s", exc)
            return processed, str(exc)
        return processed, None

    def _deliver_one(
        self, transport: Transport, env: Envelope, msg: OutgoingEmail, run: _Run
    ) -> None:
        to, subject = msg.to, msg.subject
        try:
            transport.deliver(msg)
        except ConnectionDeliveryError:
            raise
        except PermanentDeliveryError as exc:
            self._give_up(env, to, subject, str(exc), run)
        except DeliveryError as exc:
            self._retry(env, to, subject, str(exc), run)
        else:
            self.store.confirm_sent(env.ids, now=self.now)
            run.add(to, subject, len(env.rows), "sent")

    def _retry(self, env: Envelope, to: str, subject: str, error: str, run: _Run) -> None:
        note = self.config.notifications
        retried = self.store.schedule_retry(
            env.ids,
            now=self.now,
            error=error,
            base=note.retry_backoff,
            max_attempts=note.max_attempts,
        )
        if retried:
            run.add(to, subject, retried, "retry")
        if len(env.ids) > retried:
            run.add(to, subject, len(env.ids) - retried, "failed")

    def _give_up(self, env: Envelope, to: str, subject: str, error: str, run: _Run) -> None:
        logger.warning("giving up on %s: %s", to, error)
        self.store.give_up(env.ids, error=error)
        run.add(to, subject, len(env.rows), "failed")
