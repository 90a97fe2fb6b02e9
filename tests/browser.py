"""Headless Chromium for the end-to-end tests: Debian's `chromium` (installed by `make browser`)
driven by Playwright, with the flags this closed network needs; and uvicorn serving an app on
a free loopback port in a thread, for the browser to open."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from starlette.applications import Starlette

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (run `make browser`)"
)


class _Server(uvicorn.Server):
    """uvicorn that tells the test thread when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextlib.contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve([sock])), daemon=True)
    thread.start()
    assert server.ready.wait(10), "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium (one launch can serve the pages of several tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_page(
    browser: Browser, base_url: str, *, width: int = 1280, height: int = 900
) -> Iterator[Page]:
    """A page in a fresh context (no cookies; zh-CN) whose relative URLs go to `base_url`."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, base_url=base_url
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def login(page: Page, name: str, password: str, start: str) -> None:
    """Log in through the login page the app sends an anonymous visitor of `start` to."""
    page.goto(start)
    assert "/login?next=" in page.url  # no session: sent to the login page
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{start}")
