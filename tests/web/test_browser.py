"""End-to-end review in a real headless Chromium (Debian `chromium`, driven by Playwright)
against uvicorn serving the app on a free loopback port in a thread.

Saves `review-queue.png` and `change-set.png` under `tests/artifacts/screenshots/`
(`make screenshots` copies them to `docs/screenshots/`, where the README shows them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from monitor.config import Config
from monitor.web.app import create_app
from parsers.records import ChangeSetState, OutboxState
from state.store import Store, open_store
from tests.browser import SCREENSHOTS, chromium, login, needs_chromium, new_page, serve
from tests.web.conftest import NOW, PASSWORDS, Seeded

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page


pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module's tests (each gets its own context)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, seeded: Seeded, db_path: Path, web_config: Config) -> Iterator[Page]:
    """A Chromium page on the app served over the seeded database."""
    app = create_app(web_config, lambda: open_store(db_path, migrate=False), clock=lambda: NOW)
    with serve(app) as url, new_page(browser, url) as page:
        yield page


def _clip(height: int) -> FloatRect:
    return {"x": 0, "y": 0, "width": 1280, "height": height}


def _login(page: Page, name: str, start: str) -> None:
    login(page, name, PASSWORDS[name], start)


def test_review_draft_to_final_in_chromium(page: Page, store: Store, seeded: Seeded) -> None:
    from playwright.sync_api import expect

    _login(page, "alice", "/")
    expect(page.get_by_role("heading", name="审核队列")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), clip=_clip(420))

    page.locator(f'a[href="/change-sets/{seeded.change_set_id}"]').click()
    card = page.locator('article[data-clause="九"]')
    expect(card.locator(".old del")).to_have_text("30万元")
    expect(card.locator(".new ins")).to_have_text("50万元")
    struck = card.locator(".old del").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert struck == "line-through"

    # Keyboard: j / k move between cards, e edits the current summary, ? lists the shortcuts.
    cards = page.locator("article.card")
    page.keyboard.press("j")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(cards.nth(0)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(cards.nth(1)).not_to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.name") == "summary"
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("dialog#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()

    card.get_by_label("摘要").fill("（九）大赛获奖项目奖励上限由30万元提高至50万元")
    card.get_by_role("button", name="保存摘要").click()
    expect(page.locator(".flash")).to_have_text("摘要已更新")
    expect(page.locator('article[data-clause="九"] .summary')).to_contain_text("大赛获奖项目")
    page.evaluate("window.scrollTo(0, 0)")  # the saved card's anchor scrolled the page
    page.screenshot(path=str(SCREENSHOTS / "change-set.png"), full_page=True, clip=_clip(1250))

    page.get_by_role("button", name="批准并通知订阅者").click()
    dialog = page.locator("dialog#confirm-approve")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".confirm-count")).to_contain_text("将向 2 位订阅者发送")
    dialog.get_by_role("button", name="确认批准").click()
    expect(page.locator(".flash")).to_contain_text("已批准")
    rows = page.locator("table.outbox-table tbody tr")
    expect(rows.first).to_contain_text("待发送")
    queued = store.list_outbox(change_set_id=seeded.change_set_id)
    assert rows.count() == len(queued) >= 1
    assert all(item.state is OutboxState.PENDING for item in queued)
    assert store.get_change_set(seeded.change_set_id).state is ChangeSetState.APPROVED

    page.get_by_role("link", name="发件箱").click()
    expect(page.locator("table.outbox-table tbody tr")).to_have_count(len(queued))


def test_script_payload_in_a_clause_runs_nothing(page: Page, seeded: Seeded) -> None:
    from playwright.sync_api import expect

    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    _login(page, "bob", f"/change-sets/{seeded.script_change_set_id}")
    card = page.locator("article.card").first
    expect(card.locator(".old del")).to_have_text("<script>document.title='PWNED'</script>")
    expect(card.locator(".new ins")).to_contain_text("<b>加粗</b>")
    assert page.locator("main script").count() == 0
    assert page.locator(".new b").count() == 0
    assert page.title() != "PWNED" and not dialogs
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.src || s.text)")
    assert scripts == [page.url.split("/change-sets")[0] + "/static/review.js"]
