"""What every endpoint of the review UI needs: the app's `WebContext`, a store per request,
template rendering and one-time flash messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from monitor.config import Config
from monitor.web.auth import csrf_token, is_admin
from state.store import Store

_FEED_MESSAGE = b"policywatch-feed-v1"


class CheckRunner(Protocol):
    """Runs "check now" for the review UI (handed in by `serve` / `run --serve`, which may
    import the check pipeline; the UI itself does not)."""

    def start(self, name: str) -> bool:
        """Start checking the source `name` in the background; False if already running."""

    def running(self, name: str) -> bool:
        """True while a check of `name` started here is running."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WebContext:
    """What every endpoint needs, kept on `app.state.web`."""

    config: Config
    store_factory: Callable[[], Store]
    templates: Jinja2Templates
    secret: str
    clock: Callable[[], dt.datetime]
    checks: CheckRunner | None = None  # None: no "check now" (tests, a UI without the pipeline)

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
    with store_factory() as store:
        return store.secret("web-session")


def ctx(request: Request) -> WebContext:
    """The app's `WebContext`."""
    web = request.app.state.web
    assert isinstance(web, WebContext)
    return web


@contextmanager
def request_store(request: Request) -> Iterator[Store]:
    """A store for the duration of one request."""
    with ctx(request).store_factory() as store:
        yield store


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a template with the page context (user, CSRF token, flash message)."""
    context.setdefault("flash", request.session.pop("flash", None))
    return ctx(request).templates.TemplateResponse(request, name, context, status_code=status_code)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page."""
    request.session["flash"] = {"kind": kind, "text": message}


def page_context(request: Request) -> dict[str, Any]:
    """What every template sees: the user, whether an admin, the CSRF token."""
    user = getattr(request.state, "user", None)
    return {
        "user": user,
        "admin": bool(user and is_admin(user)),
        "csrf": csrf_token(request) if "session" in request.scope else "",
    }
