"""`/unsubscribe/{token}` and `/report/{token}`: no login; the signed token is the authority.

Per RFC 8058, a GET never unsubscribes (mail scanners follow every link in an email): it checks
the token and shows a page with one button; that button's POST, like the mail client's
one-click POST (`List-Unsubscribe=One-Click`, without a session), unsubscribes. Both POSTs are
idempotent; a bad or expired token is a 400 page. Tokens are verified by
`monitor.review.unsubscribe`.

`/report/{token}` shows a change set's full redline (the link a chat message ends with).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from monitor.review.export import export_html, load_export
from monitor.review.unsubscribe import report_change_set, unsubscribe, unsubscriber
from monitor.web.context import ctx, render, request_store
from notifications.errors import TokenError
from parsers.records import Subscriber
from state.errors import NotFoundError

logger = logging.getLogger(__name__)


def _unsubscribe(request: Request, *, confirm: bool) -> Subscriber | None:
    web = ctx(request)
    token = str(request.path_params["token"])
    act = unsubscribe if confirm else unsubscriber
    with request_store(request) as store:
        try:
            return act(store, token, config=web.config, now=web.clock())
        except (TokenError, NotFoundError) as exc:
            logger.info("unsubscribe refused: %s", exc)
            return None


def page(request: Request) -> Response:
    """GET: check the token and ask (one button); changes nothing."""
    person = _unsubscribe(request, confirm=False)
    status = 200 if person else 400
    return render(request, "unsubscribe.html.j2", status_code=status, person=person, done=False)


async def one_click(request: Request) -> Response:
    """POST: the page's button (an HTML answer) or RFC 8058 one-click (a text answer)."""
    body = await request.body()
    person = await run_in_threadpool(_unsubscribe, request, confirm=True)
    if b"List-Unsubscribe=One-Click" not in body:  # the button of the GET page
        status = 200 if person else 400
        return render(request, "unsubscribe.html.j2", status_code=status, person=person, done=True)
    if person is None:
        return PlainTextResponse("invalid or expired unsubscribe token", status_code=400)
    return PlainTextResponse("unsubscribed")


REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def report(request: Request) -> Response:
    """GET: the change set a signed report token names, as its client redline page."""
    web = ctx(request)
    token = str(request.path_params["token"])
    with request_store(request) as store:
        try:
            change_set_id = report_change_set(store, token, config=web.config, now=web.clock())
            source = load_export(store, change_set_id)
        except (TokenError, NotFoundError) as exc:
            logger.info("report refused: %s", exc)
            return render(request, "unsubscribe.html.j2", status_code=404, person=None, done=False)
    # The page is self-contained (inline styles), so it carries its own, stricter policy.
    return HTMLResponse(export_html(source), headers={"Content-Security-Policy": REPORT_CSP})


routes: list[BaseRoute] = [
    Route("/unsubscribe/{token}", page, methods=["GET"]),
    Route("/unsubscribe/{token}", one_click, methods=["POST"]),
    Route("/report/{token}", report, methods=["GET"]),
]
