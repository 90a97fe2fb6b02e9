"""Delivery to a real aiosmtpd server: content, headers, retries, failures, crash recovery."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from monitor.config import Config
from monitor.review import actions, sending
from parsers.records import Cadence, OutboxState, Subscriber, Subscription
from state.store import Store
from tests.notifications.conftest import FINAL_URL, NOW, SMTPServer, body_text, draft_to_final

TITLE = "深圳市关于促进专精特新企业高质量发展的若干措施"


def subscribe(store: Store, name: str, email: str, **kw: object) -> int:
    """Add a subscriber with one subscription built from `kw`."""
    sub = Subscription(**kw)  # type: ignore[arg-type]
    return store.add_subscriber(Subscriber(name=name, email=email), [sub], now=NOW)


@pytest.fixture
def three(store: Store) -> int:
    """Three subscribers (企业融资, everything, daily digest) and the approved draft→final A."""
    subscribe(store, "融资部 张三", "finance@client.cn", topics=("企业融资",))
    subscribe(store, "李四", "all@client.cn")
    subscribe(store, "王五", "digest@client.cn", cadence=Cadence.DAILY)
    return draft_to_final(store)


def test_acceptance_each_expected_message_once(
    store: Store, config: Config, smtp_server: SMTPServer, three: int
) -> None:
    queued = actions.approve_change_set(store, three, actor="审核员", now=NOW, config=config)
    assert queued == 3
    report = sending.send_due(config, store, now=NOW)
    assert report.emails == 2  # the digest waits for 09:00 tomorrow (Asia/Shanghai)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "all@client.cn",
        "finance@client.cn",
    ]
    assert sending.send_due(config, store, now=NOW).emails == 0
    digest_time = dt.datetime(2022, 12, 31, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert sending.send_due(config, store, now=digest_time - dt.timedelta(seconds=1)).emails == 0
    assert sending.send_due(config, store, now=digest_time).emails == 1
    assert sending.send_due(config, store, now=digest_time + dt.timedelta(days=2)).emails == 0
    assert len(smtp_server.messages) == 3
    assert len({m.msg["Message-ID"] for m in smtp_server.messages}) == 3
    assert store.outbox_counts()[OutboxState.SENT] == 3


def test_message_content_headers_and_parts(
    store: Store, config: Config, smtp_server: SMTPServer, three: int
) -> None:
    actions.approve_change_set(store, three, actor="审核员", now=NOW, config=config)
    sending.send_due(config, store, now=NOW)
    by_rcpt = {m.rcpt_tos[0]: m for m in smtp_server.messages}
    received = by_rcpt["all@client.cn"]
    assert received.mail_from == "alerts@policywatch.test"
    msg = received.msg
    assert msg["Subject"] == f"【政策变更】{TITLE}：17处条款变化"
    assert msg["To"].addresses[0].display_name == "李四"
    assert msg["Message-ID"].startswith("<pw.") and msg["Message-ID"].endswith("@policywatch.test>")
    assert msg["Date"].datetime == NOW
    assert msg["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = body_text(msg, "plain"), body_text(msg, "html")
    for part in (text, html):
        assert "（九）激发创新活力：最高由30万元提高至50万元" in part
        assert "删除措施（三十二）增强法治意识" in part
        assert FINAL_URL in part
        assert "/unsubscribe/" in part
    assert "[-30万元-]{+50万元+}" in text
    assert (
        '<span style="color:#b00;text-decoration:line-through;background:#fdd">30万元</span>'
        in html
    )
    assert "<style" not in html and "<ins" not in html and "<del" not in html
    # Grouped by effect: money first, then new, removed, conditions..., renumberings last and
    # collapsed into one line.
    order = ["资金与比例", "新增措施", "删除措施", "条件与责任变化", "文字调整", "序号调整"]
    at = [text.index(f"、{title}（") for title in order]
    assert at == sorted(at)
    assert "原（二十四）至（三十一）序号顺延为（二十五）至（三十二）" in text
    assert "序号由（二十四）调整为（二十五）" not in text
    assert text.count("序号由") == 1  # only the moved （二十四） keeps its own renumbering
    finance = by_rcpt["finance@client.cn"].msg
    assert "状态由“征求意见稿”调整为“正式稿”" in finance["Subject"]
    finance_text = body_text(finance, "plain")
    # The topic subscriber reads first whether their topic changed (it did not), then the
    # rest in one line each: no redline of a clause outside their section.
    head, _, rest = finance_text.partition("本次其他变化")
    assert "【与您关注的「企业融资」相关】\n本次变化不涉及「企业融资」相关条款。" in head
    assert "激发创新活力" not in head and "（九）激发创新活力：最高由30万元提高至50万元" in rest
    assert "[-30万元-]" not in finance_text


def test_451_then_250_is_retried_with_backoff(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    subscribe(store, "李四", "all@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    smtp_server.handler.data_answers.append("451 4.3.0 Try again later")
    first = sending.send_due(config, store, now=NOW)
    assert (first.emails, first.held, first.ok) == (0, 1, False)
    (row,) = store.list_outbox()
    assert row.state is OutboxState.PENDING and row.last_error == "451 4.3.0 Try again later"
    assert row.hold_reason == "server"  # DATA refused: not the recipient's fault
    assert row.due_at == NOW + config.notifications.retry_backoff
    assert sending.send_due(config, store, now=NOW + dt.timedelta(seconds=30)).due == 0
    second = sending.send_due(config, store, now=row.due_at)
    assert second.emails == 1 and len(smtp_server.messages) == 1
    assert smtp_server.messages[0].msg["Message-ID"] == row.message_id


def test_550_for_one_recipient_does_not_block_others(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    for i in range(3):
        subscribe(store, f"用户{i}", f"user{i}@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    smtp_server.handler.refuse["user1@client.cn"] = "550 5.1.1 No such user"
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.failed) == (2, 1)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "user0@client.cn",
        "user2@client.cn",
    ]
    (failed,) = store.list_outbox(state=OutboxState.FAILED)
    assert failed.last_error == "550 5.1.1 No such user"
    assert sending.send_due(config, store, now=NOW + dt.timedelta(days=1)).due == 0


def test_server_down_for_a_run_then_up_delivers_each_once(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    for i in range(3):
        subscribe(store, f"用户{i}", f"user{i}@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    smtp_server.stop()
    down = sending.send_due(config, store, now=NOW)
    assert (down.emails, down.held) == (0, 3) and down.errors
    assert {r.hold_reason for r in store.list_outbox()} == {"connection"}
    smtp_server.start()
    later = NOW + dt.timedelta(minutes=5)
    up = sending.send_due(config, store, now=later)
    assert up.emails == 3
    assert sending.send_due(config, store, now=later + dt.timedelta(hours=1)).emails == 0
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        f"user{i}@client.cn" for i in range(3)
    ]


def test_crash_between_claim_and_confirm_resends_once_with_same_message_id(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    subscribe(store, "李四", "all@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    # A sender claims the row (committed) and dies before sending anything.
    (claimed,) = store.claim_due(now=NOW, lease=config.notifications.claim_lease)
    assert sending.send_due(config, store, now=NOW + dt.timedelta(minutes=1)).due == 0
    after_lease = NOW + config.notifications.claim_lease
    report = sending.send_due(config, store, now=after_lease)
    assert report.emails == 1
    assert sending.send_due(config, store, now=after_lease + dt.timedelta(hours=1)).due == 0
    (received,) = smtp_server.messages
    assert received.msg["Message-ID"] == claimed.message_id
    (row,) = store.list_outbox()
    assert (row.state, row.attempts) == (OutboxState.SENT, 2)


def test_eml_writer_names_files_by_message_id(store: Store, config: Config, tmp_path: Path) -> None:
    eml = dataclasses.replace(config, smtp=None)
    subscribe(store, "李四", "all@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=eml)
    (row,) = store.claim_due(now=NOW, lease=eml.notifications.claim_lease)
    # The claim's process died; after the lease the row is written, then the retry overwrites.
    assert sending.send_due(eml, store, now=NOW + eml.notifications.claim_lease).emails == 1
    files = list(eml.outbox.dir.glob("*.eml"))
    assert [f.name for f in files] == [row.message_id.strip("<>") + ".eml"]
    assert f"【政策变更】{TITLE}".encode() not in files[0].read_bytes()  # encoded header
    assert b"Subject: =?utf-8?" in files[0].read_bytes()


def test_dry_run_changes_nothing(store: Store, config: Config, smtp_server: SMTPServer) -> None:
    subscribe(store, "李四", "all@client.cn")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    report = sending.send_due(config, store, now=NOW, dry_run=True)
    assert report.dry_run and report.emails == 1 and report.items[0].to == "李四 <all@client.cn>"
    assert smtp_server.messages == []
    assert store.outbox_counts()[OutboxState.PENDING] == 1


def test_attach_table_and_branding(store: Store, config: Config, smtp_server: SMTPServer) -> None:
    import io

    from docx import Document

    notes = dataclasses.replace(
        config.notifications,
        attach_table=True,
        organisation="华南政策咨询",
        footer="如有疑问，请联系您的顾问。",
        reply_to="顾问 <adviser@consult.cn>",
    )
    config = dataclasses.replace(config, notifications=notes)
    subscribe(store, "李四", "all@client.cn")
    actions.approve_change_set(store, draft_to_final(store), actor="a", now=NOW, config=config)
    assert sending.send_due(config, store, now=NOW).emails == 1
    msg = smtp_server.messages[0].msg
    assert msg.get_content_type() == "multipart/mixed"
    assert msg["From"].addresses[0].display_name == "华南政策咨询 政策监测"
    assert msg["Reply-To"].addresses[0].addr_spec == "adviser@consult.cn"
    text = body_text(msg, "plain")
    assert (
        "华南政策咨询监测到您关注的政策有以下变化" in text and "如有疑问，请联系您的顾问。" in text
    )
    (attachment,) = msg.iter_attachments()
    assert attachment.get_filename() == f"{TITLE}-新旧条文对照表.docx"
    (table,) = Document(io.BytesIO(attachment.get_content())).tables
    assert [c.text for c in table.rows[0].cells] == ["修改前", "修改后", "说明"]
    assert len(table.rows) == 18  # the header and the 17 changes
