"""SSRF past the allowlist (#16, break 2): one look-up, checked, is the one connected to; host
names are checked in the form the connection uses (UTS #46), not Python's IDNA 2003.

The DNS answers come from the event loop's `getaddrinfo`, replaced in the test (the same call
the system resolver of aiohttp makes); the server is real, on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from monitor.config import FetchConfig
from monitor.errors import URLNotAllowedError
from monitor.fetch.client import Fetcher
from monitor.hosts import HostPolicy, check_url, normalise_host
from tests.loopback import loopback

ALLOWED = FetchConfig(allow_hosts=("*.gov.cn", "127.0.0.1"), timeout=2.0, retries=0)


class _Echo(BaseHTTPRequestHandler):
    """Answers with the Host header it was sent."""

    def do_GET(self) -> None:
        body = f"host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[int]:
    """An HTTP server on 127.0.0.1; yields its port."""
    with loopback(_Echo) as server:
        yield int(server.server_address[1])


def _fetch(url: str, answers: dict[str, list[str]], asked: list[str]) -> bytes:
    """GET `url` with a DNS that gives each name its listed answers in turn (the last one
    repeats) and records the names it was asked for."""

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        queue = answers.get(name)
        if not queue:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(loop, "getaddrinfo", getaddrinfo)
            async with Fetcher(ALLOWED) as fetcher:
                return (await fetcher.get(url)).content

    return asyncio.run(main())


def test_a_dns_answer_that_changes_after_the_check_is_never_connected_to(echo: int) -> None:
    """Rebinding: 127.0.0.1 (allowed here) when checked, 127.0.0.2 (not allowed) the second
    time. The connection must go to the checked address: the same look-up."""
    asked: list[str] = []
    answers = {"rebind.gov.cn": ["127.0.0.1", "127.0.0.2"]}
    body = _fetch(f"http://rebind.gov.cn:{echo}/", answers, asked)
    assert body == f"host=rebind.gov.cn:{echo}".encode()
    assert asked == ["rebind.gov.cn"]  # resolved once


def test_a_name_resolving_to_a_forbidden_address_is_refused_before_connecting(echo: int) -> None:
    asked: list[str] = []
    with pytest.raises(URLNotAllowedError, match=r"address 127\.0\.0\.2 of 'inside\.gov\.cn'"):
        _fetch(f"http://inside.gov.cn:{echo}/", {"inside.gov.cn": ["127.0.0.2"]}, asked)
    assert asked == ["inside.gov.cn"]


def test_an_international_name_is_resolved_and_sent_as_the_connection_spells_it(
    echo: int,
) -> None:
    """`faß.gov.cn` is `xn--fa-hia.gov.cn` (UTS #46); IDNA 2003 would look up `fass.gov.cn`."""
    asked: list[str] = []
    answers = {name: ["127.0.0.1"] for name in ("xn--fa-hia.gov.cn", "fass.gov.cn", "faß.gov.cn")}
    body = _fetch(f"http://FAß.gov.cn:{echo}/page", answers, asked)
    assert asked == ["xn--fa-hia.gov.cn"]
    assert body == f"host=xn--fa-hia.gov.cn:{echo}".encode()


def test_host_names_are_normalised_once_with_uts46() -> None:
    assert normalise_host("faß.gov.cn") == "xn--fa-hia.gov.cn"
    assert normalise_host("FAß。GOV。CN") == "xn--fa-hia.gov.cn"  # ideographic full stops
    assert normalise_host("ｇｘｊ.sz.gov.cn") == "gxj.sz.gov.cn"  # fullwidth letters
    assert normalise_host("深圳.gov.cn") == "xn--fes124c.gov.cn"
    assert normalise_host("GXJ.sz.gov.cn") == "gxj.sz.gov.cn"
    with pytest.raises(ValueError):
        normalise_host("fa ß.gov.cn")  # a space is no part of a name


def test_the_allowlist_compares_names_in_the_connection_form() -> None:
    punycode = HostPolicy(("xn--fa-hia.gov.cn",))
    assert check_url("http://faß.gov.cn/", punycode) == ("xn--fa-hia.gov.cn", 80)
    unicode_pattern = HostPolicy(("faß.gov.cn",))
    assert check_url("http://xn--fa-hia.gov.cn/", unicode_pattern) == ("xn--fa-hia.gov.cn", 80)
    with pytest.raises(URLNotAllowedError):
        check_url("http://fass.gov.cn/", unicode_pattern)  # another host
    with pytest.raises(URLNotAllowedError):
        check_url("http://faß.gov.cn.evil.example/", HostPolicy(("*.gov.cn",)))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("203.0.113.9", False),  # documentation range: not public
        ("8.8.8.8", True),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b:1::c0a8:1", False),  # local-use NAT64 of 192.168.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2400:3200::1", True),
    ],
)
def test_an_allowed_name_may_resolve_only_to_public_addresses(address: str, allowed: bool) -> None:
    import ipaddress

    policy = HostPolicy(("*.gov.cn",))
    assert policy.allows_address(ipaddress.ip_address(address), named=True) is allowed


def test_refused_urls_are_refused_every_time_and_allowed_ones_fetched_every_time(
    echo: int,
) -> None:
    """A fetcher checks a URL against the allowlist once for its life (one cycle): a refusal
    is never kept, and an allowed URL is fetched (its address checked) at every request."""

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
                    bodies.append((await fetcher.get(f"http://127.0.0.1:{echo}{path}")).content)
        return bodies

    assert asyncio.run(main()) == [f"host=127.0.0.1:{echo}".encode()] * 6
