"""The stable JSON shapes of stored things, shared by the CLI (`--json`), exports and the web API.

Other tools read these keys (issue 5): a change set is `{"id", "document", "from_version",
"to_version", "detected_at", "state", "changes": [...]}` with each change in the `diff --json`
shape; a document is `{"id", "title", "status", "versions", "url"}`. Extra keys may be added,
never renamed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from parsers.model import change_to_json, doc_change_to_json
from parsers.records import ChangeSetRecord, DocumentRecord, StoredChange


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds (sortable), or None."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds") if value else None


def stored_change_json(stored: StoredChange) -> dict[str, Any]:
    """A clause change in the `diff --json` shape; `summary` is the one clients read (a
    reviewer's edit wins), plus the review extras `id`, `suppressed`, `suppress_reason`,
    `generated_summary`."""
    out = change_to_json(stored.change)
    out["generated_summary"] = stored.change.summary
    out["summary"] = stored.summary
    out["id"] = stored.id
    out["suppressed"] = stored.suppressed
    out["suppress_reason"] = stored.suppress_reason
    return out


def change_set_json(cs: ChangeSetRecord) -> dict[str, Any]:
    """A change set in exactly the `changes list|show --json` shape."""
    return {
        "id": cs.id,
        "document": cs.document_id,
        "from_version": cs.from_version_id,
        "to_version": cs.to_version_id,
        "detected_at": iso(cs.detected_at),
        "state": cs.state.value,
        "changes": [stored_change_json(s) for s in cs.changes],
    }


def change_set_detail_json(cs: ChangeSetRecord, *, changes: bool = True) -> dict[str, Any]:
    """`change_set_json` plus what reviewers and exports need (kind, title, review, document
    changes); `changes=False` leaves the clause changes out (lists)."""
    out = change_set_json(cs)
    if not changes:
        del out["changes"]
    out.update(
        kind=cs.kind.value,
        document_title=cs.document_title,
        source_id=cs.source_id,
        reviewed_by=cs.reviewed_by,
        reviewed_at=iso(cs.reviewed_at),
        note=cs.note,
        change_count=len(cs.changes),
        document_changes=[doc_change_to_json(c) for c in cs.diff.document_changes],
    )
    return out


def document_json(doc: DocumentRecord) -> dict[str, Any]:
    """A document (one policy across its versions) in exactly the `documents list --json`
    shape; `versions` is a count."""
    return {
        "id": doc.id,
        "title": doc.title,
        "status": doc.status.value,
        "versions": doc.version_count,
        "url": doc.url,
    }
