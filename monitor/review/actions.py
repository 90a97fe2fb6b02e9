"""Notifications orchestration: approve/reject, queue outbox rows, render, unsubscribe.

Used by the CLI (`changes approve`, `unsubscribe`), the web UI (approve/reject, email preview,
unsubscribe endpoint) and the pipeline (auto-approve). Sending what is due lives in
`monitor.review.sending`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from monitor.config import Config
from notifications.message import make_message_id, sender_domain
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.render import (
    EmailView,
    change_set_subject,
    policy_view,
    render_email,
)
from notifications.routing import route, route_subscriber
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
    domain = sender_domain(sender_address(config))
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
    return single_email(ctx, changes, name=name, unsubscribe=url)


def single_email(
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


def sender_address(config: Config) -> str:
    """The `From:` address (also the domain of Message-IDs)."""
    return config.smtp.sender if config.smtp else "policywatch@localhost"
