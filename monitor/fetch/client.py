"""Fetching: the only place that builds an HTTP client and sees its exceptions.

One `Fetcher` per check cycle wraps one `aiohttp.ClientSession` (HTTP/1.1 keep-alive), chosen
by measuring (`bench/bench_check.py --transports`): httpx's default transport took several
times its CPU per GET, httpx on the `httpx-aiohttp` transport still clearly more. It bounds
concurrency overall and per host, sends conditional GETs, retries 5xx / timeouts / resets
with exponential backoff (never 4xx), caps body sizes and the time of each request
(`[fetch] deadline`: connect, headers and body), follows redirects itself so that every hop
is checked against `[fetch] allow_hosts`, and maps every error to `monitor.errors.FetchError`.

Host names are checked once, in one form: normalised with UTS #46 (`monitor.hosts`), and the
request goes out with that very name. Their addresses are checked in `CheckedResolver`, the
connector's own resolver, so the connection goes only to the addresses that were checked: no
second look-up that a DNS server could answer differently (rebinding).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from monitor.config import FetchConfig
from monitor.errors import (
    BodyTooLargeError,
    FetchConnectionError,
    FetchDeadlineError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    URLNotAllowedError,
)
from monitor.hosts import CheckedURL, HostPolicy, checked_url, literal_address

if TYPE_CHECKING:
    import aiohttp
    from aiohttp.abc import AbstractResolver

logger = logging.getLogger(__name__)

_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """What one GET brought back (after redirects); `content` is empty on 304."""

    url: str  # the URL asked for
    final_url: str  # the effective URL after redirects
    status: int
    content: bytes
    content_type: str  # the Content-Type header as sent ("" when absent)
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime
    elapsed: float  # seconds, including retries

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional GET."""
        return self.status == 304

    @property
    def content_hash(self) -> str:
        """sha256 of the body, hex."""
        return hashlib.sha256(self.content).hexdigest()


class Fetcher:
    """Polite, bounded, checked HTTP GETs over one shared client (use `async with`)."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        client: aiohttp.ClientSession | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.config = config
        self.policy = HostPolicy(config.allow_hosts)
        self._client = client
        self._resolver = resolver  # the look-ups `CheckedResolver` checks (default: the system's)
        self._overall = asyncio.Semaphore(max(1, config.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._targets: dict[str, CheckedURL] = {}  # URL -> its checked form (`_target`)
        self.requests = 0  # HTTP requests sent (retries and redirects included)
        self.not_modified = 0  # 304 answers

    async def __aenter__(self) -> Fetcher:
        if self._client is None:
            self._client = make_client(self.config, resolver=self._resolver)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client and its connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET `url` (conditionally when validators are given); raises FetchError."""
        started = time.perf_counter()
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.config.max_redirects + 1):
            status, resp_headers, body = await self._with_retries(
                current, headers, max_bytes or self.config.max_body_bytes
            )
            if status in _REDIRECTS and "location" in resp_headers:
                current = urljoin(current, resp_headers["location"])
                continue
            if status >= 400:
                raise HTTPStatusError(current, status)
            if status == 304:
                self.not_modified += 1
            return FetchResult(
                url=url,
                final_url=current,
                status=status,
                content=body,
                content_type=resp_headers.get("content-type", ""),
                etag=resp_headers.get("etag"),
                last_modified=resp_headers.get("last-modified"),
                fetched_at=dt.datetime.now(dt.UTC),
                elapsed=time.perf_counter() - started,
            )
        raise FetchError(url, f"more than {self.config.max_redirects} redirects")

    async def _with_retries(
        self, url: str, headers: dict[str, str], max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        delay = self.config.backoff
        for attempt in range(self.config.retries + 1):
            last = attempt == self.config.retries
            try:
                status, resp_headers, body = await self._once(url, headers, max_bytes)
            except FetchDeadlineError:
                raise  # a server this slow would hold up the check again on every retry
            except (FetchTimeoutError, FetchConnectionError) as exc:
                if last:
                    raise
                logger.info("retrying %s after %s", url, exc.message)
            else:
                if status < 500 or last:
                    return status, resp_headers, body
                logger.info("retrying %s after HTTP %d", url, status)
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, url: str, headers: dict[str, str], max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        target = self._targets.get(url) or self._target(url)
        per_host = self._hosts.setdefault(
            target.host, asyncio.Semaphore(max(1, self.config.per_host))
        )
        async with self._overall, per_host:
            self.requests += 1
            deadline = self.config.deadline.total_seconds()
            try:
                async with asyncio.timeout(deadline):
                    return await _request(self._require_client(), target.url, headers, max_bytes)
            except TimeoutError:
                raise FetchDeadlineError(
                    url, f"no complete answer within the deadline of {deadline:g}s"
                ) from None
            except URLNotAllowedError as exc:  # the connector's `CheckedResolver` names the host
                raise URLNotAllowedError(url, exc.message) from None

    def _target(self, url: str) -> CheckedURL:
        """The URL checked against `[fetch] allow_hosts` (scheme, host name, an IP literal),
        once per URL for the fetcher's life (one cycle): the verdict reads nothing but the
        URL and the allowlist, so a retry or the next request of the URL cannot change it.
        The addresses a name resolves to are not part of it: `CheckedResolver` checks them
        at every connection (DNS rebinding). Raises URLNotAllowedError (never kept)."""
        target = checked_url(url, self.policy)
        literal = literal_address(target.host)
        if literal is not None and not self.policy.allows_address(literal, named=False):
            raise URLNotAllowedError(url, f"address {literal} is not allowed")
        self._targets[url] = target
        return target

    def _require_client(self) -> aiohttp.ClientSession:
        if self._client is None:
            raise RuntimeError("Fetcher used outside `async with`")
        return self._client


async def _request(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], max_bytes: int
) -> tuple[int, dict[str, str], bytes]:
    import aiohttp

    try:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise BodyTooLargeError(url, f"body of {declared} bytes exceeds {max_bytes}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_any():
                size += len(chunk)
                if size > max_bytes:
                    raise BodyTooLargeError(url, f"body exceeds {max_bytes} bytes")
                chunks.append(chunk)
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, resp_headers, b"".join(chunks)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise _map_error(url, exc) from exc


def _map_error(url: str, exc: Exception) -> FetchError:
    """aiohttp's (and asyncio's) errors -> the project's FetchError tree."""
    import aiohttp

    reason = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):  # aiohttp's timeout errors are TimeoutErrors too
        return FetchTimeoutError(url, f"timed out ({reason})")
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return FetchConnectionError(url, f"connection failed: {reason}")
    return FetchError(url, reason)


def make_client(
    config: FetchConfig, *, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The project's one HTTP client factory: an aiohttp session, keep-alive, no cookies, and
    the resolver that checks every address it connects to against `[fetch] allow_hosts`.

    aiohttp directly: httpx on top of it cost clearly more CPU per GET (`bench/bench_check.py
    --transports`).
    """
    import aiohttp

    from monitor.fetch.resolver import CheckedResolver

    connector = aiohttp.TCPConnector(
        limit=max(1, config.concurrency),
        limit_per_host=max(1, config.per_host),
        keepalive_timeout=30.0,
        resolver=CheckedResolver(HostPolicy(config.allow_hosts), resolver),
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=None,
            connect=config.timeout,
            sock_connect=config.timeout,
            sock_read=config.timeout,
        ),
        headers={"User-Agent": config.user_agent},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )
