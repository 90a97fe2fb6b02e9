"""Comment-deadline reminders: who received a draft for comment hears about it once more,
`[notifications] remind_before` ahead of its deadline, through the same outbox.

The reminder of a draft version is a `reminder` change set (created, already approved, when
the first reminder is due) whose outbox rows are the reminders: one per subscriber × channel,
unique like every outbox row, so a reminder goes out exactly once however often this runs.
Nobody is reminded when the final came first (checked here and again when the row is sent),
and a subscriber who received the draft after the reminder time has just read the deadline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from monitor.config import Config
from monitor.local_time import SHANGHAI
from monitor.review.compose import sender_address
from notifications.message import make_message_id, sender_domain
from parsers.model import DocumentDiff
from parsers.records import (
    Cadence,
    ChangeSetKind,
    ChangeSetState,
    OutboxItem,
    ReviewAction,
)
from state.outbox import DraftDelivery
from state.store import Store

logger = logging.getLogger(__name__)

REMINDER_ACTOR = "policywatch"


def reminder_time(deadline: dt.date, config: Config) -> dt.datetime:
    """When a deadline's reminder is due: `remind_before` ahead of `digest_time` (Beijing) on
    the deadline day. With the defaults, 09:00 three days before."""
    at = config.notifications.digest_time
    local = dt.datetime.combine(deadline, at, tzinfo=SHANGHAI)
    return (local - config.notifications.remind_before).astimezone(dt.UTC)


def queue_reminders(store: Store, config: Config, *, now: dt.datetime) -> int:
    """Queue the reminders due `now` (each once); returns how many rows were queued."""
    today = now.astimezone(SHANGHAI).date()
    by_version: dict[int, list[DraftDelivery]] = {}
    for delivery in store.draft_deliveries(deadline_from=today):
        by_version.setdefault(delivery.version_id, []).append(delivery)
    queued = 0
    for version_id, deliveries in by_version.items():
        due = reminder_time(deliveries[0].deadline, config)
        if now < due:
            continue
        version = store.get_version(version_id)
        if store.final_after(version.document_id, version.seq) is not None:
            continue  # the final came first: the consultation is over, nobody is reminded
        # Who received the draft after the reminder time has just read its deadline.
        wanted = [d for d in deliveries if d.sent_at < due]
        if wanted:
            queued += _queue(store, config, version_id, wanted, now=now)
    if queued:
        logger.info("%d comment-deadline reminder(s) queued", queued)
    return queued


def _queue(
    store: Store,
    config: Config,
    version_id: int,
    deliveries: Sequence[DraftDelivery],
    *,
    now: dt.datetime,
) -> int:
    """The reminder change set of a draft version (created once) and its rows, in one
    transaction."""
    domain = sender_domain(sender_address(config))
    queued = 0
    with store.atomic():
        cs_id = store.reminder_for(version_id)
        if cs_id is None:
            cs_id = _reminder_set(store, deliveries[0], now=now)
        for delivery in deliveries:
            item = OutboxItem(
                change_set_id=cs_id,
                subscriber_id=delivery.subscriber_id,
                channel=delivery.channel,
                cadence=Cadence.IMMEDIATE,
                message_id=make_message_id(domain, key=f"r{cs_id}.{delivery.subscriber_id}"),
                due_at=now,
                created_at=now,
            )
            queued += store.queue_outbox(item) is not None
    return queued


def _reminder_set(store: Store, delivery: DraftDelivery, *, now: dt.datetime) -> int:
    cs_id = store.add_change_set(
        document_id=delivery.document_id,
        from_version_id=None,
        to_version_id=delivery.version_id,
        source_id=None,
        kind=ChangeSetKind.REMINDER,
        diff=DocumentDiff(),
        detected_at=now,
        state=ChangeSetState.APPROVED,
        note=f"征求意见截止日期 {delivery.deadline.isoformat()} 的提醒"
        f"（征求意见稿见变更集 #{delivery.change_set_id}）",
    )
    store.set_change_set_state(
        cs_id, ChangeSetState.APPROVED, actor=REMINDER_ACTOR, at=now, expect=None
    )
    store.add_review(
        ReviewAction(change_set_id=cs_id, action="remind", actor=REMINDER_ACTOR, at=now)
    )
    return cs_id
