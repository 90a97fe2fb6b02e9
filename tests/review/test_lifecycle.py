"""Lifecycle-aware sending: a draft approved after its final (or after its deadline) is not
announced as open for comment, at approval and again at sending; its card says why."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import parsers
from monitor.review.actions import approve_change_set
from monitor.review.sending import send_due
from parsers.model import Status
from parsers.records import Cadence
from state.store import open_store
from tests.replica import DRAFT_DAY, Replica, replica_config, store_final


def _messages(outbox: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def _text(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def test_a_draft_approved_after_its_final_does_not_invite_comments(
    story_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(story_replica.path, tmp_path / "outbox")
    later = dt.datetime(2022, 12, 31, 2, 0, tzinfo=dt.UTC)
    with open_store(story_replica.path) as store:
        approve_change_set(store, story_replica.draft_set, actor="t", now=later, config=config)
        draft = store.get_version(store.get_change_set(story_replica.draft_set).to_version_id or 0)
        final_url = store.final_after(draft.document_id, draft.seq)
        cadences = {i.subscriber_id: i.cadence for i in store.list_outbox()}
        # Not urgent any more: the daily subscriber waits for the digest as for any change.
        assert sorted(cadences.values()) == [Cadence.DAILY, Cadence.IMMEDIATE, Cadence.IMMEDIATE]
        send_due(config, store, now=later)
    [first, *_] = messages = _messages(config.outbox.dir)
    assert len(messages) == 2
    subject = str(first["Subject"])
    assert subject.startswith("【征求意见已结束】") and subject.endswith("（正式稿已发布）")
    body = _text(first)
    assert "本次征求意见已结束：该政策的正式稿已经发布" in body
    # the final is linked (whichever of its renditions the check stored first)
    assert final_url and "10358920" in final_url and final_url in body
    assert "如何反馈意见" not in body and "征求意见中" not in body


def test_a_draft_approved_after_its_deadline_says_the_consultation_closed(
    draft_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    late = dt.datetime(2022, 7, 25, 2, 0, tzinfo=dt.UTC)  # the deadline was 2022-07-20
    with open_store(draft_replica.path) as store:
        approve_change_set(store, draft_replica.draft_set, actor="t", now=late, config=config)
        send_due(config, store, now=late)
    first = _messages(config.outbox.dir)[0]
    assert str(first["Subject"]).endswith("（意见征集已截止）")
    assert "本次征求意见已于2022年7月20日截止，不再接受反馈" in _text(first)


def test_a_final_stored_between_approval_and_sending_changes_the_email(
    draft_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    with open_store(draft_replica.path) as store:
        approve_change_set(store, draft_replica.draft_set, actor="t", now=DRAFT_DAY, config=config)
        store_final(store, draft_replica, DRAFT_DAY + dt.timedelta(hours=1))
        send_due(config, store, now=DRAFT_DAY + dt.timedelta(hours=2))
    messages = _messages(config.outbox.dir)
    assert len(messages) == 3
    for message in messages:
        assert str(message["Subject"]).startswith("【征求意见已结束】")
        assert "征求意见中" not in _text(message, "html")


def test_an_open_draft_invites_comments_with_the_notices_channels(
    draft_replica: Replica, tmp_path: Path
) -> None:
    config = replica_config(draft_replica.path, tmp_path / "outbox")
    with open_store(draft_replica.path) as store:
        version = store.get_version(
            store.get_change_set(draft_replica.draft_set).to_version_id or 0
        )
        assert version.document.status is Status.DRAFT and version.notice_url is not None
        approve_change_set(store, draft_replica.draft_set, actor="t", now=DRAFT_DAY, config=config)
        send_due(config, store, now=DRAFT_DAY)
    first = _messages(config.outbox.dir)[0]
    body = _text(first)
    assert str(first["Subject"]).endswith("（截止2022年7月20日）")
    assert "征求意见中：请于2022年7月20日前反馈意见（还有29天）。" in body
    assert "- 电子邮件：zjtx@gxj.sz.gov.cn；邮件标题请注明“规范性文件征求意见”字样" in body
    assert "（邮编 518035）" in body
    assert "通知原文：" in body and version.notice_url in body  # the notice page
    assert "文件下载：" in body and version.url in body  # and its attachment
    assert "- 一、加大财税支持力度（2条）" in body
    assert 'href="mailto:zjtx@gxj.sz.gov.cn"' in _text(first, "html")


def test_the_card_state_follows_the_clock() -> None:
    from notifications.card import consultation
    from notifications.model import ChangeSetContext
    from parsers.model import PolicyDocument
    from parsers.records import ChangeSetKind, ChangeSetRecord, ChangeSetState

    record = ChangeSetRecord(
        id=1,
        document_id=1,
        document_title="x",
        from_version_id=None,
        to_version_id=1,
        source_id=None,
        kind=ChangeSetKind.NEW_DOCUMENT,
        state=ChangeSetState.PENDING,
        detected_at=DRAFT_DAY,
        diff=parsers.model.DocumentDiff(),
    )
    draft = PolicyDocument(title="x", status=Status.DRAFT, comment_deadline=dt.date(2022, 7, 20))
    ctx = ChangeSetContext(change_set=record, new=draft, today=dt.date(2022, 7, 20))
    assert consultation(ctx) == "open" and ctx.urgent  # the deadline day itself is still open
    assert consultation(dataclasses.replace(ctx, today=dt.date(2022, 7, 21))) == "closed"
    assert consultation(dataclasses.replace(ctx, final_url="http://a.gov.cn/f")) == "final"
    assert not dataclasses.replace(ctx, final_url="http://a.gov.cn/f").urgent
