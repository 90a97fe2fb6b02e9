"""The read-only JSON API (same login as the pages): change sets, documents, sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from monitor.json_shapes import change_set_detail_json, document_json
from monitor.web.context import request_store
from parsers.model import document_fields_json
from parsers.records import ChangeSetState, ReviewAction, VersionRecord
from state.sources import SourceHealth


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _json(data: Any, status_code: int = 200) -> Response:
    return JSONResponse(data, status_code=status_code)


def review_json(action: ReviewAction) -> dict[str, Any]:
    """An audit entry as JSON."""
    return {
        "id": action.id,
        "change_set_id": action.change_set_id,
        "change_id": action.change_id,
        "action": action.action,
        "actor": action.actor,
        "at": _ts(action.at),
        "detail": action.detail,
    }


def version_json(version: VersionRecord) -> dict[str, Any]:
    """A version's metadata and document-level fields (not its tree)."""
    return {
        "id": version.id,
        "seq": version.seq,
        "url": version.url,
        "fetched_at": _ts(version.fetched_at),
        "http_status": version.http_status,
        "media_type": version.media_type,
        "content_hash": version.content_hash,
        "tree_hash": version.tree_hash,
        **document_fields_json(version.document),
    }


def health_json(health: SourceHealth) -> dict[str, Any]:
    """A source and its health as JSON."""
    s = health.source
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind,
        "url": s.url,
        "auto_approve": s.auto_approve,
        "flagged": s.flagged,
        "last_attempt": _ts(health.last_attempt),
        "last_success": _ts(health.last_success),
        "last_error": health.last_error,
        "last_error_at": _ts(health.last_error_at),
        "consecutive_failures": health.consecutive_failures,
        "origin": s.origin,
        "baseline": {
            "at": _ts(s.baseline_at),
            "documents": s.baseline_count,
            "recent": s.baseline_new,
            "done": s.baseline_done_at is not None,
        },
    }


def change_sets(request: Request) -> Response:
    """`GET /api/change-sets[?state=pending|approved|rejected]`."""
    raw = request.query_params.get("state")
    try:
        state = ChangeSetState(raw) if raw else None
    except ValueError:
        return _json({"error": f"unknown state {raw!r}"}, 400)
    with request_store(request) as store:
        sets = store.list_change_sets(state=state)
    return _json({"change_sets": [change_set_detail_json(cs, changes=False) for cs in sets]})


def change_set(request: Request) -> Response:
    """`GET /api/change-sets/{id}`: with its changes and audit trail."""
    cs_id = int(request.path_params["cs_id"])
    with request_store(request) as store:
        record = store.get_change_set(cs_id)
        reviews = store.reviews(cs_id)
    out = change_set_detail_json(record)
    out["reviews"] = [review_json(r) for r in reviews]
    return _json(out)


def documents(request: Request) -> Response:
    """`GET /api/documents`."""
    with request_store(request) as store:
        docs = store.list_documents()
    return _json({"documents": [document_json(d) for d in docs]})


def document(request: Request) -> Response:
    """`GET /api/documents/{id}`: with its versions and change set ids."""
    doc_id = int(request.path_params["doc_id"])
    with request_store(request) as store:
        doc = store.get_document(doc_id)
        versions = store.versions_of(doc_id)
        sets = store.list_change_sets(document_id=doc_id)
    return _json(
        {
            "id": doc.id,
            "title": doc.title,
            "status": doc.status.value,
            "url": doc.url,
            "versions": [version_json(v) for v in versions],
            "change_sets": [change_set_detail_json(cs, changes=False) for cs in sets],
        }
    )


def sources(request: Request) -> Response:
    """`GET /api/sources`: every source with its health."""
    with request_store(request) as store:
        health = [store.source_health(s) for s in store.list_sources()]
    return _json({"sources": [health_json(h) for h in health]})


def reviews(request: Request) -> Response:
    """`GET /api/reviews`: the audit trail, newest first."""
    with request_store(request) as store:
        entries = store.reviews(limit=500)
    return _json({"reviews": [review_json(r) for r in entries]})


routes: list[BaseRoute] = [
    Route("/api/change-sets", change_sets, methods=["GET"]),
    Route("/api/change-sets/{cs_id:int}", change_set, methods=["GET"]),
    Route("/api/documents", documents, methods=["GET"]),
    Route("/api/documents/{doc_id:int}", document, methods=["GET"]),
    Route("/api/sources", sources, methods=["GET"]),
    Route("/api/reviews", reviews, methods=["GET"]),
]
