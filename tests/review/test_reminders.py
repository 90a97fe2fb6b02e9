"""Comment-deadline reminders through the outbox: due `remind_before` ahead of the deadline
day's digest time, exactly once per subscriber, with how to comment; never when the final came
first (at queueing, and again at sending); not for who received the draft inside the window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import parsers
from monitor.config import Config
from monitor.review.actions import approve_change_set
from monitor.review.reminders import queue_reminders, reminder_time
from monitor.review.sending import send_due
from parsers.model import DocumentDiff
from parsers.records import ChangeSetKind, Fetched, OutboxItem, OutboxState
from state.store import Store, open_store
from tests.replica import DRAFT_DAY, FINAL_TEXT, Replica, replica_config, store_final

DEADLINE = dt.date(2022, 7, 20)


def _sent_draft(replica: Replica, config: Config, store: Store) -> None:
    approve_change_set(store, replica.draft_set, actor="t", now=DRAFT_DAY, config=config)
    assert send_due(config, store, now=DRAFT_DAY).emails == 3


def _reminders(store: Store) -> list[tuple[int, OutboxState]]:
    ids = [cs.id for cs in store.list_change_sets() if cs.kind is ChangeSetKind.REMINDER]
    return sorted(
        (i.subscriber_id, i.state) for cs_id in ids for i in store.list_outbox(change_set_id=cs_id)
    )


def test_reminder_time_is_remind_before_the_deadline_days_digest_time(tmp_path: Path) -> None:
    config = replica_config(tmp_path / "db", tmp_path / "outbox")
    assert reminder_time(DEADLINE, config) == dt.datetime(2022, 7, 17, 1, 0, tzinfo=dt.UTC)
    notes = dataclasses.replace(config.notifications, remind_before=dt.timedelta(hours=12))
    later = dataclasses.replace(config, notifications=notes)
    assert reminder_time(DEADLINE, later) == dt.datetime(2022, 7, 19, 13, 0, tzinfo=dt.UTC)


def test_one_reminder_each_with_how_to_comment(draft_replica: Replica, tmp_path: Path) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    due = reminder_time(DEADLINE, config)
    with open_store(draft_replica.path) as store:
        _sent_draft(draft_replica, config, store)
        assert queue_reminders(store, config, now=due - dt.timedelta(minutes=1)) == 0
        assert queue_reminders(store, config, now=due) == 3
        assert queue_reminders(store, config, now=due + dt.timedelta(hours=1)) == 0  # once
        report = send_due(config, store, now=due)
        assert report.emails == 3
        assert queue_reminders(store, config, now=due + dt.timedelta(days=1)) == 0
        assert send_due(config, store, now=due + dt.timedelta(days=1)).emails == 0
        assert [state for _, state in _reminders(store)] == [OutboxState.SENT] * 3
    reminders = []
    for path in config.outbox.dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if str(message["Subject"]).startswith("【征求意见即将截止】"):
            reminders.append(message)
    assert len(reminders) == 3
    body = reminders[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "意见反馈截止日期：2022年7月20日（还有3天）" in text
    assert "- 电子邮件：zjtx@gxj.sz.gov.cn" in text and "（邮编 518035）" in text
    assert "征求意见稿下载：" in text and "通知原文：" in text


def test_no_reminder_when_the_final_came_first(draft_replica: Replica, tmp_path: Path) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    due = reminder_time(DEADLINE, config)
    with open_store(draft_replica.path) as store:
        _sent_draft(draft_replica, config, store)
        store_final(store, draft_replica, due - dt.timedelta(days=1))
        assert queue_reminders(store, config, now=due) == 0
        assert send_due(config, store, now=due).emails == 0
        assert _reminders(store) == []


def test_a_queued_reminder_is_dropped_when_the_final_arrives_before_sending(
    draft_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    due = reminder_time(DEADLINE, config)
    with open_store(draft_replica.path) as store:
        _sent_draft(draft_replica, config, store)
        assert queue_reminders(store, config, now=due) == 3
        store_final(store, draft_replica, due + dt.timedelta(minutes=1))
        report = send_due(config, store, now=due + dt.timedelta(minutes=2))
        assert report.emails == 0 and report.cancelled == 3
        assert [state for _, state in _reminders(store)] == [OutboxState.CANCELLED] * 3


def test_who_received_the_draft_inside_the_window_is_not_reminded(
    draft_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    due = reminder_time(DEADLINE, config)
    late = due + dt.timedelta(hours=2)  # the draft was approved and sent after the window opened
    with open_store(draft_replica.path) as store:
        approve_change_set(store, draft_replica.draft_set, actor="t", now=late, config=config)
        send_due(config, store, now=late)  # its email says the deadline, three days ahead
        assert queue_reminders(store, config, now=late + dt.timedelta(hours=1)) == 0


def _sent_history(store: Store, count: int, at: dt.datetime) -> None:
    """`count` other documents, each with a final version whose email was sent (the history a
    daemon piles up: nothing in it is a draft for comment)."""
    final = parsers.parse_path(FINAL_TEXT)
    subscriber = store.list_subscribers()[0]
    assert subscriber.id is not None
    for n in range(count):
        url = f"http://127.0.0.1:9/history/{n}.html"
        doc_id = store.add_document(
            title=f"历史文件{n}", norm_title=f"历史文件{n}", status=final.status, url=url, now=at
        )
        fetched = Fetched(
            url=url,
            fetched_at=at,
            http_status=200,
            media_type="text/plain",
            content=b"x",
            content_hash=f"h{n}",
        )
        version = store.add_version(
            document_id=doc_id,
            rendition_id=None,
            fetched=fetched,
            text="x",
            document=final,
            tree_hash=f"t{n}",
            parser_version=parsers.PARSER_VERSION,
        )
        cs = store.add_change_set(
            document_id=doc_id,
            from_version_id=None,
            to_version_id=version,
            source_id=None,
            kind=ChangeSetKind.NEW_DOCUMENT,
            diff=DocumentDiff(),
            detected_at=at,
        )
        store.queue_outbox(
            OutboxItem(
                change_set_id=cs,
                subscriber_id=subscriber.id,
                message_id=f"<h{n}@t>",
                due_at=at,
                created_at=at,
            )
        )
    claimed = store.claim_due(now=at, lease=dt.timedelta(minutes=10))
    store.confirm_sent([i.id for i in claimed if i.id is not None], now=at)


def test_the_draft_deliveries_query_reads_no_tree_of_the_sent_history(
    draft_replica: Replica, tmp_path: Path
) -> None:
    """Every send run asks which drafts for comment went out: it reads the trees of the
    documents with a comment deadline only, however many sent emails the history holds (it
    used to parse every sent row's tree: a daemon's send runs grew with its age)."""
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    with open_store(draft_replica.path) as store:
        _sent_draft(draft_replica, config, store)
        _sent_history(store, 40, DRAFT_DAY + dt.timedelta(hours=1))
        draft_doc = store.get_change_set(draft_replica.draft_set).document_id
        trees = [store.version_tree(v.id) for v in store.version_hashes(draft_doc)]
        drafts = {tree.tree_json for tree in trees if tree is not None}
    trees_read: list[str] = []

    def json_extract(
        doc: str, path: str
    ) -> str | int | float | None:  # SQLite's, counting the trees it reads
        trees_read.append(doc)
        value: object = json.loads(doc)
        for key in path.removeprefix("$.").split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, str | int | float) else None

    with open_store(draft_replica.path) as store:  # before any statement is prepared
        store.conn.create_function("json_extract", 2, json_extract, deterministic=True)
        found = store.draft_deliveries(deadline_from=DEADLINE - dt.timedelta(days=3))
        assert len(found) == 3 and {d.deadline for d in found} == {DEADLINE}
    assert trees_read and set(trees_read) <= drafts  # none of the 40 sent finals' trees
