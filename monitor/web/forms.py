"""Helpers of the review UI's POST endpoints: the form read off the loop, its fields, the
redirect back, the admin check and the audit trail entry every change leaves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.web.auth import current_user, is_admin
from monitor.web.context import ctx
from parsers.records import ReviewAction
from state.store import Store

MAX_TEXT = 2000  # characters kept of a reason or summary typed in a form


def form_text(form: FormData, name: str) -> str:
    """A text field, stripped and cut to MAX_TEXT characters (empty when absent)."""
    value = form.get(name)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def form_ids(form: FormData, name: str) -> list[int]:
    """Every value of a repeated id field (`ids=3&ids=7`); 400 when one is not an id."""
    ids = []
    for value in form.getlist(name):
        if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
            raise HTTPException(400, f"bad {name}")
        ids.append(int(value))
    return ids


def query_int(request: Request, name: str) -> int | None:
    """An optional integer query parameter (`?source=3`); 400 when it is not one."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise HTTPException(400, f"bad {name}")
    return int(raw)


def query_date(request: Request, name: str) -> dt.date | None:
    """An optional `YYYY-MM-DD` query parameter; 400 when it is not a date."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, f"bad {name}") from None


def path_int(request: Request, name: str) -> int:
    """An `{name:int}` path parameter."""
    value = request.path_params[name]
    assert isinstance(value, int)
    return value


def back(path: str) -> Response:
    """The 303 to a page that ends every POST."""
    return RedirectResponse(path, status_code=303)


def require_admin(request: Request) -> None:
    """403 unless the logged-in user is an administrator."""
    if not is_admin(current_user(request)):
        raise HTTPException(403)


def posted(
    handler: Callable[[Request, FormData], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """An async POST endpoint: parse the form, then run `handler` in the thread pool."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        return await run_in_threadpool(handler, request, form)

    return endpoint


def record_action(
    request: Request, store: Store, cs_id: int | None, action: str, **kw: Any
) -> None:
    """Record what the logged-in user did (call inside the transaction that did it)."""
    store.add_review(
        ReviewAction(
            change_set_id=cs_id,
            action=action,
            actor=current_user(request).name,
            at=ctx(request).clock(),
            **kw,
        )
    )
