"""Issue 14's review desk end to end in headless Chromium, on databases the check pipeline built
from the replica (`tests/replica.py`):

- the new-document card of the replica's draft (文号, deadline, outline, feedback channels), the
  approve bar on screen without scrolling (and after), the email preview equal byte for byte to
  the HTML part of the `.eml` that `send` then writes, and the confirmation's count;
- keyboard-only review of the 17-change set: the pure renumberings suppressed in one action,
  then approved, in fewer than 15 key presses (counted);
- a source added in the UI, checked by "check now", shown with its history.

Screenshots go to `tests/artifacts/screenshots/` (`make screenshots` copies them to docs/).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from monitor.check.background import BackgroundChecks
from monitor.fetch.replay import serve_in_thread
from monitor.review.sending import send_due
from monitor.web.app import create_app
from parsers.model import ChangeKind
from parsers.records import ChangeSetState, OutboxState
from state.store import open_store
from tests.browser import SCREENSHOTS, chromium, login, needs_chromium, new_page, serve
from tests.conftest import SITE, snapshot_time
from tests.replica import DRAFT_DAY, PASSWORDS, Replica, replica_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = needs_chromium
FINAL_DAY = snapshot_time("2022-12-30") + dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module's tests (each gets its own context)."""
    with chromium() as launched:
        yield launched


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def _html_part(path: Path) -> bytes:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def _bar_on_screen(page: Page) -> None:
    box = page.locator("#decision-bar").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900
    assert page.locator("#approve").is_visible()
    approve = page.locator("#approve").bounding_box()
    assert approve is not None and 0 <= approve["y"] <= 900 - approve["height"]


def test_new_document_card_preview_and_confirmed_approval(
    browser: Browser, draft_replica: Replica, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    replica = draft_replica
    config = replica_config(replica.path, tmp_path / "outbox")
    app = create_app(
        config, lambda: open_store(replica.path, migrate=False), clock=lambda: DRAFT_DAY
    )
    previews: dict[str, bytes] = {}
    with serve(app) as url, new_page(browser, url) as page:
        login(page, "alice", PASSWORDS["alice"], f"/change-sets/{replica.draft_set}")
        card = page.locator("#document-card")
        expect(card).to_contain_text("征求意见中：2022年7月20日截止（还有 29 天）")
        expect(
            card.locator("dt", has_text="文号").locator("xpath=following-sibling::dd[1]")
        ).to_have_text("（征求意见稿，尚未编号）")
        expect(card).to_contain_text("深圳市工业和信息化局")
        outline = card.locator(".outline li")
        expect(outline).to_have_count(9)
        expect(outline.first).to_have_text("一、加大财税支持力度 2 条")
        expect(card.locator(".channel").first).to_contain_text("电子邮件：zjtx@gxj.sz.gov.cn")
        expect(card.locator(".channel").nth(1)).to_contain_text("（邮编 518035）")
        _bar_on_screen(page)
        expect(page.locator("#decision-bar")).to_contain_text("批准后将向 3 位订阅者发送")
        _shot(page, "new-document.png")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        _bar_on_screen(page)  # sticky: still there at the bottom of the page
        frame = page.frame_locator("iframe.preview")
        expect(frame.locator("body")).to_contain_text("如何反馈意见")
        page.locator("iframe.preview").scroll_into_view_if_needed()
        _shot(page, "email-preview.png")
        rows = page.locator("table.recipients-table tbody tr")
        expect(rows).to_have_count(3)
        for href in rows.locator("a", has_text="查看邮件").evaluate_all(
            "as => as.map(a => a.href)"
        ):
            sub_id = href.split("preview=")[1].split("#")[0]
            response = page.request.get(f"/change-sets/{replica.draft_set}/preview/{sub_id}")
            assert response.ok
            previews[sub_id] = response.body()
        page.get_by_role("button", name="批准并通知订阅者").click()
        dialog = page.locator("dialog#confirm-approve")
        expect(dialog).to_be_visible()
        expect(dialog.locator(".confirm-count")).to_have_text("将向 3 位订阅者发送（即时 3）。")
        dialog.get_by_role("button", name="确认批准").click()
        expect(page.locator(".flash")).to_have_text("已批准，已排队 3 封通知邮件")
    with open_store(replica.path, migrate=False) as store:
        assert store.get_change_set(replica.draft_set).state is ChangeSetState.APPROVED
        queued = store.list_outbox(change_set_id=replica.draft_set)
        assert len(queued) == 3 and all(i.state is OutboxState.PENDING for i in queued)
        report = send_due(config, store, now=DRAFT_DAY)  # the same clock as the preview
        assert report.emails == 3
        sent = {str(i.subscriber_id): i.message_id for i in store.list_outbox()}
    for sub_id, message_id in sent.items():
        eml = config.outbox.dir / f"{message_id.strip('<>')}.eml"
        assert _html_part(eml) == previews[sub_id], f"preview of subscriber {sub_id} differs"


def test_keyboard_only_review_of_the_17_changes(
    browser: Browser, story_replica: Replica, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    replica = story_replica
    assert replica.final_set is not None
    config = replica_config(replica.path, tmp_path / "outbox")
    app = create_app(
        config, lambda: open_store(replica.path, migrate=False), clock=lambda: FINAL_DAY
    )
    presses: list[str] = []
    with serve(app) as url, new_page(browser, url) as page:

        def press(key: str) -> None:
            presses.append(key)
            page.keyboard.press(key)

        login(page, "bob", PASSWORDS["bob"], "/")
        press("j")  # the newest change set: draft -> final
        press("Enter")
        page.wait_for_url(f"**/change-sets/{replica.final_set}")
        expect(page.locator("article.card")).to_have_count(17)
        renumbered_once = page.locator("article.card[data-kinds='renumbered'] .side.same")
        expect(renumbered_once).to_have_count(5)  # the clause shown once, not twice
        _bar_on_screen(page)
        _shot(page, "review-desk.png")
        press("u")  # the bulk "suppress every pure renumbering" form, its reason filled in
        press("Enter")
        expect(page.locator(".flash")).to_have_text("已屏蔽 5 项纯序号调整")
        press("a")
        dialog = page.locator("dialog#confirm-approve")
        expect(dialog).to_be_visible()
        count = dialog.locator(".confirm-count").inner_text()
        _shot(page, "approve-dialog.png")
        press("Enter")
        expect(page.locator(".flash")).to_contain_text("已批准")
    assert len(presses) < 15, presses
    with open_store(replica.path, migrate=False) as store:
        record = store.get_change_set(replica.final_set)
        assert record.state is ChangeSetState.APPROVED and record.reviewed_by == "bob"
        suppressed = [s for s in record.changes if s.suppressed]
        assert len(suppressed) == 5
        assert all(s.change.kinds == (ChangeKind.RENUMBERED,) for s in suppressed)
        assert {s.suppress_reason for s in suppressed} == {"仅序号调整，条款内容未变"}
        queued = store.list_outbox(change_set_id=replica.final_set)
        assert count.startswith(f"将向 {len(queued)} 位订阅者发送") and queued
    print(f"keyboard review: {len(presses)} key presses: {' '.join(presses)}")


def test_a_source_added_in_the_ui_is_checked_now_and_shows_its_history(
    browser: Browser, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from monitor.web.auth import hash_password
    from parsers.records import Role

    db_path = tmp_path / "policywatch.db"
    store = open_store(db_path)
    store.add_user(
        name="alice",
        role=Role.ADMIN,
        password_hash=hash_password(PASSWORDS["alice"]),
        now=DRAFT_DAY,
    )
    later = snapshot_time("2023-03-01")  # months after the final: a first check's baseline
    site = serve_in_thread(SITE / "2022-12-30")
    config = replica_config(db_path, tmp_path / "outbox", site.url)
    config = type(config)(
        database=config.database, fetch=config.fetch, outbox=config.outbox, sources=()
    )
    checks = BackgroundChecks(config, clock=lambda: later)
    app = create_app(
        config, lambda: open_store(db_path, migrate=False), clock=lambda: later, checks=checks
    )
    try:
        with serve(app) as url, new_page(browser, url) as page:
            login(page, "alice", PASSWORDS["alice"], "/sources/new")
            page.get_by_label("名称").fill("gkmlpt-ui")
            page.get_by_label("类型").select_option("gkmlpt")
            page.get_by_label("地址").fill(site.url + "/gkmlpt/api/all/3115")
            page.get_by_label("关键词（每行一个）").fill("专精特新")
            page.get_by_role("button", name="保存").click()
            expect(page.locator(".flash")).to_have_text("已添加来源 gkmlpt-ui")
            expect(page.locator("h1")).to_have_text("来源 gkmlpt-ui")
            expect(page.locator(".attempts")).to_have_count(0)  # never checked yet
            page.get_by_role("button", name="立即检查").click()
            assert checks.wait("gkmlpt-ui", 30)
            page.reload()
            attempts = page.locator("table.attempts tbody tr")
            expect(attempts).to_have_count(1)
            expect(attempts.first).to_contain_text("基线")
            expect(page.locator(".baseline-line")).to_have_text(
                "基线：记录了 1 份已发布文件（首次检查 2023-03-01 10:30）"
            )
            documents = page.locator("section", has_text="发现的文件").locator("tbody tr")
            expect(documents).to_have_count(1)
            expect(documents.first).to_contain_text(
                "深圳市关于促进专精特新企业高质量发展的若干措施"
            )
            _shot(page, "source.png")
            page.goto("/sources")
            expect(page.locator("table.sources-table")).to_contain_text("界面添加")
        [source] = store.list_sources()
        assert (source.origin, source.baseline_count) == ("ui", 1)
        assert store.list_change_sets() == []  # history, not news
    finally:
        site.close()
        store.close()
