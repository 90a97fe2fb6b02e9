"""The review desk through Starlette's TestClient: filters and search, bulk approve and reject,
the bulk renumbering suppression, recipients and why they match, approving without notifying,
withdrawing a queued email, and bad ids or forms answered 400/404 (never 500)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from monitor.review.actions import pure_renumberings
from monitor.web.app import create_app
from parsers.records import ChangeSetState, OutboxState
from state.store import Store, open_store
from tests.conftest import snapshot_time
from tests.replica import PASSWORDS, Replica, replica_config
from tests.web.conftest import Seeded, approve, csrf_of

FINAL_DAY = snapshot_time("2022-12-30")

Client = tuple[TestClient, str]


def test_queue_filters_by_source_date_and_searches_title_and_number(
    admin: Client, seeded: Seeded, store: Store
) -> None:
    client, _ = admin
    cs = f'href="/change-sets/{seeded.change_set_id}"'
    assert cs in client.get("/?q=专精特新").text
    assert cs not in client.get("/?q=没有这个文件").text
    assert "没有符合筛选条件待审核的变更集" in client.get("/?q=没有这个文件").text
    assert cs in client.get(f"/?source={seeded.source_id}").text
    assert cs not in client.get(f"/?source={seeded.source_id + 99}").text
    assert cs in client.get("/?since=2022-12-30&until=2022-12-30").text  # Beijing dates
    assert cs not in client.get("/?since=2022-12-31").text
    assert cs in client.get(f"/?document={seeded.document_id}").text
    # 文号: the final's number is searchable (any version's)
    number = store.get_version(seeded.final_version_id).document.doc_number
    assert number and cs in client.get(f"/?q={number}").text
    assert "%" not in number and client.get("/?q=%25").status_code == 200  # LIKE escaped


@pytest.mark.parametrize(
    "query", ["source=abc", "document=-1", "since=2022-13-01", "until=yesterday", "state=done"]
)
def test_bad_queue_filters_are_400(admin: Client, query: str) -> None:
    client, _ = admin
    assert client.get(f"/?{query}").status_code == 400


def test_document_search(admin: Client) -> None:
    client, _ = admin
    assert "深圳市关于促进专精特新企业高质量发展的若干措施" in client.get("/documents?q=专精").text
    assert "没有标题或文号包含“无此文件”的文件" in client.get("/documents?q=无此文件").text


def test_bulk_approve_asks_the_total_then_approves_each(
    admin: Client, seeded: Seeded, store: Store
) -> None:
    client, token = admin
    ids = [seeded.change_set_id, seeded.script_change_set_id]
    form = {"csrf": token, "action": "approve", "ids": [str(i) for i in ids]}
    asked = client.post("/change-sets/bulk", data=form)
    found = re.search(r"将发送 (\d+) 封通知邮件", asked.text)
    assert found and store.list_outbox() == []
    done = client.post("/change-sets/bulk", data={**form, "confirm": found.group(1)})
    assert f"已批准 2 个变更集，已排队 {found.group(1)} 封通知邮件" in done.text
    assert all(store.get_change_set(i).state is ChangeSetState.APPROVED for i in ids)
    assert len(store.list_outbox()) == int(found.group(1))


def test_bulk_reject_needs_one_reason_and_bad_ids_are_400(
    reviewer: Client, seeded: Seeded, store: Store
) -> None:
    client, token = reviewer
    ids = [str(seeded.change_set_id), str(seeded.script_change_set_id)]
    client.post("/change-sets/bulk", data={"csrf": token, "action": "reject", "ids": ids})
    assert store.get_change_set(seeded.change_set_id).state is ChangeSetState.PENDING
    form = {"csrf": token, "action": "reject", "ids": ids, "reason": "重复抓取"}
    assert "已驳回 2 个变更集" in client.post("/change-sets/bulk", data=form).text
    assert {store.get_change_set(int(i)).note for i in ids} == {"重复抓取"}
    bad = {"csrf": token, "action": "reject", "ids": ["1; DROP"], "reason": "x"}
    assert client.post("/change-sets/bulk", data=bad).status_code == 400
    odd = {"csrf": token, "action": "explode", "ids": ids}
    assert client.post("/change-sets/bulk", data=odd).status_code == 400
    again = client.post("/change-sets/bulk", data=form)
    assert again.status_code == 409  # already reviewed


def test_pure_renumberings_are_suppressed_in_one_action_and_shown_once(
    reviewer: Client, seeded: Seeded, store: Store
) -> None:
    client, token = reviewer
    cs = store.get_change_set(seeded.change_set_id)
    pure = pure_renumberings(cs)
    assert len(pure) == 5
    html = client.get(f"/change-sets/{cs.id}").text
    assert "一次屏蔽全部 5 项纯序号调整" in html
    for stored in pure:  # the clause's text once, with its old and new number
        card = re.search(rf'id="change-{stored.id}".*?</article>', html, re.S)
        assert card and card.group(0).count(stored.change.new_text) == 1
        assert "条款内容未变" in card.group(0)
    url = f"/change-sets/{cs.id}/suppress-renumberings"
    assert "需要填写原因" in client.post(url, data={"csrf": token, "reason": ""}).text
    done = client.post(url, data={"csrf": token, "reason": "仅序号调整"})
    assert "已屏蔽 5 项纯序号调整" in done.text
    after = store.get_change_set(cs.id)
    assert [s.id for s in after.changes if s.suppressed] == [s.id for s in pure]
    assert {s.suppress_reason for s in after.changes if s.suppressed} == {"仅序号调整"}
    assert [r.action for r in store.reviews(cs.id)] == ["suppress"] * 5


def test_recipients_say_why_each_matched(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    html = client.get(f"/change-sets/{seeded.change_set_id}").text
    table = re.search(r'<table class="list recipients-table">.*?</table>', html, re.S)
    assert table
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]
    assert len(rows) == 2
    assert "张三" in rows[0] and "订阅全部变更（17 项）" in rows[0]
    assert "李四" in rows[1] and "主题“企业融资”出现在文件中" in rows[1]  # the status change
    assert '批准后将向 <strong id="recipient-count">2</strong> 位订阅者发送' in html


def test_approve_without_notifying_queues_nothing(
    reviewer: Client, seeded: Seeded, store: Store
) -> None:
    client, token = reviewer
    url = f"/change-sets/{seeded.change_set_id}/approve"
    asked = client.post(url, data={"csrf": token, "notify": "0"})
    assert "批准后不向任何订阅者发送邮件" in asked.text
    done = client.post(url, data={"csrf": token, "notify": "0", "confirm": "0"})
    assert "已批准（不通知订阅者）" in done.text
    assert store.get_change_set(seeded.change_set_id).state is ChangeSetState.APPROVED
    assert store.list_outbox() == []
    assert store.reviews(seeded.change_set_id)[0].action == "approve_quiet"


def test_a_queued_email_can_be_withdrawn_until_it_is_claimed(
    admin: Client, seeded: Seeded, store: Store
) -> None:
    client, token = admin
    approve(client, token, seeded.change_set_id)
    first, second = store.list_outbox(change_set_id=seeded.change_set_id)
    back = f"/change-sets/{seeded.change_set_id}"
    done = client.post(f"/outbox/{first.id}/withdraw", data={"csrf": token, "next": back})
    assert f"已撤回邮件 #{first.id}" in done.text and done.url.path == back
    assert store.get_outbox(first.id or 0).state is OutboxState.CANCELLED  # type: ignore[union-attr]
    store.conn.execute("UPDATE outbox SET state = 'claimed' WHERE id = ?", (second.id,))
    late = client.post(f"/outbox/{second.id}/withdraw", data={"csrf": token})
    assert late.status_code == 409 and "无法撤回" in late.text
    assert client.post("/outbox/99999/withdraw", data={"csrf": token}).status_code == 404
    assert store.reviews(seeded.change_set_id)[0].action == "withdraw"


def test_preview_is_the_email_of_a_recipient_only(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    cs = seeded.change_set_id
    response = client.get(f"/change-sets/{cs}/preview/1")
    assert response.status_code == 200 and "张三，您好" in response.text
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get(f"/change-sets/{cs}/preview/999").status_code == 404
    assert client.get("/change-sets/999/preview/1").status_code == 404


def test_a_stale_draft_is_flagged_before_approval(story_replica: Replica) -> None:
    config = replica_config(story_replica.path, story_replica.path.parent / "outbox")
    app = create_app(
        config, lambda: open_store(story_replica.path, migrate=False), clock=lambda: FINAL_DAY
    )
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf": csrf_of(page.text), "name": "bob", "password": PASSWORDS["bob"]},
        )
        html = client.get(f"/change-sets/{story_replica.draft_set}").text
    assert "该征求意见稿的" in html and "正式稿已经发布" in html and "批准但不通知" in html
    assert "征求意见已结束：正式稿已发布" in html  # the card says so too
    assert "征求意见稿：即时发送" not in html  # no longer rushed past the digest
