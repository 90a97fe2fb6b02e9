"""The staff review UI: a Starlette app (`create_app`) over the store, served by uvicorn.

Middlewares, outermost first: security headers (strict CSP, no framing), signed session cookie,
login required (`auth.LoginMiddleware`), CSRF on every POST (`auth.CSRFMiddleware`).
Endpoints are sync functions (Starlette runs them in a thread pool); each opens its own
`Store` through `store_factory` and closes it when done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.config import Config
from monitor.web.auth import CSRFMiddleware, LoginMiddleware, csrf_token, is_admin
from monitor.web.templating import make_environment
from state.base import utcnow
from state.errors import ConflictError, NotFoundError
from state.store import Store

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "pw_session"
SESSION_MAX_AGE = 12 * 3600  # seconds: one working day
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_FEED_MESSAGE = b"policywatch-feed-v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebContext:
    """What every endpoint needs, kept on `app.state.web`."""

    config: Config
    store_factory: Callable[[], Store]
    templates: Jinja2Templates
    secret: str
    clock: Callable[[], dt.datetime]

    @property
    def feed_token(self) -> str:
        """The secret path segment of the Atom feed (an HMAC of the UI secret)."""
        return feed_token(self.secret)


def feed_token(secret: str) -> str:
    """HMAC-SHA256 of a fixed message under `secret`, hex, 32 characters."""
    return hmac.new(secret.encode(), _FEED_MESSAGE, hashlib.sha256).hexdigest()[:32]


def web_secret(config: Config, store_factory: Callable[[], Store]) -> str:
    """The signing secret: the variable named by `[web] secret_env`, else one kept in the db."""
    value = os.environ.get(config.web.secret_env, "")
    if value:
        return value
    store = store_factory()
    try:
        return store.secret("web-session")
    finally:
        store.close()


def ctx(request: Request) -> WebContext:
    """The app's `WebContext`."""
    web = request.app.state.web
    assert isinstance(web, WebContext)
    return web


@contextmanager
def open_store(request: Request) -> Iterator[Store]:
    """A store for the duration of one request."""
    store = ctx(request).store_factory()
    try:
        yield store
    finally:
        store.close()


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a template with the page context (user, CSRF token, flash message)."""
    context.setdefault("flash", request.session.pop("flash", None))
    return ctx(request).templates.TemplateResponse(request, name, context, status_code=status_code)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page."""
    request.session["flash"] = {"kind": kind, "text": message}


def _page_context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    return {
        "user": user,
        "admin": bool(user and is_admin(user)),
        "csrf": csrf_token(request) if "session" in request.scope else "",
    }


class SecurityHeadersMiddleware:
    """Adds CSP, X-Frame-Options, Referrer-Policy and nosniff to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error_page(request, 404, "未找到", str(exc) if isinstance(exc, NotFoundError) else "")


async def _conflict(request: Request, exc: Exception) -> Response:
    return _error_page(request, 409, "操作冲突", str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {403: "无权限", 404: "未找到", 405: "不允许的请求方法"}
    return _error_page(request, exc.status_code, titles.get(exc.status_code, "错误"), "")


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return render(request, "error.html.j2", status_code=status, title=title, detail=detail)


def create_app(
    config: Config,
    store_factory: Callable[[], Store],
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    secret: str | None = None,
) -> Starlette:
    """The review UI over the store that `store_factory` opens (one store per request)."""
    from monitor.web import api, feed, pages, people, unsubscribe

    secret = secret or web_secret(config, store_factory)
    templates = Jinja2Templates(env=make_environment(), context_processors=[_page_context])
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            same_site="lax",
            https_only=config.web.secure_cookies,
        ),
        Middleware(LoginMiddleware, store_factory=store_factory),
        Middleware(CSRFMiddleware),
    ]
    routes = [
        *pages.routes,
        *people.routes,
        *api.routes,
        *feed.routes,
        *unsubscribe.routes,
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            NotFoundError: _not_found,
            ConflictError: _conflict,
            HTTPException: _http_error,
        },
    )
    app.state.web = WebContext(
        config=config,
        store_factory=store_factory,
        templates=templates,
        secret=secret,
        clock=clock,
    )
    return app
