"""What one client may cost the review UI: request bodies and login attempts.

- `BodyLimitMiddleware`: every request body (every method and path, the no-login unsubscribe
  POST included) is capped at `MAX_BODY_BYTES` before any endpoint reads it: a declared
  `Content-Length` over the cap is refused at once, a streamed body as soon as it passes it.
- `LoginThrottle`: failed logins counted per account and per client address. Past a few free
  failures every further try must wait a delay that doubles per failure (1 s, 2 s, 4 s … up
  to 15 minutes); a try during the wait is refused (429) without checking the password, so
  guessing is slow and cheap to refuse. Lockouts are logged and recorded in the audit trail.
- `PASSWORD_SLOTS`: argon2 (64 MiB and tens of milliseconds per hash) runs at most this many
  at a time; logins beyond wait, then get 503, instead of each taking a thread and its memory.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # forms are a few kilobytes; nothing the UI takes is larger
PASSWORD_SLOTS = 2  # argon2 hashes at once (one per core of a small server)
PASSWORD_WAIT = 10.0  # seconds a login waits for a slot before it is refused (503)


class BodyLimitMiddleware:
    """413 for a request body over `max_bytes`; the body is read here, once, and replayed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large()(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and not declared:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.max_bytes)
        if body is None:
            await _too_large()(scope, receive, send)
            return
        await self.app(scope, replayer(body), send)


def _too_large() -> PlainTextResponse:
    return PlainTextResponse("413 请求过大", status_code=413)


async def read_body(receive: Receive, max_bytes: int = MAX_BODY_BYTES) -> bytes | None:
    """The whole request body, or None as soon as it exceeds `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replayer(body: bytes) -> Receive:
    """A `receive` that hands the already read body to the app."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


# -- login attempts ------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _Streak:
    failures: int = 0
    last: float = 0.0  # when the last failure happened (the clock's seconds)


@dataclasses.dataclass(frozen=True, slots=True)
class Lockout:
    """A key (an account or an address) that must now wait before its next login try."""

    kind: str  # "account" or "address"
    key: str
    failures: int
    delay: float  # seconds from the last failure


class LoginThrottle:
    """Failed logins per account and per client address, with a doubling delay."""

    def __init__(
        self,
        *,
        account_free: int = 5,
        address_free: int = 20,
        max_delay: float = 900.0,
        forget_after: float = 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = {"account": account_free, "address": address_free}
        self.max_delay = max_delay
        self.forget_after = forget_after  # a streak this old is forgiven
        self.max_keys = max_keys  # random account names cannot grow this without bound
        self.clock = clock
        self._streaks: collections.OrderedDict[tuple[str, str], _Streak] = collections.OrderedDict()
        self._lock = threading.Lock()

    def wait(self, account: str, address: str) -> float:
        """Seconds before this account may try again from this address (0: now)."""
        now = self.clock()
        with self._lock:
            return max(self._wait(key, now) for key in _keys(account, address))

    def failed(self, account: str, address: str) -> list[Lockout]:
        """Count a failed login; the lockouts it starts or lengthens."""
        now = self.clock()
        found = []
        with self._lock:
            for key in _keys(account, address):
                streak = self._streak(key, now)
                streak.failures += 1
                streak.last = now
                delay = self._delay(key[0], streak.failures)
                if delay:
                    found.append(
                        Lockout(kind=key[0], key=key[1], failures=streak.failures, delay=delay)
                    )
        return found

    def succeeded(self, account: str, address: str) -> None:
        """A login that worked: the account's and the address's streaks end."""
        with self._lock:
            for key in _keys(account, address):
                self._streaks.pop(key, None)

    def _delay(self, kind: str, failures: int) -> float:
        over = failures - self.free[kind]
        return 0.0 if over < 0 else min(self.max_delay, 2.0**over)

    def _wait(self, key: tuple[str, str], now: float) -> float:
        streak = self._streaks.get(key)
        if streak is None or now - streak.last > self.forget_after:
            return 0.0
        return max(0.0, streak.last + self._delay(key[0], streak.failures) - now)

    def _streak(self, key: tuple[str, str], now: float) -> _Streak:
        streak = self._streaks.get(key)
        if streak is None or now - streak.last > self.forget_after:
            streak = self._streaks[key] = _Streak()
        self._streaks.move_to_end(key)
        while len(self._streaks) > self.max_keys:
            self._streaks.popitem(last=False)
        return streak


def _keys(account: str, address: str) -> Iterator[tuple[str, str]]:
    yield ("account", account.strip().casefold())
    yield ("address", address)


# -- password hashing ----------------------------------------------------------------------------


class BusyError(Exception):
    """Every password-hashing slot stayed busy for `PASSWORD_WAIT` seconds."""


_SLOTS = threading.BoundedSemaphore(PASSWORD_SLOTS)


@contextmanager
def password_slot(timeout: float = PASSWORD_WAIT) -> Iterator[None]:
    """Hold one of the `PASSWORD_SLOTS` argon2 slots (BusyError after `timeout` seconds)."""
    if not _SLOTS.acquire(timeout=timeout):
        raise BusyError("too many logins at once")
    try:
        yield
    finally:
        _SLOTS.release()
