"""The subscribers pages manage channels; the report link shows a change set without a login."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from monitor.config import ChannelConfig, Config, NotificationsConfig
from monitor.review.unsubscribe import report_url
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
