"""HTML pages of the review UI: login, documents and versions, the audit trail (the review
desk is `monitor.web.queue` and `monitor.web.review`, sources are `monitor.web.sources`).

GET endpoints are sync (run in Starlette's thread pool); POST endpoints read the form, then run
their store work in the thread pool too. Every POST answers with a 303 back to a page.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.web.auth import authenticate, login_session, safe_next
from monitor.web.context import render, request_store
from monitor.web.forms import back, form_text, path_int, posted

# -- login ------------------------------------------------------------------------------------


def login_page(request: Request) -> Response:
    """The login form."""
    if getattr(request.state, "user", None) is not None:
        return back(safe_next(request.query_params.get("next")))
    return render(request, "login.html.j2", next=safe_next(request.query_params.get("next")))


def _login(request: Request, form: FormData) -> Response:
    target = safe_next(form_text(form, "next"))
    with request_store(request) as store:
        user = authenticate(store, form_text(form, "name"), str(form.get("password") or ""))
    if user is None:
        return render(
            request, "login.html.j2", status_code=400, next=target, error="用户名或密码错误"
        )
    login_session(request, user)
    return back(target)


def _logout(request: Request, form: FormData) -> Response:
    request.session.clear()
    return back("/login")


# -- documents and versions -------------------------------------------------------------------


def documents(request: Request) -> Response:
    """Every known document (or those whose title or 文号 contains `?q=`)."""
    q = request.query_params.get("q", "").strip()[:100]
    with request_store(request) as store:
        docs = store.list_documents(query=q)
    return render(request, "documents.html.j2", docs=docs, q=q)


def document(request: Request) -> Response:
    """A document's version timeline, its change sets, and any two versions compared."""
    from parsers.diff import diff_documents

    doc_id = path_int(request, "doc_id")
    with request_store(request) as store:
        doc = store.get_document(doc_id)
        versions = store.versions_of(doc_id)
        sets = store.list_change_sets(document_id=doc_id)
    by_id = {v.id: v for v in versions}
    a, b = _version_param(request, "a", by_id), _version_param(request, "b", by_id)
    if a is None and b is None and len(versions) >= 2:
        a, b = versions[-2].id, versions[-1].id
    diff = None
    if a is not None and b is not None and a != b:
        diff = diff_documents(by_id[a].document, by_id[b].document)
    return render(
        request,
        "document.html.j2",
        doc=doc,
        versions=versions,
        sets=sets,
        a=a,
        b=b,
        by_id=by_id,
        diff=diff,
    )


def _version_param(request: Request, name: str, by_id: dict[int, Any]) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) in by_id else None


def version(request: Request) -> Response:
    """One stored version: where and when it was fetched, and its clause tree."""
    with request_store(request) as store:
        record = store.get_version(path_int(request, "version_id"))
        doc = store.get_document(record.document_id)
    return render(request, "version.html.j2", version=record, doc=doc)


# -- audit ----------------------------------------------------------------------------------


def audit(request: Request) -> Response:
    """The audit trail: every review action, newest first."""
    with request_store(request) as store:
        entries = store.reviews(limit=500)
    return render(request, "audit.html.j2", entries=entries)


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", posted(_login), methods=["POST"]),
    Route("/logout", posted(_logout), methods=["POST"]),
    Route("/documents", documents, methods=["GET"]),
    Route("/documents/{doc_id:int}", document, methods=["GET"]),
    Route("/versions/{version_id:int}", version, methods=["GET"]),
    Route("/audit", audit, methods=["GET"]),
]
