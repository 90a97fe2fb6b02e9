"""Staff authentication: argon2 password hashes, session login, CSRF tokens, safe redirects.

Two pure-ASGI middlewares guard the whole app by default (a new route is protected unless it
is listed as public):

- `LoginMiddleware`: without a session naming an active user, every path but the public ones
  (login, static files, `/unsubscribe/`, `/feed/`, `/report/`) is redirected to `/login?next=...`.
- `CSRFMiddleware`: every POST must carry the session's CSRF token (form field `csrf` or header
  `X-CSRF-Token`), else 403. Only the RFC 8058 one-click unsubscribe POST is exempt: its
  signed token is the authority and mail clients send it without a session.
"""

from __future__ import annotations

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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parsers.records import Role, User
from state.errors import NotFoundError
from state.store import Store

logger = logging.getLogger(__name__)

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 1024 * 1024
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
    """The active user with this name and password, or None (same work either way)."""
    user = store.find_user(name)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)  # spend the same time as a real check
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash) and user.id is not None:
        store.set_user_password(user.id, hash_password(password))
    return user


_DUMMY_HASH = hash_password("policywatch-dummy-password")


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
    """Start a fresh session for `user` (new CSRF token)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


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
        if not isinstance(user_id, int):
            return None
        with self.store_factory() as store:
            try:
                user = store.get_user(user_id)
            except NotFoundError:
                logger.debug("session names unknown user %s", user_id)
                return None
        return user if user.active else None

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
        body = await _read_body(receive)
        if body is None:
            await PlainTextResponse("请求过大", status_code=413)(scope, receive, send)
            return
        replay = _replayer(body)
        request = Request(scope, replay)
        expected = request.session.get(SESSION_CSRF)
        sent = request.headers.get(CSRF_HEADER) or _form_token(await request.form())
        if not (isinstance(expected, str) and expected and sent) or not hmac.compare_digest(
            expected.encode(), sent.encode()
        ):
            logger.info("CSRF check failed for POST %s", scope["path"])
            await _forbidden()(scope, receive, send)
            return
        await self.app(scope, _replayer(body), send)


def _form_token(form: FormData) -> str:
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def _forbidden() -> Response:
    return PlainTextResponse("403 禁止：表单校验失败（CSRF），请刷新页面后重试。", status_code=403)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
