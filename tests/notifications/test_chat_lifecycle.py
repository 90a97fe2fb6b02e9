"""A client's chat group through a draft's whole life, end to end: the replica's draft and its
17-change draft → final set, approved, sent by `policywatch send` (the CLI, with its clock set
to the story's days) to loopback 钉钉 / 企业微信 / 飞书 robots that check signatures and sizes.

The new draft's message carries its card (the deadline with the days left, the notice and file
links, how to comment, the outline); the comment-deadline reminder arrives once per group and
never when the final came first (checked when it is queued and again when it is sent); a rerun
of `send` posts nothing twice, also after a platform's rate limit held one group; the review
desk's preview of a group is the very text the platform received.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

import monitor.cli.subscribers as subscribers_cli
from monitor.cli import cli
from monitor.config import load_config
from monitor.review.actions import approve_change_set
from monitor.review.reminders import queue_reminders, reminder_time
from monitor.web.app import create_app
from parsers.records import ChangeSetKind, OutboxState
from state.store import Store, open_store
from tests.notifications.chat_servers import SECRET, WECOM_LIMIT, Platforms, Posted, platforms
from tests.replica import DRAFT_DAY, PASSWORDS, Replica, store_final

__all__ = ["platforms"]  # the fixture, imported for pytest

DEADLINE = dt.date(2022, 7, 20)
KINDS = ("dingtalk", "wecom", "feishu")
GROUP = "contact@client.cn"
NOTICE = "/xxgk/xxgkml/qt/tzgg/content/post_9886501.html"  # the draft's notice page
FILE = "/attachment/0/98/98865/9886501.docx"  # the draft itself


def _config(replica: Replica, platforms: Platforms) -> Path:
    """A policywatch.toml beside the replica: emails to a folder, one group per platform."""
    path = replica.path.parent / "policywatch.toml"
    channels = "".join(
        f'\n[[channel]]\nname = "acme-{kind}"\nkind = "{kind}"\nurl = "{platforms.url(kind)}"\n'
        + ("" if kind == "wecom" else 'secret_env = "PW_TEST_CHAT_SECRET"\n')
        for kind in KINDS
    )
    path.write_text(
        f'[database]\npath = "{replica.path.name}"\n\n[outbox]\ndir = "outbox"\n\n'
        '[notifications]\nbase_url = "http://127.0.0.1:8000"\n' + channels,
        encoding="utf-8",
    )
    return path


class Cli:
    """`policywatch --config FILE ...` in this process, its clock set by the test."""

    def __init__(self, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.config = config
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, at: dt.datetime) -> Result:
        self.monkeypatch.setattr(subscribers_cli, "_now", lambda: at)
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result
        return result


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_CHAT_SECRET", SECRET)


def _group(run: Cli) -> None:
    """The client company's three chat groups, no email (a group reads chat only)."""
    channels = [arg for kind in KINDS for arg in ("--channel", f"acme-{kind}")]
    added = run("subscribers", "add", "某科技公司", GROUP, *channels, "--no-email", at=DRAFT_DAY)
    assert added.exit_code == 0, added.output


def _approve(replica: Replica, config: Path, cs_id: int, at: dt.datetime) -> None:
    with open_store(replica.path) as store:
        approve_change_set(store, cs_id, actor="alice", now=at, config=load_config(config))


def _reminder_rows(store: Store) -> list[tuple[str, OutboxState, str | None]]:
    sets = [cs.id for cs in store.list_change_sets() if cs.kind is ChangeSetKind.REMINDER]
    rows = [r for cs in sets for r in store.list_outbox(change_set_id=cs)]
    return sorted((r.channel, r.state, r.last_error) for r in rows if r.channel != "email")


def _draft_sent(
    replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Cli, dt.datetime]:
    """The group subscribed, the draft approved and sent on its day: the config, the CLI and
    when the reminder is due."""
    config = _config(replica, platforms)
    run = Cli(config, monkeypatch)
    _group(run)
    _approve(replica, config, replica.draft_set, DRAFT_DAY)
    assert run("send", at=DRAFT_DAY).exit_code == 0
    return config, run, reminder_time(DEADLINE, load_config(config))


def _by_platform(platforms: Platforms) -> dict[str, list[Posted]]:
    return {kind: platforms.of(kind) for kind in KINDS}


def test_a_new_draft_reaches_each_group_with_its_deadline_links_and_how_to_comment(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(draft_replica, platforms)
    run = Cli(config, monkeypatch)
    _group(run)
    _approve(draft_replica, config, draft_replica.draft_set, DRAFT_DAY)
    sent = run("send", at=DRAFT_DAY)
    assert sent.exit_code == 0, sent.output
    for kind, (posted,) in _by_platform(platforms).items():
        text = posted.text
        assert "**征求意见中：2022年7月20日截止（还有29天）**" in text, kind
        assert "文号：征求意见稿尚未编号" in text and "发布日期：2022年6月20日" in text
        assert re.search(rf"\[通知原文\]\(http://127\.0\.0\.1:\d+{NOTICE}\)", text), text
        assert re.search(rf"\[文件下载\]\(http://127\.0\.0\.1:\d+{FILE}\)", text), text
        assert "- 电子邮件：zjtx@gxj.sz.gov.cn" in text
        assert "（邮编 518035）" in text and "规范性文件征求意见" in text
        assert "文件结构：9 部分、共 32 条" in text and "- 一、加大财税支持力度（2条）" in text
        assert "/report/" not in text  # a new document has no redline: the notice is the link
        assert kind == "wecom" or posted.signed
        assert len(text.encode()) <= WECOM_LIMIT
    (dingtalk,) = platforms.of("dingtalk")
    assert dingtalk.body["markdown"]["title"] == (
        "【新政策征求意见】深圳市关于促进专精特新企业高质量发展的若干措施（征求意见稿）"
        "（截止2022年7月20日）"
    )
    assert "  \n**如何反馈意见**  \n" in dingtalk.text  # 钉钉 breaks lines on two spaces
    again = run("send", at=DRAFT_DAY + dt.timedelta(hours=1))  # a rerun posts nothing
    assert again.exit_code == 0 and len(platforms.accepted) == 3, again.output


def test_the_reminder_arrives_once_per_group_with_how_to_submit(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, run, due = _draft_sent(draft_replica, platforms, monkeypatch)
    assert run("send", at=due - dt.timedelta(minutes=1)).exit_code == 0
    assert len(platforms.accepted) == 3  # not yet
    # 钉钉 throttles the first try: that group's reminder waits; the others are not re-sent.
    platforms.queue("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times"})
    held = run("send", at=due)
    assert held.exit_code == 1 and len(platforms.accepted) == 5, held.output
    for at in (due + dt.timedelta(hours=1), due + dt.timedelta(hours=2), due + dt.timedelta(1)):
        assert run("send", at=at).exit_code == 0
    for kind, posts in _by_platform(platforms).items():
        assert len(posts) == 2, kind  # the draft, then exactly one reminder
        reminder = posts[1].text
        assert reminder.startswith(("### 【征求意见即将截止】", "【征求意见即将截止】")), kind
        assert "**意见反馈截止日期：2022年7月20日（还有3天）**" in reminder
        assert "- 电子邮件：zjtx@gxj.sz.gov.cn" in reminder and "（邮编 518035）" in reminder
        assert re.search(rf"\[通知原文\]\(http://127\.0\.0\.1:\d+{NOTICE}\)", reminder)
        assert re.search(rf"\[征求意见稿下载\]\(http://127\.0\.0\.1:\d+{FILE}\)", reminder)
        assert "政策变更" not in reminder and "内容更新" not in reminder
    (_, feishu) = platforms.of("feishu")
    header = feishu.body["card"]["header"]["title"]["content"]
    assert header.startswith("【征求意见即将截止】") and header.endswith("（2022年7月20日截止）")
    with open_store(draft_replica.path) as store:
        assert [(c, s) for c, s, _ in _reminder_rows(store)] == [
            (f"acme-{kind}", OutboxState.SENT) for kind in sorted(KINDS)
        ]
        assert queue_reminders(store, load_config(config), now=due + dt.timedelta(1)) == 0


def test_no_reminder_in_any_group_when_the_final_came_first(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, run, due = _draft_sent(draft_replica, platforms, monkeypatch)
    with open_store(draft_replica.path) as store:
        store_final(store, draft_replica, due - dt.timedelta(days=1))
    assert run("send", at=due).exit_code == 0
    assert len(platforms.accepted) == 3  # the draft's messages only
    with open_store(draft_replica.path) as store:
        assert _reminder_rows(store) == []


def test_a_queued_group_reminder_is_cancelled_when_the_final_or_the_deadline_comes_first(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, run, due = _draft_sent(draft_replica, platforms, monkeypatch)
    with open_store(draft_replica.path) as store:
        assert queue_reminders(store, load_config(config), now=due) == 6  # 3 emails, 3 groups
        store_final(store, draft_replica, due + dt.timedelta(minutes=1))
    sent = run("send", at=due + dt.timedelta(minutes=2))
    assert sent.exit_code == 0 and "6 cancelled" in sent.output, sent.output
    assert len(platforms.accepted) == 3
    with open_store(draft_replica.path) as store:
        rows = _reminder_rows(store)
    assert {(s, e) for _, s, e in rows} == {
        (OutboxState.CANCELLED, "reminder dropped: the final came first")
    }
    assert len(rows) == 3


def test_a_group_reminder_not_sent_before_the_deadline_is_dropped_after_it(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, run, due = _draft_sent(draft_replica, platforms, monkeypatch)
    with open_store(draft_replica.path) as store:
        queue_reminders(store, load_config(config), now=due)
    late = dt.datetime(2022, 7, 21, 2, tzinfo=dt.UTC)  # the robots were down until after it
    assert run("send", at=late).exit_code == 0
    assert len(platforms.accepted) == 3
    with open_store(draft_replica.path) as store:
        rows = _reminder_rows(store)
    assert {(s, e) for _, s, e in rows} == {
        (OutboxState.CANCELLED, "reminder dropped: the deadline passed")
    }


def _desk(config: Path, replica: Replica, at: dt.datetime) -> TestClient:
    app = create_app(
        load_config(config), lambda: open_store(replica.path, migrate=False), clock=lambda: at
    )
    client = TestClient(app, base_url="http://testserver")
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    data = {"csrf": token.group(1), "name": "bob", "password": PASSWORDS["bob"], "next": "/"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client


def _previews(client: TestClient, cs_id: int, sub_id: int) -> dict[str, tuple[str, list[str]]]:
    """Per chat channel: the previewed title and parts (the text, unescaped)."""
    out = {}
    for kind in KINDS:
        page = client.get(f"/change-sets/{cs_id}?preview={sub_id}&channel=acme-{kind}")
        assert page.status_code == 200
        soup = BeautifulSoup(page.text, "lxml")
        preview = soup.select_one(".chat-preview")
        assert preview is not None, kind
        title = preview.select_one(".chat-title span")
        parts = [html.unescape(p.get_text()) for p in preview.select("pre.chat-part")]
        out[kind] = (title.get_text() if title else "", parts)
    return out


def _preview_then_send(
    replica: Replica, cs_id: int, at: dt.datetime, platforms: Platforms, run: Cli, config: Path
) -> None:
    """Preview each group's message on the desk, approve, send; the platforms received
    exactly the previewed text (and title)."""
    _group(run)
    with open_store(replica.path) as store:
        group = store.find_subscriber(GROUP)
    assert group is not None and group.id is not None
    with _desk(config, replica, at) as client:
        page = client.get(f"/change-sets/{cs_id}")
        soup = BeautifulSoup(page.text, "lxml")
        row = next(
            tr for tr in soup.select("table.recipients-table tbody tr") if "某科技公司" in tr.text
        )
        channels = [c.get_text() for c in row.select("td.channels .channel")]
        assert channels == ["钉钉群 acme-dingtalk", "飞书群 acme-feishu", "企业微信群 acme-wecom"]
        previews = _previews(client, cs_id, group.id)
    _approve(replica, config, cs_id, at)
    assert run("send", at=at).exit_code == 0
    for kind, (title, parts) in previews.items():
        posted = platforms.of(kind)
        assert parts and [p.text for p in posted] == parts, kind
        if kind == "dingtalk":
            assert title == posted[0].body["markdown"]["title"]
        if kind == "feishu":
            assert title == posted[0].body["card"]["header"]["title"]["content"]
        if kind == "wecom":
            assert title == ""  # 企业微信 shows no title: the preview does not invent one


def test_the_desk_previews_a_new_draft_to_each_group_exactly_as_it_arrives(
    draft_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(draft_replica, platforms)
    run = Cli(config, monkeypatch)
    _preview_then_send(draft_replica, draft_replica.draft_set, DRAFT_DAY, platforms, run, config)
    (dingtalk,) = platforms.of("dingtalk")
    assert "征求意见中：2022年7月20日截止（还有29天）" in dingtalk.text


def test_the_desk_previews_the_17_changes_to_each_group_exactly_as_they_arrive(
    story_replica: Replica, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(story_replica, platforms)
    run = Cli(config, monkeypatch)
    at = dt.datetime(2022, 12, 30, 3, tzinfo=dt.UTC)
    assert story_replica.final_set is not None
    _preview_then_send(story_replica, story_replica.final_set, at, platforms, run, config)
    (dingtalk,) = platforms.of("dingtalk")
    assert dingtalk.body["markdown"]["title"].endswith("17处条款变化")
    assert dingtalk.text.index("资金与比例") < dingtalk.text.index("序号调整")
    assert "原（二十四）至（三十一）序号顺延为（二十五）至（三十二）" in dingtalk.text
    assert "/report/r" in dingtalk.text  # the full redline, for a set with clause changes
