"""Store mixin: change sets, their clause changes, and the review audit trail."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from parsers.model import (
    DocumentDiff,
    change_from_json,
    change_to_json,
    doc_change_from_json,
    doc_change_to_json,
)
from parsers.records import (
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    ReviewAction,
    StoredChange,
)
from state.base import StoreBase, dumps, from_ts, must_ts, ts
from state.documents import DOCUMENT_MATCH, like_pattern
from state.errors import ConflictError, NotFoundError

_CS_SELECT = (
    "SELECT cs.*, d.title AS document_title FROM change_sets cs"
    " JOIN documents d ON d.id = cs.document_id"
)


class ChangesMixin(StoreBase):
    """Change sets between versions, their changes and what reviewers did."""

    def add_change_set(
        self,
        *,
        document_id: int,
        from_version_id: int | None,
        to_version_id: int | None,
        source_id: int | None,
        kind: ChangeSetKind,
        diff: DocumentDiff,
        detected_at: dt.datetime,
        state: ChangeSetState = ChangeSetState.PENDING,
        note: str | None = None,
    ) -> int:
        """Store a change set and its clause changes in one transaction; returns its id."""
        with self.atomic():
            cs_id = self.insert(
                "change_sets",
                {
                    "document_id": document_id,
                    "from_version_id": from_version_id,
                    "to_version_id": to_version_id,
                    "source_id": source_id,
                    "kind": kind.value,
                    "state": state.value,
                    "detected_at": ts(detected_at),
                    "document_changes_json": dumps(
                        [doc_change_to_json(c) for c in diff.document_changes]
                    ),
                    "note": note,
                },
            )
            for position, change in enumerate(diff.changes):
                self.insert(
                    "changes",
                    {
                        "change_set_id": cs_id,
                        "position": position,
                        "kinds": ",".join(k.value for k in change.kinds),
                        "change_json": dumps(change_to_json(change)),
                    },
                )
        return cs_id

    def get_change_set(self, change_set_id: int) -> ChangeSetRecord:
        """The change set with this id, with its changes."""
        row = self.row(f"{_CS_SELECT} WHERE cs.id = ?", (change_set_id,))
        if row is None:
            raise NotFoundError(f"no change set {change_set_id}")
        return self._change_set(row)

    def list_change_sets(
        self,
        *,
        state: ChangeSetState | None = None,
        document_id: int | None = None,
        source_id: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        query: str = "",
        limit: int = 500,
    ) -> list[ChangeSetRecord]:
        """Change sets, newest first, optionally of one state, document or source, detected
        in `[since, until)`, of documents whose title or 文号 contains `query`."""
        where: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        filters: tuple[tuple[str, str, Any], ...] = (
            ("cs.state = :state", "state", state.value if state else None),
            ("cs.document_id = :doc", "doc", document_id),
            ("cs.source_id = :source", "source", source_id),
            ("cs.detected_at >= :since", "since", ts(since)),
            ("cs.detected_at < :until", "until", ts(until)),
        )
        for sql, name, value in filters:
            if value is not None:
                where.append(sql)
                params[name] = value
        if query:
            where.append(DOCUMENT_MATCH)
            params["q"] = like_pattern(query)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.rows(
            f"{_CS_SELECT}{clause} ORDER BY cs.detected_at DESC, cs.id DESC LIMIT :limit", params
        )
        return [self._change_set(r) for r in rows]

    def reminder_for(self, version_id: int) -> int | None:
        """The reminder change set of a draft version, if one was created."""
        value = self.scalar(
            "SELECT id FROM change_sets WHERE kind = ? AND to_version_id = ?",
            (ChangeSetKind.REMINDER.value, version_id),
        )
        return int(value) if value is not None else None

    def _change_set(self, row: dict[str, Any]) -> ChangeSetRecord:
        changes = [
            StoredChange(
                id=c["id"],
                position=c["position"],
                change=change_from_json(json.loads(c["change_json"])),
                suppressed=bool(c["suppressed"]),
                suppress_reason=c["suppress_reason"],
                summary_override=c["summary_override"],
            )
            for c in self.rows(
                "SELECT * FROM changes WHERE change_set_id = ? ORDER BY position", (row["id"],)
            )
        ]
        doc_changes = tuple(
            doc_change_from_json(d) for d in json.loads(row["document_changes_json"])
        )
        return ChangeSetRecord(
            id=row["id"],
            document_id=row["document_id"],
            document_title=row["document_title"],
            from_version_id=row["from_version_id"],
            to_version_id=row["to_version_id"],
            source_id=row["source_id"],
            kind=ChangeSetKind(row["kind"]),
            state=ChangeSetState(row["state"]),
            detected_at=must_ts(row["detected_at"]),
            diff=DocumentDiff(
                document_changes=doc_changes, changes=tuple(c.change for c in changes)
            ),
            changes=tuple(changes),
            reviewed_by=row["reviewed_by"],
            reviewed_at=from_ts(row["reviewed_at"]),
            note=row["note"],
        )

    def set_change_set_state(
        self,
        change_set_id: int,
        state: ChangeSetState,
        *,
        actor: str,
        at: dt.datetime,
        note: str | None = None,
        expect: ChangeSetState | None = ChangeSetState.PENDING,
    ) -> None:
        """Move a change set to `state` (from `expect`), recording who and when.

        Call inside `atomic()` with the outbox rows an approval queues.
        """
        with self.atomic():
            current = self.scalar("SELECT state FROM change_sets WHERE id = ?", (change_set_id,))
            if current is None:
                raise NotFoundError(f"no change set {change_set_id}")
            if expect is not None and current != expect.value:
                raise ConflictError(f"change set {change_set_id} is {current}, not {expect.value}")
            values: dict[str, Any] = {
                "state": state.value,
                "reviewed_by": actor,
                "reviewed_at": ts(at),
            }
            if note is not None:
                values["note"] = note
            self.update("change_sets", change_set_id, values)

    def update_change(
        self,
        change_id: int,
        *,
        suppressed: bool | None = None,
        suppress_reason: str | None = None,
        summary_override: str | None = None,
    ) -> None:
        """Suppress/unsuppress one change or override its summary."""
        values: dict[str, Any] = {}
        if suppressed is not None:
            values["suppressed"] = int(suppressed)
            values["suppress_reason"] = suppress_reason if suppressed else None
        if summary_override is not None:
            values["summary_override"] = summary_override or None
        if values:
            self.update("changes", change_id, values)

    def add_review(self, action: ReviewAction) -> int:
        """Append an audit entry."""
        return self.insert(
            "reviews",
            {
                "change_set_id": action.change_set_id,
                "change_id": action.change_id,
                "action": action.action,
                "actor": action.actor,
                "at": ts(action.at),
                "detail": action.detail,
            },
        )

    def reviews(self, change_set_id: int | None = None, *, limit: int = 200) -> list[ReviewAction]:
        """Audit entries (of one change set, or all), newest first."""
        sql = "SELECT * FROM reviews"
        params: tuple[Any, ...] = ()
        if change_set_id is not None:
            sql += " WHERE change_set_id = ?"
            params = (change_set_id,)
        rows = self.rows(f"{sql} ORDER BY at DESC, id DESC LIMIT ?", (*params, limit))
        return [
            ReviewAction(
                id=r["id"],
                change_set_id=r["change_set_id"],
                change_id=r["change_id"],
                action=r["action"],
                actor=r["actor"],
                at=must_ts(r["at"]),
                detail=r["detail"],
            )
            for r in rows
        ]
