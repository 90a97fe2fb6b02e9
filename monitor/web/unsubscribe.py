"""`/unsubscribe/{token}`: no login; the signed token from the email is the authority.

GET (the link in the email) unsubscribes at once and shows a confirmation page; POST honours
RFC 8058 one-click (`List-Unsubscribe=One-Click`, sent by mail clients without a session).
Both are idempotent. Tokens are verified by `monitor.review.unsubscribe.unsubscribe`.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from monitor.review.unsubscribe import unsubscribe
from monitor.web.context import ctx, render, request_store
from notifications.errors import TokenError
from parsers.records import Subscriber
from state.errors import NotFoundError

logger = logging.getLogger(__name__)


def _unsubscribe(request: Request) -> Subscriber | None:
    web = ctx(request)
    token = str(request.path_params["token"])
    with request_store(request) as store:
        try:
            return unsubscribe(store, token, config=web.config, now=web.clock())
        except (TokenError, NotFoundError) as exc:
            logger.info("unsubscribe refused: %s", exc)
            return None


def page(request: Request) -> Response:
    """GET: unsubscribe and confirm (or explain that the link is invalid or expired)."""
    person = _unsubscribe(request)
    status = 200 if person else 400
    return render(request, "unsubscribe.html.j2", status_code=status, person=person)


async def one_click(request: Request) -> Response:
    """POST (RFC 8058 one-click): 200 when done, 400 for a bad token."""
    await request.body()
    person = await run_in_threadpool(_unsubscribe, request)
    if person is None:
        return PlainTextResponse("invalid or expired unsubscribe token", status_code=400)
    return PlainTextResponse("unsubscribed")


routes: list[BaseRoute] = [
    Route("/unsubscribe/{token}", page, methods=["GET"]),
    Route("/unsubscribe/{token}", one_click, methods=["POST"]),
]
