"""The review queue: change sets of one state, filtered (source, document, dates) and searched
(titles and 文号), each source's recent baseline line, and bulk approve / reject (approving
several asks to confirm the number of emails, as one change set does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.local_time import SHANGHAI
from monitor.review import actions
from monitor.web.auth import current_user
from monitor.web.context import ctx, flash, render, request_store
from monitor.web.forms import back, form_ids, form_text, posted, query_date, query_int
from monitor.web.review import pending
from parsers.records import ChangeSetState, SourceRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilters:
    """The queue's filters, as given in the query string."""

    state: ChangeSetState
    source: int | None
    document: int | None
    since: dt.date | None
    until: dt.date | None  # inclusive
    q: str

    @classmethod
    def of(cls, request: Request) -> QueueFilters:
        """Read (and validate: 400) the query string."""
        raw = request.query_params.get("state", ChangeSetState.PENDING.value)
        if raw not in set(ChangeSetState):
            raise HTTPException(400, "bad state")
        return cls(
            state=ChangeSetState(raw),
            source=query_int(request, "source"),
            document=query_int(request, "document"),
            since=query_date(request, "since"),
            until=query_date(request, "until"),
            q=request.query_params.get("q", "").strip()[:100],
        )

    @property
    def active(self) -> bool:
        """True when anything but the state narrows the list."""
        return any((self.source, self.document, self.since, self.until, self.q))


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)


BASELINE_SHOWN = dt.timedelta(days=30)  # the queue mentions a source's baseline this long


def _recent_baselines(sources: list[SourceRecord], now: dt.datetime) -> list[SourceRecord]:
    """Sources whose first check recorded something lately (the sources page has them all)."""
    return [
        s
        for s in sources
        if s.baseline_at is not None
        and (s.baseline_count or s.baseline_new)
        and now - s.baseline_at <= BASELINE_SHOWN
    ]


def queue(request: Request) -> Response:
    """Change sets of one state (pending first), filtered and searched, for bulk review."""
    filters = QueueFilters.of(request)
    with request_store(request) as store:
        sets = store.list_change_sets(
            state=filters.state,
            source_id=filters.source,
            document_id=filters.document,
            since=_local_midnight(filters.since) if filters.since else None,
            until=_local_midnight(filters.until + dt.timedelta(days=1)) if filters.until else None,
            query=filters.q,
            limit=200,
        )
        all_sources = store.list_sources()
        documents = store.list_documents()[:300]
    return render(
        request,
        "queue.html.j2",
        sets=sets,
        sources={s.id: s.name for s in all_sources},
        source_list=all_sources,
        baselines=_recent_baselines(all_sources, ctx(request).clock()),
        documents=documents,
        state=filters.state,
        filters=filters,
        web=ctx(request),
    )


def _bulk(request: Request, form: FormData) -> Response:
    ids = form_ids(form, "ids")
    action = form_text(form, "action")
    if action not in ("approve", "reject"):
        raise HTTPException(400, "bad action")
    if not ids:
        flash(request, "请先勾选变更集", "error")
        return back("/")
    if action == "reject":
        return _bulk_reject(request, ids, form_text(form, "reason"))
    web = ctx(request)
    with request_store(request) as store:
        sets = [pending(store, i) for i in ids]
        audiences = {
            cs.id: actions.change_set_audience(store, cs.id, now=web.clock()) for cs in sets
        }
        total = sum(a.count for a in audiences.values())
        if form_text(form, "confirm") != str(total):
            return render(
                request, "confirm_bulk.html.j2", sets=sets, audiences=audiences, total=total
            )
        queued = sum(
            actions.approve_change_set(
                store, cs.id, actor=current_user(request).name, now=web.clock(), config=web.config
            )
            for cs in sets
        )
    flash(request, f"已批准 {len(sets)} 个变更集，已排队 {queued} 封通知邮件")
    return back("/")


def _bulk_reject(request: Request, ids: list[int], reason: str) -> Response:
    if not reason:
        flash(request, "批量驳回需要填写原因", "error")
        return back("/")
    with request_store(request) as store:
        for cs_id in ids:
            pending(store, cs_id)
        for cs_id in ids:
            actions.reject_change_set(
                store,
                cs_id,
                actor=current_user(request).name,
                reason=reason,
                now=ctx(request).clock(),
            )
    flash(request, f"已驳回 {len(ids)} 个变更集")
    return back("/")


routes: list[BaseRoute] = [
    Route("/", queue, methods=["GET"]),
    Route("/change-sets/bulk", posted(_bulk), methods=["POST"]),
]
