"""The fetch layer against a real loopback server: validators, retries, caps, allowlist."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from monitor.config import FetchConfig, config_from_dict
from monitor.errors import (
    BodyTooLargeError,
    FetchConnectionError,
    FetchDeadlineError,
    FetchTimeoutError,
    HTTPStatusError,
    URLNotAllowedError,
)
from monitor.fetch.client import Fetcher
from monitor.fetch.replay import Fault, ReplayServer
from monitor.hosts import HostPolicy, check_url
from tests.fetch.trickle import TrickleServer

T = TypeVar("T")
LIST = "/xxgk/xxgkml/qt/tzgg/index.html"
CONFIG = FetchConfig(allow_hosts=("*.gov.cn", "127.0.0.1"), timeout=2.0, retries=1, backoff=0.01)


def _run(config: FetchConfig, job: Callable[[Fetcher], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Fetcher(config) as fetcher:
            return await job(fetcher)

    return asyncio.run(main())


def test_get_then_conditional_get_is_304(replay: ReplayServer) -> None:
    async def job(f: Fetcher) -> tuple[int, int, bytes]:
        first = await f.get(replay.url + LIST)
        again = await f.get(replay.url + LIST, etag=first.etag)
        return first.status, again.status, again.content

    first, again, content = _run(CONFIG, job)
    assert (first, again, content) == (200, 304, b"")


def test_5xx_is_retried_then_raised(replay: ReplayServer) -> None:
    replay.set_fault(LIST, Fault.ERROR_500)
    with pytest.raises(HTTPStatusError) as info:
        _run(CONFIG, lambda f: f.get(replay.url + LIST))
    assert info.value.status == 500
    assert replay.requests.count(LIST) == 2  # one retry


def test_4xx_is_not_retried(replay: ReplayServer) -> None:
    with pytest.raises(HTTPStatusError):
        _run(CONFIG, lambda f: f.get(replay.url + "/missing.html"))
    assert replay.requests.count("/missing.html") == 1


def test_timeout_is_mapped(replay: ReplayServer) -> None:
    replay.set_fault(LIST, Fault.HANG)
    config = dataclasses.replace(CONFIG, timeout=0.3, retries=0)
    with pytest.raises(FetchTimeoutError):
        _run(config, lambda f: f.get(replay.url + LIST))


def test_connection_reset_is_mapped(replay: ReplayServer) -> None:
    replay.set_fault(LIST, Fault.RESET)
    with pytest.raises(FetchConnectionError):
        _run(CONFIG, lambda f: f.get(replay.url + LIST))
    assert replay.requests.count(LIST) >= 2  # retried (aiohttp may also retry once itself)


def test_truncated_body_is_an_error(replay: ReplayServer) -> None:
    replay.set_fault(LIST, Fault.TRUNCATE)
    with pytest.raises(FetchConnectionError):
        _run(CONFIG, lambda f: f.get(replay.url + LIST))


def test_body_size_is_capped(replay: ReplayServer) -> None:
    config = dataclasses.replace(CONFIG, max_body_bytes=1000)
    with pytest.raises(BodyTooLargeError):
        _run(config, lambda f: f.get(replay.url + LIST))


def test_hosts_outside_the_allowlist_are_refused(replay: ReplayServer) -> None:
    config = dataclasses.replace(CONFIG, allow_hosts=("*.gov.cn",))
    with pytest.raises(URLNotAllowedError):
        _run(config, lambda f: f.get(replay.url + LIST))
    assert replay.requests == []


def test_allowed_name_resolving_to_loopback_is_refused() -> None:
    config = dataclasses.replace(CONFIG, allow_hosts=("localhost",))
    with pytest.raises(URLNotAllowedError, match="address"):
        _run(config, lambda f: f.get("http://localhost:9/x"))


def test_url_checks() -> None:
    policy = HostPolicy(("*.gov.cn", "10.0.0.0/8"))
    assert check_url("http://gxj.sz.gov.cn/a", policy) == ("gxj.sz.gov.cn", 80)
    assert check_url("https://gov.cn/", policy) == ("gov.cn", 443)
    for bad in ("ftp://gxj.sz.gov.cn/", "http://evil.com/", "http://gov.cn.evil.com/", "file:///x"):
        with pytest.raises(URLNotAllowedError):
            check_url(bad, policy)


@pytest.mark.parametrize("slow", ["headers", "body"])
def test_a_server_trickling_bytes_fails_at_the_deadline_without_retries(slow: str) -> None:
    """#16, break 3: one byte every 0.3 s never trips the 1 s read timeout; the overall
    deadline (connect + headers + body) ends the request, and it is not tried again."""
    config = dataclasses.replace(CONFIG, deadline=dt.timedelta(seconds=1.5), retries=2)
    with TrickleServer(slow=slow, interval=0.3) as server:
        started = time.monotonic()
        with pytest.raises(FetchDeadlineError, match="deadline of 1.5s"):
            _run(config, lambda f: f.get(server.url + "/slow.html"))
        elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4.0
    assert server.requests == 1


def test_the_deadline_is_a_config_duration() -> None:
    config = config_from_dict({"fetch": {"deadline": "90s"}})
    assert config.fetch.deadline == dt.timedelta(seconds=90)
    assert FetchConfig().deadline == dt.timedelta(seconds=60)
