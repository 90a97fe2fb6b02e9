"""The review workflow through the pages: cards, redlines, escaping, edit, suppress, approve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from starlette.testclient import TestClient

from monitor.review.unsubscribe import unsubscribe_url
from monitor.web.context import feed_token
from parsers.records import ChangeSetState, OutboxState
from state.store import Store
from tests.web.conftest import NOW, SCRIPT, Seeded, approve

Client = tuple[TestClient, str]


def _card(html: str, label: str) -> str:
    found = re.search(
        rf'<article class="card[^"]*" id="change-\d+" data-clause="{label}"[^>]*>(.*?)</article>',
        html,
        re.S,
    )
    assert found, f"no card for {label}"
    return found.group(1)


def test_queue_lists_pending_change_sets_with_counts(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    html = client.get("/").text
    assert f'href="/change-sets/{seeded.change_set_id}"' in html
    assert "gxj-tzgg" in html and "2022-12-30 10:00" in html  # Beijing time
    assert "修改 " in html and "调整序号 " in html and "新增 1" in html and "删除 1" in html


def test_change_set_card_shows_redlines_side_by_side(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    html = client.get(f"/change-sets/{seeded.change_set_id}").text
    card = _card(html, "九")
    assert "<del>30万元</del>" in card and "<ins>50万元</ins>" in card
    assert "（九）激发创新活力：最高由30万元提高至50万元" in card
    assert "30万元 → 50万元" in card
    assert "https://gxj.sz.gov.cn/xxgk/xxgkml/zcfgj/gfxwj/content/post_2.html" in html
    assert f'href="/versions/{seeded.draft_version_id}"' in html
    units = _card(html, "十五")
    assert "删除责任单位" in units and "市乡村振兴和协作交流局" in units


def test_script_in_a_clause_is_shown_as_text(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    html = client.get(f"/change-sets/{seeded.script_change_set_id}").text
    assert SCRIPT not in html and "<b>加粗</b>" not in html
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in html
    assert "<del>&lt;script&gt;" in html
    # the one script is the UI's own file (CSP: script-src 'self', nothing inline)
    assert re.findall(r"<script[^>]*>", html.lower()) == ['<script src="/static/review.js" defer>']


def test_edit_summary_is_saved_audited_and_resettable(
    admin: Client, store: Store, seeded: Seeded
) -> None:
    client, token = admin
    cs = store.get_change_set(seeded.change_set_id)
    first = cs.changes[0]
    url = f"/change-sets/{cs.id}/changes/{first.id}/summary"
    response = client.post(url, data={"csrf": token, "summary": "奖励上限提高到50万元"})
    assert response.status_code == 200 and "奖励上限提高到50万元" in response.text
    assert store.get_change_set(cs.id).changes[0].summary == "奖励上限提高到50万元"
    [entry] = store.reviews(cs.id)
    assert (entry.action, entry.actor, entry.detail) == (
        "edit_summary",
        "alice",
        "奖励上限提高到50万元",
    )
    assert entry.at == NOW
    assert "修改摘要" in response.text  # the audit trail on the page
    client.post(url, data={"csrf": token, "summary": first.change.summary})
    assert store.get_change_set(cs.id).changes[0].summary_override is None


def test_suppress_needs_a_reason_and_hides_the_change(
    reviewer: Client, store: Store, seeded: Seeded
) -> None:
    client, token = reviewer
    cs = store.get_change_set(seeded.change_set_id)
    change = cs.changes[-1]
    url = f"/change-sets/{cs.id}/changes/{change.id}/suppress"
    response = client.post(url, data={"csrf": token, "suppress": "1", "reason": ""})
    assert "屏蔽变更需要填写原因" in response.text
    assert not store.get_change_set(cs.id).changes[-1].suppressed
    response = client.post(url, data={"csrf": token, "suppress": "1", "reason": "误报"})
    after = store.get_change_set(cs.id)
    assert after.changes[-1].suppressed and after.changes[-1].suppress_reason == "误报"
    assert len(after.visible_changes) == len(cs.changes) - 1
    assert "已屏蔽：误报" in response.text
    client.post(url, data={"csrf": token, "suppress": "0"})
    assert not store.get_change_set(cs.id).changes[-1].suppressed
    assert [r.action for r in store.reviews(cs.id)] == ["unsuppress", "suppress"]


def test_approve_queues_outbox_rows_and_locks_the_set(
    reviewer: Client, store: Store, seeded: Seeded
) -> None:
    client, token = reviewer
    url = f"/change-sets/{seeded.change_set_id}/approve"
    asked = client.post(url, data={"csrf": token})  # no count confirmed: asked first
    assert "将向 2 位订阅者发送" in asked.text and store.list_outbox() == []
    stale = client.post(url, data={"csrf": token, "confirm": "5"})  # a count out of date
    assert "将向 2 位订阅者发送" in stale.text and store.list_outbox() == []
    response = client.post(url, data={"csrf": token, "confirm": "2"})
    rows = store.list_outbox(change_set_id=seeded.change_set_id)
    assert rows and all(r.state is OutboxState.PENDING for r in rows)
    assert f"已排队 {len(rows)} 封通知邮件" in response.text
    assert "张三" in response.text  # the outbox table on the change set page
    record = store.get_change_set(seeded.change_set_id)
    assert record.state is ChangeSetState.APPROVED and record.reviewed_by == "bob"
    assert 'id="approve"' not in response.text
    again = client.post(url, data={"csrf": token, "confirm": "2"})
    assert again.status_code == 409
    assert len(store.list_outbox(change_set_id=seeded.change_set_id)) == len(rows)
    outbox = client.get("/outbox").text
    assert "待发送" in outbox and f"#{seeded.change_set_id}" in outbox


def test_reject_needs_a_reason(admin: Client, store: Store, seeded: Seeded) -> None:
    client, token = admin
    url = f"/change-sets/{seeded.script_change_set_id}/reject"
    client.post(url, data={"csrf": token, "reason": " "})
    assert store.get_change_set(seeded.script_change_set_id).state is ChangeSetState.PENDING
    html = client.post(url, data={"csrf": token, "reason": "测试数据"}).text
    record = store.get_change_set(seeded.script_change_set_id)
    assert record.state is ChangeSetState.REJECTED and record.note == "测试数据"
    assert "已驳回" in html and "测试数据" in html
    assert store.list_outbox(change_set_id=record.id) == []


def test_only_admins_toggle_auto_approve(client: TestClient, store: Store, seeded: Seeded) -> None:
    from tests.web.conftest import login

    token = login(client, "bob")
    url = f"/sources/{seeded.source_id}/auto-approve"
    assert client.post(url, data={"csrf": token, "auto_approve": "1"}).status_code == 403
    assert 'action="/sources/' not in client.get("/sources").text
    token = login(client, "alice")
    html = client.post(url, data={"csrf": token, "auto_approve": "1"}).text
    assert store.get_source_by_id(seeded.source_id).auto_approve
    assert "已开启" in html
    assert "设置自动批准" in client.get("/audit").text


def test_document_timeline_and_any_two_versions_compared(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    html = client.get(f"/documents/{seeded.document_id}").text
    assert "征求意见稿" in html and "正式稿" in html
    assert "<del>30万元</del>" in html  # the last two versions compared by default
    same = client.get(
        f"/documents/{seeded.document_id}?a={seeded.final_version_id}&b={seeded.final_version_id}"
    ).text
    assert "<del>" not in same
    back = client.get(
        f"/documents/{seeded.document_id}?a={seeded.final_version_id}&b={seeded.draft_version_id}"
    ).text
    assert "<del>50万元</del>" in back and "<ins>30万元</ins>" in back
    version = client.get(f"/versions/{seeded.final_version_id}").text
    assert "深工信规〔2022〕9号" in version and "激发创新活力" in version


def test_subscribers_add_edit_deactivate(admin: Client, store: Store) -> None:
    client, token = admin
    bad = client.post("/subscribers", data={"csrf": token, "name": "王五", "email": "not-an-email"})
    assert "邮箱地址无效" in bad.text
    html = client.post(
        "/subscribers",
        data={
            "csrf": token,
            "name": "王五",
            "email": "wang@example.com",
            "topics": "人才、企业融资",
            "cadence": "daily",
        },
    ).text
    person = store.find_subscriber("wang@example.com")
    assert person is not None and person.id is not None
    [sub] = store.subscriptions_of(person.id)
    assert sub.topics == ("人才", "企业融资") and sub.cadence.value == "daily"
    assert "每日汇总" in html
    client.post(
        f"/subscribers/{person.id}",
        data={"csrf": token, "name": "王五", "email": "wang5@example.com", "company": "某所"},
    )
    assert store.get_subscriber(person.id).email == "wang5@example.com"
    client.post(f"/subscribers/{person.id}/subscriptions", data={"csrf": token, "keywords": "补贴"})
    assert len(store.subscriptions_of(person.id)) == 2
    sub_id = store.subscriptions_of(person.id)[0].id
    client.post(f"/subscriptions/{sub_id}/delete", data={"csrf": token})
    assert [s.keywords for s in store.subscriptions_of(person.id)] == [("补贴",)]
    client.post(f"/subscribers/{person.id}/active", data={"csrf": token, "active": "0"})
    assert not store.get_subscriber(person.id).active
    assert "停用订阅者" in client.get("/audit").text


def test_reviewers_cannot_edit_subscribers(reviewer: Client, store: Store) -> None:
    client, token = reviewer
    response = client.post(
        "/subscribers", data={"csrf": token, "name": "x", "email": "x@example.com"}
    )
    assert response.status_code == 403
    assert store.find_subscriber("x@example.com") is None
    assert (
        client.post("/subscribers/1/active", data={"csrf": token, "active": "0"}).status_code == 403
    )


def test_json_api(admin: Client, seeded: Seeded) -> None:
    client, _ = admin
    sets = client.get("/api/change-sets?state=pending").json()["change_sets"]
    assert {s["id"] for s in sets} == {seeded.change_set_id, seeded.script_change_set_id}
    assert client.get("/api/change-sets?state=nope").status_code == 400
    full = client.get(f"/api/change-sets/{seeded.change_set_id}").json()
    first = full["changes"][0]
    assert first["amounts"][0]["old"]["text"] == "30万元"
    assert first["summary"].startswith("（九）")
    doc = client.get(f"/api/documents/{seeded.document_id}").json()
    assert [v["status"] for v in doc["versions"]] == ["draft", "final"]
    [source] = client.get("/api/sources").json()["sources"]
    assert (source["name"], source["origin"]) == ("gxj-tzgg", "config")
    assert source["baseline"] == {"at": None, "documents": 0, "recent": 0, "done": False}
    assert client.post("/api/change-sets").status_code in (403, 405)


def test_atom_feed_lists_approved_change_sets(admin: Client, seeded: Seeded) -> None:
    client, token = admin
    approve(client, token, seeded.change_set_id)
    client.cookies.clear()  # the feed needs no session
    secret = client.app.state.web.secret  # type: ignore[attr-defined]
    response = client.get(f"/feed/{feed_token(secret)}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = root.findall("a:entry", ns)
    assert "专精特新" in (entry.findtext("a:title", namespaces=ns) or "")
    assert "最高由30万元提高至50万元" in (entry.findtext("a:summary", namespaces=ns) or "")
    assert client.get("/feed/" + "0" * 32).status_code == 404


def test_unsubscribe_get_asks_and_post_unsubscribes(client: TestClient, store: Store) -> None:
    from monitor.config import Config

    config: Config = client.app.state.web.config  # type: ignore[attr-defined]
    url = unsubscribe_url(config, store, 1, NOW)
    path = url.split("127.0.0.1:8000", 1)[1]
    for _ in range(3):  # a mail scanner following the link, twice, then the client
        response = client.get(path)
        assert response.status_code == 200 and "确认退订" in response.text
        assert '<form method="post">' in response.text
    assert store.get_subscriber(1).active  # a GET changes nothing (RFC 8058)
    button = client.post(path, data={"confirm": "1"})
    assert button.status_code == 200 and "已退订" in button.text
    assert not store.get_subscriber(1).active
    assert client.post(path, data={"confirm": "1"}).status_code == 200  # idempotent
    url2 = unsubscribe_url(config, store, 2, NOW)
    path2 = url2.split("127.0.0.1:8000", 1)[1]
    one_click = client.post(path2, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and one_click.text == "unsubscribed"
    assert not store.get_subscriber(2).active
    forged = client.get(path2[:-3] + "abc")
    assert forged.status_code == 400 and "链接无效" in forged.text
    assert client.post(path2[:-3] + "abc", data={"confirm": "1"}).status_code == 400
