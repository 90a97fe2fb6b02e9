"""Staff authentication: argon2 password hashes, session login, CSRF tokens, safe redirects.

Two pure-ASGI middlewares guard the whole app by default (a new route is protected unless it
is listed as public):

- `LoginMiddleware`: without a session naming an active user *and* that user's current session
  version, every path but the public ones (login, static files, `/unsubscribe/`, `/feed/`,
  `/report/`) is redirected to `/login?next=...`. Logging out and `users disable` move the
  version on, so every cookie issued before stops working at once, wherever it was copied to.
- `CSRFMiddleware`: every POST must carry the session's CSRF token (form field `csrf` or header
  `X-CSRF-Token`), else 403. Only the RFC 8058 one-click unsubscribe POST is exempt: its
  signed token is the authority and mail clients send it without a session.

Logins go through `attempt_login`: throttled per account and per client address, hashed on
a bounded pool (`monitor.web.limits`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.web.limits import BusyError, LoginThrottle, password_slot, read_body, replayer
from parsers.records import ReviewAction, Role, User
from state.errors import NotFoundError
from state.store import Store

logger = logging.getLogger(__name__)

SESSION_USER = "uid"
SESSION_VERSION = "sv"  # the user's session version when the cookie was issued
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
# Paths served without a login (prefixes end with "/").
PUBLIC_PATHS = ("/login",)
PUBLIC_PREFIXES = ("/static/", "/unsubscribe/", "/feed/", "/report/")
# POSTs exempt from CSRF: the one-click unsubscribe (RFC 8058) carries its own signed token.
CSRF_EXEMPT_PREFIXES = ("/unsubscribe/",)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted, memory-hard)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (same work either way); the
    hashing waits for one of the bounded password slots (BusyError when none frees up)."""
    user = store.find_user(name)
    with password_slot():
        if user is None or not user.active:
            verify_password(_DUMMY_HASH, password)  # spend the same time as a real check
            return None
        if not verify_password(user.password_hash, password):
            return None
        if needs_rehash(user.password_hash) and user.id is not None:
            store.set_user_password(user.id, hash_password(password))
    return user


_DUMMY_HASH = hash_password("policywatch-dummy-password")


class LoginRefusedError(Exception):
    """A login refused before the password was checked: `status` 429 (throttled) or 503."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def attempt_login(
    store: Store,
    throttle: LoginThrottle,
    *,
    name: str,
    password: str,
    address: str,
    now: dt.datetime,
) -> User | None:
    """`authenticate`, within the throttle of this account and address: LoginRefusedError
    while either must wait; a failure counted, and a lockout it starts logged and audited."""
    wait = throttle.wait(name, address)
    if wait > 0:
        logger.info("login for %r from %s refused: locked for %.0fs more", name, address, wait)
        raise LoginRefusedError(429, f"登录失败次数过多，请 {max(1, round(wait))} 秒后再试")
    try:
        user = authenticate(store, name, password)
    except BusyError:
        logger.warning("login for %r from %s refused: every password slot busy", name, address)
        raise LoginRefusedError(503, "登录请求过多，请稍后再试") from None
    if user is not None:
        throttle.succeeded(name, address)
        return user
    for lockout in throttle.failed(name, address):
        logger.warning(
            "login locked: %s %r after %d failed logins (last from %s) for %.0fs",
            lockout.kind,
            lockout.key,
            lockout.failures,
            address,
            lockout.delay,
        )
        what = "账户" if lockout.kind == "account" else "地址"
        store.add_review(
            ReviewAction(
                change_set_id=None,
                action="login_locked",
                actor="policywatch",
                at=now,
                detail=f"{what} {lockout.key}：连续 {lockout.failures} 次登录失败，"
                f"{lockout.delay:g} 秒内不再受理（最近来自 {address}）",
            )
        )
    return None


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a same-site relative path (`/queue?x=1`), else `default`."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def login_session(request: Request, user: User) -> None:
    """Start a fresh session for `user` (new CSRF token, the user's session version)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_VERSION] = user.session_version
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def logout_everywhere(request: Request, store: Store) -> None:
    """End this session and every other cookie of the same user (their version is left
    behind), then clear the session."""
    user = getattr(request.state, "user", None)
    if isinstance(user, User) and user.id is not None:
        store.end_sessions(user.id)
    request.session.clear()


def current_user(request: Request) -> User:
    """The logged-in user (set by `LoginMiddleware`)."""
    user = request.state.user
    assert isinstance(user, User)
    return user


def is_admin(user: User) -> bool:
    """True for administrators."""
    return user.role is Role.ADMIN


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class LoginMiddleware:
    """Redirects to the login page unless the session names an active user."""

    def __init__(self, app: ASGIApp, *, store_factory: Callable[[], Store]) -> None:
        self.app = app
        self.store_factory = store_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        user = self._user(request)
        scope.setdefault("state", {})["user"] = user
        if user is None and not _is_public(request.url.path):
            await self._to_login(request)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _user(self, request: Request) -> User | None:
        user_id = request.session.get(SESSION_USER)
        version = request.session.get(SESSION_VERSION)
        if not isinstance(user_id, int) or not isinstance(version, int):
            return None
        with self.store_factory() as store:
            try:
                user = store.get_user(user_id)
            except (NotFoundError, OverflowError):
                logger.debug("session names unknown user %s", user_id)
                return None
        if not user.active or user.session_version != version:
            return None  # disabled, or logged out since this cookie was issued
        return user

    @staticmethod
    def _to_login(request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


class CSRFMiddleware:
    """Refuses (403) a POST whose CSRF token does not match the session's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(CSRF_EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)  # within `BodyLimitMiddleware`'s cap, read there
        if body is None:
            await PlainTextResponse("请求过大", status_code=413)(scope, receive, send)
            return
        request = Request(scope, replayer(body))
        expected = request.session.get(SESSION_CSRF)
        sent = request.headers.get(CSRF_HEADER) or _form_token(await request.form())
        if not (isinstance(expected, str) and expected and sent) or not hmac.compare_digest(
            expected.encode(), sent.encode()
        ):
            logger.info("CSRF check failed for POST %s", scope["path"])
            await _forbidden()(scope, receive, send)
            return
        await self.app(scope, replayer(body), send)


def _form_token(form: FormData) -> str:
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def _forbidden() -> Response:
    return PlainTextResponse("403 禁止：表单校验失败（CSRF），请刷新页面后重试。", status_code=403)
