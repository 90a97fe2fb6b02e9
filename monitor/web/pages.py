"""HTML pages of the review UI: login, queue, change sets, documents, sources, audit trail.

GET endpoints are sync (run in Starlette's thread pool); POST endpoints read the form, then run
their store work in the thread pool too. Every POST answers with a 303 back to a page.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.review import actions
from monitor.web.auth import (
    LoginRefusedError,
    attempt_login,
    current_user,
    login_session,
    logout_everywhere,
    safe_next,
)
from monitor.web.context import ctx, flash, render, request_store
from monitor.web.forms import (
    back,
    form_text,
    path_int,
    posted,
    record_action,
    require_admin,
    row_id,
)
from parsers.records import ChangeSetRecord, ChangeSetState, StoredChange
from state.errors import ConflictError, NotFoundError
from state.store import Store

# -- login ------------------------------------------------------------------------------------


def login_page(request: Request) -> Response:
    """The login form."""
    if getattr(request.state, "user", None) is not None:
        return back(safe_next(request.query_params.get("next")))
    return render(request, "login.html.j2", next=safe_next(request.query_params.get("next")))


def _login(request: Request, form: FormData) -> Response:
    target = safe_next(form_text(form, "next"))
    web = ctx(request)
    try:
        with request_store(request) as store:
            user = attempt_login(
                store,
                web.login_throttle,
                name=form_text(form, "name"),
                password=str(form.get("password") or ""),
                address=request.client.host if request.client else "-",
                now=web.clock(),
            )
    except LoginRefusedError as exc:
        return render(
            request, "login.html.j2", status_code=exc.status, next=target, error=exc.message
        )
    if user is None:
        return render(
            request, "login.html.j2", status_code=400, next=target, error="用户名或密码错误"
        )
    login_session(request, user)
    return back(target)


def _logout(request: Request, form: FormData) -> Response:
    with request_store(request) as store:
        logout_everywhere(request, store)
    return back("/login")


# -- queue and change sets --------------------------------------------------------------------


def queue(request: Request) -> Response:
    """Change sets awaiting review (or of another state with `?state=`)."""
    raw = request.query_params.get("state", ChangeSetState.PENDING.value)
    try:
        state = ChangeSetState(raw)
    except ValueError:
        state = ChangeSetState.PENDING
    with request_store(request) as store:
        sets = store.list_change_sets(state=state, limit=200)
        sources = {s.id: s.name for s in store.list_sources()}
    return render(
        request, "queue.html.j2", sets=sets, sources=sources, state=state, web=ctx(request)
    )


def change_set(request: Request) -> Response:
    """One change set: a card per clause change, the review actions and the audit trail."""
    cs_id = path_int(request, "cs_id")
    with request_store(request) as store:
        record = store.get_change_set(cs_id)
        old = store.get_version(record.from_version_id) if record.from_version_id else None
        new = store.get_version(record.to_version_id) if record.to_version_id else None
        source = store.get_source_by_id(record.source_id) if record.source_id else None
        reviews = store.reviews(cs_id)
        outbox = store.list_outbox(change_set_id=cs_id)
        names = {p.id: p.name for p in store.list_subscribers()}
    return render(
        request,
        "change_set.html.j2",
        cs=record,
        old=old,
        new=new,
        source=source,
        reviews=reviews,
        items=outbox,
        names=names,
        editable=record.state is ChangeSetState.PENDING,
    )


def _pending(store: Store, cs_id: int) -> ChangeSetRecord:
    record = store.get_change_set(cs_id)
    if record.state is not ChangeSetState.PENDING:
        raise ConflictError(f"变更集 {cs_id} 已审核（{record.state.value}），不能再修改")
    return record


def _stored(record: ChangeSetRecord, change_id: int) -> StoredChange:
    for stored in record.changes:
        if stored.id == change_id:
            return stored
    raise NotFoundError(f"变更集 {record.id} 中没有变更 {change_id}")


def _edit_summary(request: Request, form: FormData) -> Response:
    cs_id, change_id = path_int(request, "cs_id"), path_int(request, "change_id")
    summary = form_text(form, "summary").replace("\n", " ")
    with request_store(request) as store, store.atomic():
        stored = _stored(_pending(store, cs_id), change_id)
        if summary == stored.change.summary:
            summary = ""  # back to the differ's line
        store.update_change(change_id, summary_override=summary)
        record_action(
            request, store, cs_id, "edit_summary", change_id=change_id, detail=summary or None
        )
    flash(request, "摘要已更新")
    return back(f"/change-sets/{cs_id}#change-{change_id}")


def _suppress(request: Request, form: FormData) -> Response:
    cs_id, change_id = path_int(request, "cs_id"), path_int(request, "change_id")
    suppress = form_text(form, "suppress") != "0"
    reason = form_text(form, "reason")
    if suppress and not reason:
        flash(request, "屏蔽变更需要填写原因", "error")
        return back(f"/change-sets/{cs_id}#change-{change_id}")
    with request_store(request) as store, store.atomic():
        _stored(_pending(store, cs_id), change_id)
        store.update_change(change_id, suppressed=suppress, suppress_reason=reason or None)
        action = "suppress" if suppress else "unsuppress"
        record_action(request, store, cs_id, action, change_id=change_id, detail=reason or None)
    flash(request, "已屏蔽该变更" if suppress else "已取消屏蔽")
    return back(f"/change-sets/{cs_id}#change-{change_id}")


def _approve(request: Request, form: FormData) -> Response:
    cs_id = path_int(request, "cs_id")
    web = ctx(request)
    with request_store(request) as store:
        _pending(store, cs_id)
        queued = actions.approve_change_set(
            store, cs_id, actor=current_user(request).name, now=web.clock(), config=web.config
        )
    flash(request, f"已批准，已排队 {queued} 封通知邮件")
    return back(f"/change-sets/{cs_id}")


def _reject(request: Request, form: FormData) -> Response:
    cs_id = path_int(request, "cs_id")
    reason = form_text(form, "reason")
    if not reason:
        flash(request, "驳回需要填写原因", "error")
        return back(f"/change-sets/{cs_id}")
    with request_store(request) as store:
        _pending(store, cs_id)
        actions.reject_change_set(
            store, cs_id, actor=current_user(request).name, reason=reason, now=ctx(request).clock()
        )
    flash(request, "已驳回该变更集")
    return back(f"/change-sets/{cs_id}")


# -- documents and versions -------------------------------------------------------------------


def documents(request: Request) -> Response:
    """Every known document with its status and version count."""
    with request_store(request) as store:
        docs = store.list_documents()
    return render(request, "documents.html.j2", docs=docs)


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
    found = row_id(request.query_params.get(name, ""))
    return found if found in by_id else None


def version(request: Request) -> Response:
    """One stored version: where and when it was fetched, and its clause tree."""
    with request_store(request) as store:
        record = store.get_version(path_int(request, "version_id"))
        doc = store.get_document(record.document_id)
    return render(request, "version.html.j2", version=record, doc=doc)


# -- sources and audit ------------------------------------------------------------------------


def sources(request: Request) -> Response:
    """Every source with its health (last check, last error, failure streak)."""
    with request_store(request) as store:
        health = [store.source_health(s) for s in store.list_sources()]
    return render(request, "sources.html.j2", health=health)


def _auto_approve(request: Request, form: FormData) -> Response:
    require_admin(request)
    source_id = path_int(request, "source_id")
    on = form_text(form, "auto_approve") == "1"
    with request_store(request) as store, store.atomic():
        source = store.get_source_by_id(source_id)
        store.set_source_auto_approve(source_id, auto_approve=on)
        record_action(request, store, None, "source_auto_approve", detail=f"{source.name}: {on}")
    flash(request, f"来源 {source.name} 已{'开启' if on else '关闭'}自动批准")
    return back("/sources")


def audit(request: Request) -> Response:
    """The audit trail: every review action, newest first."""
    with request_store(request) as store:
        entries = store.reviews(limit=500)
    return render(request, "audit.html.j2", entries=entries)


def home(request: Request) -> Response:
    """`/` is the review queue."""
    return queue(request)


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", posted(_login), methods=["POST"]),
    Route("/logout", posted(_logout), methods=["POST"]),
    Route("/", home, methods=["GET"]),
    Route("/change-sets/{cs_id:int}", change_set, methods=["GET"]),
    Route("/change-sets/{cs_id:int}/approve", posted(_approve), methods=["POST"]),
    Route("/change-sets/{cs_id:int}/reject", posted(_reject), methods=["POST"]),
    Route(
        "/change-sets/{cs_id:int}/changes/{change_id:int}/summary",
        posted(_edit_summary),
        methods=["POST"],
    ),
    Route(
        "/change-sets/{cs_id:int}/changes/{change_id:int}/suppress",
        posted(_suppress),
        methods=["POST"],
    ),
    Route("/documents", documents, methods=["GET"]),
    Route("/documents/{doc_id:int}", document, methods=["GET"]),
    Route("/versions/{version_id:int}", version, methods=["GET"]),
    Route("/sources", sources, methods=["GET"]),
    Route("/sources/{source_id:int}/auto-approve", posted(_auto_approve), methods=["POST"]),
    Route("/audit", audit, methods=["GET"]),
]
