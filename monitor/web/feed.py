"""The Atom feed of approved changes at `/feed/{token}` (no login: the token is the key).

The token is an HMAC of the UI secret (`monitor.web.context.feed_token`); `policywatch serve` prints
the feed URL, and the queue's 已批准 tab shows it to staff.
"""

from __future__ import annotations

import datetime as dt
import hmac
import xml.etree.ElementTree as ET

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.web.context import ctx, request_store
from parsers.records import ChangeSetKind, ChangeSetRecord, ChangeSetState
from state.store import Store

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, record: ChangeSetRecord, link: str | None, base: str) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", f"{base}/change-sets/{record.id}")
    lines = [d.summary for d in record.diff.document_changes]
    lines += [s.summary for s in record.visible_changes]
    _sub(entry, "title", f"{record.document_title}：{len(record.visible_changes)} 项条款变更")
    updated = record.reviewed_at or record.detected_at
    _sub(entry, "updated", updated.astimezone(dt.UTC).isoformat())
    if link:
        _sub(entry, "link", href=link, rel="alternate")
    _sub(entry, "summary", "\n".join(lines) or "（无条款变更）", type="text")


def atom_feed(store: Store, *, base_url: str, self_url: str, now: dt.datetime) -> bytes:
    """The Atom document of the newest approved change sets (summaries as plain text)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "zh-CN"})
    _sub(feed, "id", f"{base_url}/feed")
    _sub(feed, "title", "policywatch：已批准的政策变更")
    _sub(feed, "link", href=self_url, rel="self")
    approved = store.list_change_sets(state=ChangeSetState.APPROVED, limit=FEED_SIZE)
    sets = [cs for cs in approved if cs.kind is not ChangeSetKind.REMINDER]  # not a change
    newest = max((cs.reviewed_at or cs.detected_at for cs in sets), default=now)
    _sub(feed, "updated", newest.astimezone(dt.UTC).isoformat())
    _sub(_sub(feed, "author"), "name", "policywatch")
    for record in sets:
        version = store.get_version(record.to_version_id) if record.to_version_id else None
        _entry(feed, record, version.url if version else None, base_url)
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data


def feed(request: Request) -> Response:
    """`GET /feed/{token}`: 404 unless the token is the feed token."""
    web = ctx(request)
    token = str(request.path_params["token"])
    if not hmac.compare_digest(token.encode(), web.feed_token.encode()):
        raise HTTPException(404)
    base = web.config.notifications.base_url.rstrip("/")
    with request_store(request) as store:
        body = atom_feed(store, base_url=base, self_url=str(request.url), now=web.clock())
    return Response(body, media_type=ATOM_TYPE)


routes: list[BaseRoute] = [Route("/feed/{token}", feed, methods=["GET"])]
