"""The staff review UI: a Starlette app (`create_app`) over the store, served by uvicorn.

Middlewares, outermost first: security headers (strict CSP, no framing), signed session cookie,
login required (`auth.LoginMiddleware`), CSRF on every POST (`auth.CSRFMiddleware`).
Endpoints are sync functions (Starlette runs them in a thread pool); each opens its own
`Store` through `store_factory` and closes it when done. What every endpoint needs is in
`monitor.web.context` (and `monitor.web.forms` for POSTs); the pages are `pages`, `people`,
`api`, `feed` and `unsubscribe`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

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

from monitor.clock import utcnow
from monitor.config import Config
from monitor.web import api, feed, pages, people, queue, review, sources, unsubscribe
from monitor.web.auth import CSRFMiddleware, LoginMiddleware
from monitor.web.context import CheckRunner, WebContext, page_context, render, web_secret
from monitor.web.templating import make_environment
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
    titles = {400: "请求无效", 403: "无权限", 404: "未找到", 405: "不允许的请求方法"}
    return _error_page(request, exc.status_code, titles.get(exc.status_code, "错误"), "")


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return render(request, "error.html.j2", status_code=status, title=title, detail=detail)


def create_app(
    config: Config,
    store_factory: Callable[[], Store],
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    secret: str | None = None,
    checks: CheckRunner | None = None,
) -> Starlette:
    """The review UI over the store that `store_factory` opens (one store per request);
    `checks` runs "check now" (None: the button is not offered)."""
    secret = secret or web_secret(config, store_factory)
    templates = Jinja2Templates(env=make_environment(), context_processors=[page_context])
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
        *queue.routes,
        *review.routes,
        *sources.routes,
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
        checks=checks,
    )
    return app
