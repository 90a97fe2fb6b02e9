"""Notifications orchestration: approve/reject, queue outbox rows, send what is due.

Used by the CLI (`changes approve`, `send`, `unsubscribe`), the daemon's send job, the web UI
(approve/reject, email preview, unsubscribe endpoint) and the pipeline (auto-approve).

Exactly-once as far as SMTP allows: rows are claimed in their own committed transaction before
anything is sent; each row is confirmed right after the server's 250. A row left claimed by a
dead process is claimed again after `[notifications] claim_lease` and sent with the SAME
Message-ID (the `.eml` writer names files by Message-ID, so a retry overwrites its file).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from zoneinfo import ZoneInfo

from monitor.config import Config
from notifications.envelopes import Envelope, envelopes
from notifications.errors import (
    ConnectionDeliveryError,
    DeliveryError,
    PermanentDeliveryError,
)
from notifications.message import build_message, mailbox, make_message_id, sender_domain
from notifications.model import ChangeSetContext, OutgoingEmail, RenderedEmail
from notifications.render import (
    EmailView,
    change_set_subject,
    digest_policies,
    digest_subject,
    policy_view,
    render_email,
)
from notifications.routing import route, route_subscriber
from notifications.smtp import EmlTransport, SMTPSettings, SMTPTransport, Transport
from notifications.tokens import make_token, verify_token
from parsers.records import (
    Cadence,
    ChangeSetRecord,
    ChangeSetState,
    OutboxItem,
    ReviewAction,
    StoredChange,
    Subscriber,
)
from state.errors import NotFoundError
from state.store import Store

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SENDER_NAME = "policywatch 政策监测"


# -- review actions ---------------------------------------------------------------------------


def approve_change_set(
    store: Store, change_set_id: int, *, actor: str, now: dt.datetime, config: Config
) -> int:
    """Approve a pending change set and queue its emails in ONE transaction; rows queued."""
    with store.atomic():
        store.set_change_set_state(change_set_id, ChangeSetState.APPROVED, actor=actor, at=now)
        store.add_review(
            ReviewAction(change_set_id=change_set_id, action="approve", actor=actor, at=now)
        )
        queued = queue_notifications(store, change_set_id, now=now, config=config)
    logger.info("change set %d approved by %s: %d email(s) queued", change_set_id, actor, queued)
    return queued


def reject_change_set(
    store: Store, change_set_id: int, *, actor: str, reason: str, now: dt.datetime
) -> None:
    """Reject a pending change set with a reason (audited); nothing is sent."""
    with store.atomic():
        store.set_change_set_state(
            change_set_id, ChangeSetState.REJECTED, actor=actor, at=now, note=reason
        )
        store.add_review(
            ReviewAction(
                change_set_id=change_set_id, action="reject", actor=actor, at=now, detail=reason
            )
        )
    logger.info("change set %d rejected by %s", change_set_id, actor)


def queue_notifications(
    store: Store, change_set_id: int, *, now: dt.datetime, config: Config
) -> int:
    """Queue one outbox row per matching subscriber (call inside the approving transaction)."""
    ctx = load_context(store, store.get_change_set(change_set_id))
    domain = sender_domain(_sender(config))
    queued = 0
    for found in route(ctx, store.active_subscriptions()):
        sub_id = found.subscriber.id or 0
        item = OutboxItem(
            change_set_id=change_set_id,
            subscriber_id=sub_id,
            cadence=found.cadence,
            message_id=make_message_id(domain, key=f"{change_set_id}.{sub_id}"),
            due_at=due_at(found.cadence, now, config),
            created_at=now,
        )
        queued += store.queue_outbox(item) is not None
    return queued


def due_at(cadence: Cadence, now: dt.datetime, config: Config) -> dt.datetime:
    """Now for immediate; else the next digest time (Asia/Shanghai) after now, in UTC."""
    if cadence is Cadence.IMMEDIATE:
        return now
    hour, minute = (int(x) for x in config.notifications.digest_time.split(":"))
    local = now.astimezone(SHANGHAI)
    when = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if cadence is Cadence.WEEKLY:
        weekday = _WEEKDAYS.index(config.notifications.weekly_day.lower()[:3])
        when += dt.timedelta(days=(weekday - local.weekday()) % 7)
    step = dt.timedelta(days=7 if cadence is Cadence.WEEKLY else 1)
    while when <= local:
        when += step
    return when.astimezone(dt.UTC)


# -- context, tokens, previews ----------------------------------------------------------------


def load_context(store: Store, change_set: ChangeSetRecord) -> ChangeSetContext:
    """The change set with both document trees, the page links and the source name."""
    new = store.get_version(change_set.to_version_id) if change_set.to_version_id else None
    old = store.get_version(change_set.from_version_id) if change_set.from_version_id else None
    source = None
    if change_set.source_id is not None:
        try:
            source = store.get_source_by_id(change_set.source_id).name
        except NotFoundError:
            source = None
    url = new.url if new else store.get_document(change_set.document_id).url
    return ChangeSetContext(
        change_set=change_set,
        old=old.document if old else None,
        new=new.document if new else None,
        url=url,
        old_url=old.url if old else None,
        source=source,
    )


def token_secret(config: Config, store: Store) -> bytes:
    """The unsubscribe HMAC key: the environment variable `secret_env`, else one kept in the DB."""
    value = os.environ.get(config.notifications.secret_env) or store.secret("unsubscribe")
    return value.encode("utf-8")


def unsubscribe_url(config: Config, store: Store, subscriber_id: int, now: dt.datetime) -> str:
    """`{base_url}/unsubscribe/{token}` for a subscriber."""
    token = make_token(
        subscriber_id,
        secret=token_secret(config, store),
        now=now,
        days=config.notifications.token_days,
    )
    return f"{config.notifications.base_url.rstrip('/')}/unsubscribe/{token}"


def unsubscribe(store: Store, token: str, *, config: Config, now: dt.datetime) -> Subscriber:
    """Deactivate the subscriber a valid token names (TokenError otherwise); idempotent."""
    subscriber_id = verify_token(token, secret=token_secret(config, store), now=now)
    store.set_subscriber_active(subscriber_id, active=False)
    logger.info("subscriber %d unsubscribed", subscriber_id)
    return store.get_subscriber(subscriber_id)


def render_change_set_email(
    store: Store,
    change_set_id: int,
    *,
    config: Config,
    now: dt.datetime,
    subscriber: Subscriber | None = None,
) -> RenderedEmail:
    """The email a subscriber (default: a placeholder wanting everything) would get."""
    ctx = load_context(store, store.get_change_set(change_set_id))
    changes: Sequence[StoredChange] = ctx.change_set.visible_changes
    name = "订阅用户"
    url = f"{config.notifications.base_url.rstrip('/')}/unsubscribe/preview"
    if subscriber is not None and subscriber.id is not None:
        found = route_subscriber(ctx, subscriber, store.subscriptions_of(subscriber.id))
        changes = found.changes if found else changes
        name = subscriber.name
        url = unsubscribe_url(config, store, subscriber.id, now)
    return _single_email(ctx, changes, name=name, unsubscribe=url)


def _single_email(
    ctx: ChangeSetContext, changes: Sequence[StoredChange], *, name: str, unsubscribe: str
) -> RenderedEmail:
    view = EmailView(
        name=name,
        heading="policywatch 监测到您关注的政策有以下变化：",
        policies=(policy_view(ctx, changes),),
        unsubscribe_url=unsubscribe,
        digest=False,
    )
    return render_email(change_set_subject(ctx, changes), view)


def _sender(config: Config) -> str:
    return config.smtp.sender if config.smtp else "policywatch@localhost"


def make_transport(config: Config) -> Transport:
    """SMTP when `[smtp]` is configured, else the `.eml` writer into `[outbox] dir`."""
    smtp = config.smtp
    if smtp is None:
        return EmlTransport(config.outbox.dir)
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    settings = SMTPSettings(
        host=smtp.host,
        port=smtp.port,
        starttls=smtp.starttls,
        ssl=smtp.ssl,
        username=smtp.username,
        password=password,
        sender=smtp.sender,
        timeout=smtp.timeout,
    )
    return SMTPTransport(settings)


# -- sending ----------------------------------------------------------------------------------


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
    """Claim the due outbox rows, render one email per row or digest, deliver, confirm."""
    lease = config.notifications.claim_lease
    if dry_run:
        rows = store.due_outbox(now=now, lease=lease)
    else:
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


_Ready = tuple[Envelope, OutgoingEmail]


class _Mailer:
    """Renders and delivers the envelopes of one run, updating the outbox as it goes."""

    def __init__(self, *, config: Config, store: Store, now: dt.datetime) -> None:
        self.config = config
        self.store = store
        self.now = now
        self._contexts: dict[int, ChangeSetContext] = {}

    def context(self, change_set_id: int) -> ChangeSetContext:
        """The change set's context, loaded once per run."""
        if change_set_id not in self._contexts:
            cs = self.store.get_change_set(change_set_id)
            self._contexts[change_set_id] = load_context(self.store, cs)
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
        try:
            return env, self._message(env, subscriber)
        except ValueError as exc:  # an address that cannot be mailed: no retry helps
            self._give_up(env, subscriber.email, "", str(exc), run)
        except Exception as exc:  # one bad email must not sink the run
            logger.exception("cannot render the email of outbox rows %s", env.ids)
            self._retry(env, subscriber.email, "", f"render error: {exc}", run)
        return None

    def _message(self, env: Envelope, subscriber: Subscriber) -> OutgoingEmail:
        assert subscriber.id is not None
        subs = self.store.subscriptions_of(subscriber.id)
        items = []
        for row in env.rows:
            ctx = self.context(row.change_set_id)
            found = route_subscriber(ctx, subscriber, subs)
            items.append((ctx, found.changes if found else ctx.change_set.visible_changes))
        url = unsubscribe_url(self.config, self.store, subscriber.id, self.now)
        if env.digest:
            rendered = self._digest(env.cadence, items, subscriber.name, url)
        else:
            rendered = _single_email(*items[0], name=subscriber.name, unsubscribe=url)
        sender = _sender(self.config)
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
