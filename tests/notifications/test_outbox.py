"""The outbox store and digests: backoff, giving up, uniqueness, one email per digest."""

from __future__ import annotations

import dataclasses
import datetime as dt

from monitor.config import Config, NotificationsConfig, Weekday
from monitor.review import actions, sending
from parsers.records import Cadence, OutboxItem, OutboxState, Subscriber, Subscription
from state.outbox import backoff
from state.store import Store
from tests.notifications.conftest import (
    NOW,
    SMTPServer,
    body_text,
    draft_to_final,
    new_document,
    parsed,
)

DAY = dt.timedelta(days=1)


def test_backoff_doubles_and_caps() -> None:
    base = dt.timedelta(minutes=1)
    assert [backoff(n, base).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30, base) == dt.timedelta(hours=6)


def test_retry_then_give_up_after_max_attempts(store: Store) -> None:
    store.add_subscriber(Subscriber(name="a", email="a@x.cn"), [Subscription()], now=NOW)
    cs = draft_to_final(store)
    item = OutboxItem(
        change_set_id=cs, subscriber_id=1, message_id="<m@x>", due_at=NOW, created_at=NOW
    )
    assert store.queue_outbox(item) is not None
    assert store.queue_outbox(dataclasses.replace(item, message_id="<m2@x>")) is None  # UNIQUE
    now, base = NOW, dt.timedelta(minutes=1)
    for attempt in (1, 2):
        (row,) = store.claim_due(now=now, lease=DAY)
        assert row.attempts == attempt and row.state is OutboxState.CLAIMED
        assert (
            store.schedule_retry([row.id or 0], now=now, error="451", base=base, max_attempts=3)
            == 1
        )
        (row,) = store.list_outbox()
        assert row.due_at == now + backoff(attempt, base)
        assert store.claim_due(now=row.due_at - dt.timedelta(seconds=1), lease=DAY) == []
        now = row.due_at
    (row,) = store.claim_due(now=now, lease=DAY)
    assert store.schedule_retry([row.id or 0], now=now, error="451", base=base, max_attempts=3) == 0
    (row,) = store.list_outbox()
    assert row.state is OutboxState.FAILED and "gave up after 3" in (row.last_error or "")
    assert store.outbox_counts()[OutboxState.FAILED] == 1


def test_daily_digest_groups_change_sets_by_policy(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    store.add_subscriber(
        Subscriber(name="王五", email="digest@client.cn"),
        [Subscription(cadence=Cadence.DAILY)],
        now=NOW,
    )
    final = parsed("zjtx-final-a.txt")
    first = draft_to_final(store)
    other = new_document(
        store,
        dataclasses.replace(final, title="深圳市另一项政策措施"),
        url="https://gxj.sz.gov.cn/b.html",
    )
    for cs in (first, other):
        assert actions.approve_change_set(store, cs, actor="a", now=NOW, config=config) == 1
    report = sending.send_due(config, store, now=NOW + DAY)
    assert (report.due, report.emails, report.rows_sent) == (2, 1, 2)
    (received,) = smtp_server.messages
    msg = received.msg
    assert msg["Subject"] == "【政策动态每日汇总】2022年12月31日：2项政策有变化"
    text = body_text(msg, "plain")
    assert "==== 【政策变更】深圳市关于促进专精特新企业高质量发展的若干措施 ====" in text
    assert "==== 【新政策发布】深圳市另一项政策措施 ====" in text
    assert text.count("====\n") == 2


def test_due_at_next_digest_time_in_shanghai() -> None:
    config = Config(
        notifications=NotificationsConfig(digest_time=dt.time(9, 0), weekly_day=Weekday.MON)
    )
    friday_10_local = dt.datetime(2022, 12, 30, 2, 0, tzinfo=dt.UTC)
    assert actions.due_at(Cadence.IMMEDIATE, friday_10_local, config) == friday_10_local
    assert actions.due_at(Cadence.DAILY, friday_10_local, config) == dt.datetime(
        2022, 12, 31, 1, 0, tzinfo=dt.UTC
    )
    early = dt.datetime(2022, 12, 29, 23, 0, tzinfo=dt.UTC)  # 07:00 Friday in Shanghai
    assert actions.due_at(Cadence.DAILY, early, config) == dt.datetime(
        2022, 12, 30, 1, 0, tzinfo=dt.UTC
    )
    assert actions.due_at(Cadence.WEEKLY, friday_10_local, config) == dt.datetime(
        2023, 1, 2, 1, 0, tzinfo=dt.UTC
    )
