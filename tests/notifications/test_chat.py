"""Chat channels against loopback stand-ins of 钉钉, 企业微信 and 飞书 (and Apprise's json://)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from monitor.config import ChannelConfig, Config
from monitor.review import actions, sending
from parsers.records import Cadence, OutboxState, Subscriber, Subscription
from state.store import Store
from tests.notifications.chat_servers import SECRET, Platforms, platforms
from tests.notifications.conftest import NOW, SMTPServer, draft_to_final

__all__ = ["platforms"]  # the fixture, imported for pytest

ENV = "PW_TEST_CHAT_SECRET"


def with_channels(config: Config, platforms: Platforms, *kinds: str) -> Config:
    """`config` with one [[channel]] per kind (named after it) on the loopback platforms."""
    channels = tuple(
        ChannelConfig(
            name=f"acme-{kind}",
            kind="apprise" if kind == "json" else kind,
            url=platforms.url(kind),
            secret_env=ENV if kind in ("dingtalk", "feishu") else None,
        )
        for kind in kinds
    )
    return dataclasses.replace(config, channels=channels)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)


def group(store: Store, *channels: str, email: bool = False, **kw: object) -> int:
    """A client company's chat group as a subscriber."""
    sub = Subscription(**kw)  # type: ignore[arg-type]
    chosen = (["email"] if email else []) + list(channels)
    who = Subscriber(name="某科技公司", email="contact@client.cn", company="某科技公司")
    return store.add_subscriber(who, [sub], now=NOW, channels=chosen)


def test_acceptance_dingtalk_17_changes_signed_money_first_rate_limit_retried(
    store: Store, config: Config, platforms: Platforms
) -> None:
    config = with_channels(config, platforms, "dingtalk")
    group(store, "acme-dingtalk")
    cs = draft_to_final(store)
    assert actions.approve_change_set(store, cs, actor="a", now=NOW, config=config) == 1
    platforms.queue("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times"})
    first = sending.send_due(config, store, now=NOW)
    assert (first.emails, first.held, first.failed) == (0, 1, 0)
    (row,) = store.list_outbox()
    assert (row.state, row.hold_reason) == (OutboxState.PENDING, "rate-limit")
    assert row.due_at >= NOW + dt.timedelta(minutes=10)  # 钉钉 throttles for 10 minutes
    assert sending.send_due(config, store, now=NOW + dt.timedelta(minutes=5)).due == 0
    later = sending.send_due(config, store, now=row.due_at)
    assert (later.emails, later.ok) == (1, True)
    (posted,) = platforms.of("dingtalk")
    assert posted.signed  # the stand-in verified the 加签 signature and its timestamp
    assert posted.body["markdown"]["title"].endswith("17处条款变化")
    text = posted.text
    order = ["资金与比例", "新增措施", "删除措施", "条件与责任变化", "文字调整", "序号调整"]
    at = [text.index(f"、{title}（") for title in order]
    assert at == sorted(at)
    assert text.index("最高由30万元提高至50万元") < text.index("新增措施（十三）")
    assert "原（二十四）至（三十一）序号顺延为（二十五）至（三十二）" in text
    assert "序号由（二十四）调整为（二十五）" not in text
    assert "/report/r" in text  # the link to the full change set
    assert sending.send_due(config, store, now=row.due_at + dt.timedelta(days=1)).due == 0
    assert len(platforms.of("dingtalk")) == 1


def test_a_wrong_secret_is_our_configuration_and_holds(
    store: Store, config: Config, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = with_channels(config, platforms, "dingtalk", "feishu")
    group(store, "acme-dingtalk", "acme-feishu")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    monkeypatch.setenv(ENV, "SECwrong")
    report = sending.send_due(config, store, now=NOW)
    assert (report.held, report.failed) == (2, 0)
    errors = {r.channel: r.last_error or "" for r in store.list_outbox()}
    assert "310000" in errors["acme-dingtalk"] and "19021" in errors["acme-feishu"]
    assert "tok" not in "".join(errors.values())  # the webhook token is never in an error
    monkeypatch.setenv(ENV, SECRET)
    fixed = sending.send_due(config, store, now=NOW, retry_held=True)
    assert fixed.emails == 2
    assert [p.signed for p in platforms.accepted] == [True, True]


def test_feishu_card_signed_and_a_vanished_bot_gives_up_that_channel_only(
    store: Store, config: Config, platforms: Platforms, smtp_server: SMTPServer
) -> None:
    config = with_channels(config, platforms, "feishu", "wecom")
    group(store, "acme-feishu", "acme-wecom", email=True)
    cs = draft_to_final(store)
    assert actions.approve_change_set(store, cs, actor="a", now=NOW, config=config) == 3
    platforms.queue("wecom", {"errcode": 93000, "errmsg": "invalid webhook url, hint: [x]"})
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.failed, report.held) == (2, 1, 0)
    states = {r.channel: r.state for r in store.list_outbox()}
    assert states == {
        "email": OutboxState.SENT,
        "acme-feishu": OutboxState.SENT,
        "acme-wecom": OutboxState.FAILED,
    }
    (card,) = platforms.of("feishu")
    assert card.signed and card.body["card"]["header"]["title"]["content"].endswith("17处条款变化")
    assert "**一、资金与比例（3）**" in card.text
    assert len(smtp_server.messages) == 1


def test_wecom_splits_at_4096_bytes_and_a_rate_limit_never_reposts_a_part(
    store: Store, config: Config, platforms: Platforms
) -> None:
    config = with_channels(config, platforms, "wecom")
    group(store, "acme-wecom", cadence=Cadence.DAILY)
    for _ in range(3):  # three policies in one daily digest: about 6 KB
        cs = draft_to_final(store)
        actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    nine = dt.datetime(2022, 12, 31, 1, 0, tzinfo=dt.UTC)  # the digest at 09:00 Shanghai
    platforms.queue("wecom", {"errcode": 0, "errmsg": "ok"})  # part 1 accepted
    platforms.queue("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"})
    report = sending.send_due(config, store, now=nine)
    rows = store.list_outbox()
    assert report.held == 3 and {(r.parts_sent, r.hold_reason) for r in rows} == {(1, "rate-limit")}
    later = sending.send_due(config, store, now=max(r.due_at for r in rows))
    assert later.emails == 1
    parts = platforms.of("wecom")
    assert len(parts) >= 1 and all(len(p.text.encode()) <= 4096 for p in parts)
    assert parts[0].text.startswith("（续2/")  # part 1 was not posted again


def test_apprise_url_delivers_through_the_library(
    store: Store, config: Config, platforms: Platforms
) -> None:
    config = with_channels(config, platforms, "json")
    group(store, "acme-json")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    report = sending.send_due(config, store, now=NOW)
    assert report.emails == 1, report.errors
    (posted,) = platforms.of("json")
    assert posted.body["title"].endswith("17处条款变化")
    assert "资金与比例" in posted.body["message"]


def test_a_channel_missing_from_the_config_holds_its_messages(
    store: Store, config: Config, platforms: Platforms
) -> None:
    with_chat = with_channels(config, platforms, "dingtalk")
    group(store, "acme-dingtalk")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=with_chat)
    report = sending.send_due(config, store, now=NOW)  # the [[channel]] table was removed
    assert (report.held, report.failed) == (1, 0)
    (row,) = store.list_outbox()
    assert row.hold_reason == "config" and "not configured" in (row.last_error or "")
    assert sending.send_due(with_chat, store, now=NOW, retry_held=True).emails == 1


def test_platform_5xx_and_http_429_hold(store: Store, config: Config, platforms: Platforms) -> None:
    config = with_channels(config, platforms, "feishu")
    group(store, "acme-feishu")
    cs = draft_to_final(store)
    actions.approve_change_set(store, cs, actor="a", now=NOW, config=config)
    platforms.queue("feishu", {"_status": 502, "code": 1, "msg": "bad gateway"})
    assert sending.send_due(config, store, now=NOW).held == 1
    (row,) = store.list_outbox()
    assert row.hold_reason == "server" and "HTTP 502" in (row.last_error or "")
    platforms.queue("feishu", {"_status": 429, "code": 11232, "msg": "frequency limited"})
    assert sending.send_due(config, store, now=row.due_at).held == 1
    (row,) = store.list_outbox()
    assert row.hold_reason == "rate-limit"
    assert sending.send_due(config, store, now=row.due_at).emails == 1
