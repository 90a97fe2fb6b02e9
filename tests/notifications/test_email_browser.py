"""A change email's HTML part as a mail client shows it: rendered in a real headless Chromium.

The demo writes real emails; the 17-change one is opened with every network request blocked
(a mail client loads nothing either), its redline is checked by computed style, and a
screenshot is saved as `tests/artifacts/screenshots/email.png` (`make screenshots` copies it
to `docs/screenshots/`, where the README shows it).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from rich.console import Console

from monitor.cli.demo import run_demo
from monitor.config import load_config
from monitor.review.actions import approve_change_set
from monitor.review.sending import send_due
from parsers.records import ChangeSetState
from state.store import open_store
from tests.browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, needs_chromium

pytestmark = needs_chromium


def _demo_email(folder: Path, subject: str) -> EmailMessage:
    """The first of the demo's emails whose subject contains `subject`."""
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if subject in str(message["Subject"]):
            return message
    raise AssertionError(f"the demo wrote no {subject!r} email")


def _change_email(folder: Path) -> tuple[EmailMessage, EmailMessage]:
    """The 17-change email (once the test approved the set the demo leaves pending) and the
    draft's first email with its new-document card."""
    result = run_demo(folder, console=Console(file=io.StringIO(), width=120))
    with open_store(result.database) as store:  # the demo leaves draft -> final for review
        [pending] = store.list_change_sets(state=ChangeSetState.PENDING)
        config = load_config(result.config_path)
        now = dt.datetime(2023, 1, 3, 2, 0, tzinfo=dt.UTC)
        approve_change_set(store, pending.id, actor="test", now=now, config=config)
        send_due(config, store, now=now)
    return _demo_email(result.outbox, "17处条款变化"), _demo_email(
        result.outbox, "【新政策征求意见】"
    )


def test_change_email_renders_its_redlines_without_loading_anything(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    message, first = _change_email(tmp_path / "demo")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 760, "height": 900}, locale="zh-CN")

            def block(route: Any) -> None:  # the email must need nothing from the network
                requests.append(route.request.url)
                route.abort()

            page.route("**/*", block)
            page.set_content(html)
            struck = page.locator("span", has_text="30万元").first
            inserted = page.locator("span", has_text="50万元").first
            assert "line-through" in struck.evaluate("e => getComputedStyle(e).textDecorationLine")
            assert struck.is_visible() and inserted.is_visible()
            assert "line-through" not in inserted.evaluate(
                "e => getComputedStyle(e).textDecorationLine"
            )
            assert page.get_by_text("退订").first.is_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(SCREENSHOTS / "email.png"),
                clip={"x": 0, "y": 0, "width": 760, "height": 900},
            )
            card_part = first.get_body(preferencelist=("html",))
            assert card_part is not None
            page.set_content(card_part.get_content())
            assert page.get_by_text("如何反馈意见").is_visible()
            assert page.get_by_role("link", name="zjtx@gxj.sz.gov.cn").is_visible()
            page.screenshot(
                path=str(SCREENSHOTS / "email-new-document.png"),
                clip={"x": 0, "y": 0, "width": 760, "height": 1100},
            )
        finally:
            browser.close()
    assert requests == [], f"the email loaded external resources: {requests}"
