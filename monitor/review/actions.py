"""Review actions: approve (queueing the outbox rows in the same transaction) and reject.

Used by the CLI (`changes approve|reject`), the web UI and the check pipeline (auto-approve).
Composing the emails lives in `monitor.review.compose`, sending what is due in
`monitor.review.sending`.
"""

from __future__ import annotations

import datetime as dt
import logging

from monitor.config import Config
from monitor.local_time import SHANGHAI
from monitor.review.compose import load_context, sender_address
from notifications.explain import Audience, audience
from notifications.message import make_message_id, sender_domain
from notifications.routing import route
from parsers.model import ChangeKind
from parsers.records import (
    Cadence,
    ChangeSetRecord,
    ChangeSetState,
    OutboxItem,
    ReviewAction,
    StoredChange,
)
from state.store import Store

logger = logging.getLogger(__name__)


def approve_change_set(
    store: Store,
    change_set_id: int,
    *,
    actor: str,
    now: dt.datetime,
    config: Config,
    notify: bool = True,
) -> int:
    """Approve a pending change set and queue its emails in ONE transaction; rows queued.

    `notify=False` approves it as history only (a stale draft staff chose not to announce).
    """
    with store.atomic():
        store.set_change_set_state(change_set_id, ChangeSetState.APPROVED, actor=actor, at=now)
        action = "approve" if notify else "approve_quiet"
        store.add_review(
            ReviewAction(change_set_id=change_set_id, action=action, actor=actor, at=now)
        )
        queued = queue_notifications(store, change_set_id, now=now, config=config) if notify else 0
    logger.info("change set %d approved by %s: %d email(s) queued", change_set_id, actor, queued)
    return queued


def pure_renumberings(record: ChangeSetRecord) -> tuple[StoredChange, ...]:
    """Visible changes that only renumber a clause (same words, same section): what a reviewer
    suppresses in one action with one reason."""
    return tuple(
        s
        for s in record.visible_changes
        if s.change.kinds == (ChangeKind.RENUMBERED,) and s.change.old_text == s.change.new_text
    )


def change_set_audience(store: Store, change_set_id: int, *, now: dt.datetime) -> Audience:
    """Who approving the change set `now` would notify, and why (the review UI's recipients;
    the same routing `queue_notifications` uses)."""
    ctx = load_context(store, store.get_change_set(change_set_id), now=now)
    return audience(ctx, store.active_subscriptions())


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
    """Queue one outbox row per matching subscriber and channel of theirs (call inside the
    approving transaction); unique per change set × subscriber × channel."""
    ctx = load_context(store, store.get_change_set(change_set_id), now=now)
    domain = sender_domain(sender_address(config))
    channels = store.all_channels()
    queued = 0
    for found in route(ctx, store.active_subscriptions()):
        sub_id = found.subscriber.id or 0
        for channel in channels.get(sub_id, ()):
            key = f"{change_set_id}.{sub_id}" + ("" if channel == "email" else ".chat")
            item = OutboxItem(
                change_set_id=change_set_id,
                subscriber_id=sub_id,
                channel=channel,
                cadence=found.cadence,
                message_id=make_message_id(domain, key=key),
                due_at=due_at(found.cadence, now, config),
                created_at=now,
            )
            queued += store.queue_outbox(item) is not None
    return queued


def due_at(cadence: Cadence, now: dt.datetime, config: Config) -> dt.datetime:
    """Now for immediate; else the next digest time (Asia/Shanghai) after now, in UTC."""
    if cadence is Cadence.IMMEDIATE:
        return now
    at = config.notifications.digest_time
    local = now.astimezone(SHANGHAI)
    when = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if cadence is Cadence.WEEKLY:
        weekday = config.notifications.weekly_day.number
        when += dt.timedelta(days=(weekday - local.weekday()) % 7)
    step = dt.timedelta(days=7 if cadence is Cadence.WEEKLY else 1)
    while when <= local:
        when += step
    return when.astimezone(dt.UTC)
