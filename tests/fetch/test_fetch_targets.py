"""A fetcher checks a URL against the allowlist once for its life (one cycle); a refusal is
never kept, and what a name resolves to is still checked at every connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from monitor.config import FetchConfig
from monitor.errors import URLNotAllowedError
from monitor.fetch.client import Fetcher
from tests.loopback import loopback

ALLOWED = FetchConfig(allow_hosts=("*.gov.cn", "127.0.0.1"), timeout=2.0, retries=0)


class _Path(BaseHTTPRequestHandler):
    """Answers with the path it was asked for."""

    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    """An HTTP server on 127.0.0.1; yields its port."""
    with loopback(_Path) as server:
        yield int(server.server_address[1])


def test_refused_urls_are_refused_every_time_and_allowed_ones_fetched_every_time(
    port: int,
) -> None:
    async def main() -> list[bytes]:
        bodies = []
        async with Fetcher(ALLOWED) as fetcher:
            for _ in range(3):
                with pytest.raises(URLNotAllowedError, match="not in \\[fetch\\] allow_hosts"):
                    await fetcher.get("http://example.com/")
                with pytest.raises(URLNotAllowedError, match="address 10.0.0.1 is not allowed"):
                    await fetcher.get("http://10.0.0.1/")
                with pytest.raises(URLNotAllowedError, match="not http"):
                    await fetcher.get("file:///etc/passwd")
                for path in ("/a", "/b"):
                    bodies.append((await fetcher.get(f"http://127.0.0.1:{port}{path}")).content)
        return bodies

    assert asyncio.run(main()) == [b"/a", b"/b"] * 3
