"""The subscribers pages manage channels; the review desk names each recipient's channels,
previews a chat group's message as its bot will post it, and confirms every message; the report
link shows a change set without a login."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from monitor.config import ChannelConfig, Config, NotificationsConfig
from monitor.review.unsubscribe import report_url
from parsers.records import Subscriber, Subscription
from state.store import Store
from tests.web.conftest import NOW, Seeded

Client = tuple[TestClient, str]
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=secret-token-123"


@pytest.fixture
def web_config() -> Config:
    """The web tests' config with one 钉钉 group."""
    channel = ChannelConfig(name="acme-dingtalk", kind="dingtalk", url=DINGTALK)
    notes = NotificationsConfig(base_url="http://127.0.0.1:8000")
    return Config(notifications=notes, channels=(channel,))


def test_admin_adds_and_removes_a_chat_channel(admin: Client, store: Store) -> None:
    client, token = admin
    page = client.get("/subscribers/1").text
    assert "接收渠道" in page and '<option value="acme-dingtalk">acme-dingtalk（钉钉）' in page
    assert "secret-token-123" not in page  # the webhook token never reaches a page
    client.post("/subscribers/1/channels", data={"csrf": token, "channel": "acme-dingtalk"})
    assert store.channels_of(1) == ["email", "acme-dingtalk"]
    assert "email、acme-dingtalk" in client.get("/subscribers").text
    unknown = client.post("/subscribers/1/channels", data={"csrf": token, "channel": "nope"})
    assert "未知的接收渠道" in unknown.text and store.channels_of(1) == ["email", "acme-dingtalk"]
    client.post("/subscribers/1/channels/remove", data={"csrf": token, "channel": "email"})
    assert store.channels_of(1) == ["acme-dingtalk"]
    assert "移除接收渠道" in client.get("/audit").text


def test_reviewers_cannot_change_channels(reviewer: Client, store: Store) -> None:
    client, token = reviewer
    response = client.post(
        "/subscribers/1/channels", data={"csrf": token, "channel": "acme-dingtalk"}
    )
    assert response.status_code == 403 and store.channels_of(1) == ["email"]


def test_report_link_shows_the_change_set_without_login(
    client: TestClient, store: Store, seeded: Seeded, web_config: Config
) -> None:
    url = report_url(web_config, store, seeded.change_set_id, issued=NOW)
    path = url.split("127.0.0.1:8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "30万元" in page.text
    assert "unsafe-inline" in page.headers["content-security-policy"]
    assert client.get(path[:-2] + "xx").status_code == 404
    assert client.get("/report/1.2.abc").status_code == 404  # an unsubscribe-shaped token


def _groups(store: Store) -> tuple[int, int]:
    """张三 reads email and the 钉钉 group; a client reads only a group the config file no
    longer has; another matching subscriber has no channel at all."""
    store.add_channel(1, "acme-dingtalk")
    gone = store.add_subscriber(
        Subscriber(name="旧群客户", email="old@client.cn"),
        [Subscription()],
        now=NOW,
        channels=["gone-group"],
    )
    silent = store.add_subscriber(
        Subscriber(name="无渠道客户", email="none@client.cn"),
        [Subscription()],
        now=NOW,
        channels=(),
    )
    return gone, silent


def test_recipients_name_each_channel_and_the_count_says_emails_and_group_messages(
    reviewer: Client, store: Store, seeded: Seeded
) -> None:
    client, _ = reviewer
    gone, _ = _groups(store)
    page = client.get(f"/change-sets/{seeded.change_set_id}").text
    soup = BeautifulSoup(page, "lxml")
    bar = soup.select_one("#decision-bar .bar-what")
    assert bar is not None
    assert "批准后将向 3 位订阅者发送 2 封邮件、2 条群消息（即时 3）" in bar.get_text()
    assert "邮件 2 · 钉钉群 acme-dingtalk 1 · gone-group（缺失） 1" in soup.get_text()
    dialog = soup.select_one("#confirm-approve")
    assert dialog is not None
    assert dialog.select_one("input[name=confirm]")["value"] == "4"  # type: ignore[index]
    rows = {
        tr.select_one("td a").get_text(): [c.get_text() for c in tr.select(".channel")]  # type: ignore[union-attr]
        for tr in soup.select("table.recipients-table tbody tr")
    }
    assert rows == {
        "张三": ["邮件 zhang@example.com", "钉钉群 acme-dingtalk"],
        "李四": ["邮件 li@example.com"],
        "旧群客户": ["gone-group（配置文件中没有此渠道，发送时将暂缓）"],
    }
    assert "另有 1 位订阅者匹配但没有任何接收渠道（无渠道客户）" in page
    chat = client.get(f"/change-sets/{seeded.change_set_id}?preview=1&channel=acme-dingtalk")
    preview = BeautifulSoup(chat.text, "lxml").select_one(".chat-preview")
    assert preview is not None and "iframe" not in str(preview)
    assert "群消息预览：张三 · 钉钉群 acme-dingtalk" in chat.text
    (part,) = preview.select("pre.chat-part")
    assert "**一、资金与比例（3）**" in part.get_text() and "  \n" in part.get_text()
    title = preview.select_one(".chat-title span")
    assert title is not None and title.get_text().endswith("17处条款变化")
    missing = client.get(f"/change-sets/{seeded.change_set_id}?preview={gone}")
    assert "配置文件中没有渠道 gone-group：无法预览" in missing.text
    email = client.get(f"/change-sets/{seeded.change_set_id}?preview=1&channel=email")
    frame_src = f'src="/change-sets/{seeded.change_set_id}/preview/1"'
    assert frame_src in email.text and "chat-preview" not in email.text
    frame = client.get(f"/change-sets/{seeded.change_set_id}/preview/{gone}")
    assert frame.status_code == 404  # that client gets no email to preview


def test_approval_confirms_every_message_emails_and_group_messages_together(
    reviewer: Client, store: Store, seeded: Seeded
) -> None:
    client, token = reviewer
    _groups(store)
    url = f"/change-sets/{seeded.change_set_id}/approve"
    asked = client.post(url, data={"csrf": token})
    assert "将向 3 位订阅者发送 2 封邮件、2 条群消息（即时 3）。" in asked.text
    subscribers_only = client.post(url, data={"csrf": token, "confirm": "3"})
    assert "确认批准" in subscribers_only.text and store.list_outbox() == []
    done = client.post(url, data={"csrf": token, "confirm": "4"})
    rows = store.list_outbox(change_set_id=seeded.change_set_id)
    assert sorted((r.subscriber_id, r.channel) for r in rows) == [
        (1, "acme-dingtalk"),
        (1, "email"),
        (2, "email"),
        (3, "gone-group"),
    ]
    assert "已批准，已排队 4 条通知（2 封邮件、2 条群消息）" in done.text


def test_bulk_approval_counts_group_messages_too(
    reviewer: Client, store: Store, seeded: Seeded
) -> None:
    client, token = reviewer
    _groups(store)
    form = {"csrf": token, "action": "approve", "ids": str(seeded.change_set_id)}
    asked = client.post("/change-sets/bulk", data=form)
    assert "将发送 4 条通知：2 封邮件、2 条群消息。" in asked.text
    assert "3 位（2 封邮件、2 条群消息）" in asked.text
    done = client.post("/change-sets/bulk", data={**form, "confirm": "4"})
    assert "已排队 4 条通知（含 2 条群消息）" in done.text and len(store.list_outbox()) == 4
