"""Store mixin: documents, their renditions, versions and status events."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from parsers.model import (
    DocumentFields,
    PolicyDocument,
    Status,
    document_from_json,
    document_to_json,
)
from parsers.records import DocumentRecord, Fetched, RenditionRecord, StatusEvent, VersionRecord
from parsers.titles import unwrap_title
from state.base import (
    StoreBase,
    compress,
    decompress,
    dumps,
    from_ts,
    must_ts,
    pack_text,
    ts,
    unpack_text,
    utcnow,
)
from state.errors import NotFoundError


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionHead:
    """A document's newest version without its tree (the check pipeline's hot path)."""

    id: int
    tree_hash: str
    status: Status


@dataclass(frozen=True, slots=True, kw_only=True)
class LatestTree:
    """The latest version of a rendition's document, its clause tree still as JSON text."""

    version_id: int
    tree_hash: str
    tree_json: str
    parser_version: str = ""  # of the parser that made `tree_json`


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRaw:
    """What a version was parsed from: its fetched bytes, media type and address."""

    version_id: int
    url: str
    media_type: str
    raw: bytes
    parser_version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionHash:
    """One version's place in its document's history and its tree fingerprint."""

    id: int
    seq: int
    tree_hash: str


_DOC_SELECT = (
    "SELECT d.*, (SELECT count(*) FROM versions v WHERE v.document_id = d.id) AS version_count"
    " FROM documents d"
)


def _document(row: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        id=row["id"],
        title=row["title"],
        norm_title=row["norm_title"],
        status=Status(row["status"]),
        url=row["url"],
        first_seen=must_ts(row["first_seen"]),
        updated_at=must_ts(row["updated_at"]),
        latest_version_id=row["latest_version_id"],
        version_count=row.get("version_count") or 0,
    )


def _rendition(row: dict[str, Any]) -> RenditionRecord:
    return RenditionRecord(
        id=row["id"],
        document_id=row["document_id"],
        key=row["key"],
        url=row["url"],
        source_id=row["source_id"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        tree_hash=row["tree_hash"],
        last_version_id=row["last_version_id"],
        checked_at=from_ts(row["checked_at"]),
    )


def _version(row: dict[str, Any]) -> VersionRecord:
    return VersionRecord(
        id=row["id"],
        document_id=row["document_id"],
        rendition_id=row["rendition_id"],
        url=row["url"],
        fetched_at=must_ts(row["fetched_at"]),
        http_status=row["http_status"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        media_type=row["media_type"],
        text=unpack_text(row["text"]),
        document=document_from_json(json.loads(row["tree_json"])),
        tree_hash=row["tree_hash"],
        parser_version=row["parser_version"],
        seq=row["seq"],
        notice_url=row.get("notice_url"),
    )


def _latest_tree(row: tuple[Any, ...]) -> LatestTree:
    """A `(id, tree_hash, tree_json, parser_version)` row of `versions`."""
    return LatestTree(
        version_id=int(row[0]),
        tree_hash=str(row[1]),
        tree_json=str(row[2]),
        parser_version=str(row[3]),
    )


def like_pattern(text: str) -> str:
    """`%text%` for `LIKE ... ESCAPE '\\'`, the user's `%` and `_` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Documents whose title or any version's 文号 contains the search text (`:q` a LIKE pattern).
DOCUMENT_MATCH = (
    "(d.title LIKE :q ESCAPE '\\' OR EXISTS (SELECT 1 FROM versions v WHERE"
    " v.document_id = d.id AND json_extract(v.tree_json, '$.doc_number') LIKE :q ESCAPE '\\'))"
)


class DocumentsMixin(StoreBase):
    """Documents, renditions, versions, status events."""

    # -- documents ----------------------------------------------------------------------------

    def add_document(
        self, *, title: str, norm_title: str, status: Status, url: str | None, now: dt.datetime
    ) -> int:
        """Create a document (a policy before any version); returns its id."""
        return self.insert(
            "documents",
            {
                "title": unwrap_title(title),
                "norm_title": norm_title,
                "status": status.value,
                "url": url,
                "first_seen": ts(now),
                "updated_at": ts(now),
            },
        )

    def get_document(self, document_id: int) -> DocumentRecord:
        """The document with this id."""
        row = self.row(f"{_DOC_SELECT} WHERE d.id = ?", (document_id,))
        if row is None:
            raise NotFoundError(f"no document {document_id}")
        return _document(row)

    def list_documents(self, *, query: str = "") -> list[DocumentRecord]:
        """Every document (or those whose title or 文号 contains `query`), newest first."""
        where = f" WHERE {DOCUMENT_MATCH}" if query else ""
        rows = self.rows(
            f"{_DOC_SELECT}{where} ORDER BY d.updated_at DESC, d.id", {"q": like_pattern(query)}
        )
        return [_document(r) for r in rows]

    def documents_of_source(self, source_id: int) -> list[DocumentRecord]:
        """Documents one of whose renditions this source found, newest first."""
        rows = self.rows(
            f"{_DOC_SELECT} WHERE d.id IN (SELECT document_id FROM renditions"
            " WHERE source_id = ?) ORDER BY d.updated_at DESC, d.id",
            (source_id,),
        )
        return [_document(r) for r in rows]

    def documents_by_norm_title(self, norm_title: str) -> list[DocumentRecord]:
        """Documents whose normalised title is exactly this (lineage candidates)."""
        return [
            _document(r) for r in self.rows(f"{_DOC_SELECT} WHERE d.norm_title = ?", (norm_title,))
        ]

    # -- renditions ---------------------------------------------------------------------------

    def get_rendition(self, key: str) -> RenditionRecord | None:
        """The rendition with this key (`post:<id>` or canonical URL), or None."""
        row = self.row("SELECT * FROM renditions WHERE key = ?", (key,))
        return _rendition(row) if row else None

    def renditions_of(self, document_id: int) -> list[RenditionRecord]:
        """Every rendition of a document."""
        rows = self.rows(
            "SELECT * FROM renditions WHERE document_id = ? ORDER BY id", (document_id,)
        )
        return [_rendition(r) for r in rows]

    def add_rendition(self, *, document_id: int, key: str, url: str, source_id: int | None) -> int:
        """Register a new rendition of a document; returns its id."""
        return self.insert(
            "renditions",
            {"document_id": document_id, "key": key, "url": url, "source_id": source_id},
        )

    def touch_rendition(
        self,
        rendition_id: int,
        *,
        checked_at: dt.datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
        url: str | None = None,
    ) -> None:
        """Remember the validators of the rendition's last fetch (no new version)."""
        values: dict[str, Any] = {"checked_at": ts(checked_at)}
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        if content_hash is not None:
            values["content_hash"] = content_hash
        if url is not None:
            values["url"] = url
        self.update("renditions", rendition_id, values)

    # -- versions -----------------------------------------------------------------------------

    def add_version(
        self,
        *,
        document_id: int,
        rendition_id: int | None,
        fetched: Fetched,
        text: str,
        document: PolicyDocument | DocumentFields,
        tree_hash: str,
        parser_version: str,
        notice_url: str | None = None,
        tree_json: str | None = None,
        raw: bytes | None = None,
        packed_text: bytes | None = None,
    ) -> int:
        """Store a version, make it the document's latest and its rendition's last; returns id.

        `tree_json`: the document's JSON (`dumps(document_to_json(...))`) when the caller has it
        already (then `document` may be its fields alone); `raw`: `compress(fetched.content)`
        and `packed_text`: `pack_text(text)`, when the caller has them (the reading worker
        packs what it reads). Call inside
        `atomic()` together with the change set it belongs to.
        """
        if tree_json is None:
            if not isinstance(document, PolicyDocument):
                raise TypeError("add_version needs the whole document or its tree_json")
            tree_json = dumps(document_to_json(document))
        with self.atomic():
            seq = 1 + int(
                self.scalar(
                    "SELECT coalesce(max(seq), 0) FROM versions WHERE document_id = ?",
                    (document_id,),
                )
            )
            version_id = self.insert(
                "versions",
                {
                    "document_id": document_id,
                    "rendition_id": rendition_id,
                    "seq": seq,
                    "url": fetched.url,
                    "fetched_at": ts(fetched.fetched_at),
                    "http_status": fetched.http_status,
                    "etag": fetched.etag,
                    "last_modified": fetched.last_modified,
                    "content_hash": fetched.content_hash,
                    "raw": raw if raw is not None else compress(fetched.content),
                    "media_type": fetched.media_type,
                    "text": packed_text if packed_text is not None else pack_text(text),
                    "tree_json": tree_json,
                    "tree_hash": tree_hash,
                    "parser_version": parser_version,
                    "notice_url": notice_url,
                },
            )
            doc_values: dict[str, Any] = {
                "latest_version_id": version_id,
                "updated_at": ts(fetched.fetched_at),
                "status": document.status.value,
                "url": fetched.url,
            }
            if document.title:
                doc_values["title"] = unwrap_title(document.title)
            self.update("documents", document_id, doc_values)
            if rendition_id is not None:
                self.update(
                    "renditions",
                    rendition_id,
                    {
                        "last_version_id": version_id,
                        "tree_hash": tree_hash,
                        "content_hash": fetched.content_hash,
                        "etag": fetched.etag,
                        "last_modified": fetched.last_modified,
                        "checked_at": ts(fetched.fetched_at),
                        "url": fetched.url,
                    },
                )
        return version_id

    def get_version(self, version_id: int) -> VersionRecord:
        """The version with this id."""
        row = self.row("SELECT * FROM versions WHERE id = ?", (version_id,))
        if row is None:
            raise NotFoundError(f"no version {version_id}")
        return _version(row)

    def version_raw(self, version_id: int) -> bytes:
        """The fetched bytes of a version, decompressed."""
        blob = self.scalar("SELECT raw FROM versions WHERE id = ?", (version_id,))
        return decompress(blob)

    def versions_of(self, document_id: int) -> list[VersionRecord]:
        """Every version of a document, oldest first."""
        rows = self.rows(
            "SELECT * FROM versions WHERE document_id = ? ORDER BY seq", (document_id,)
        )
        return [_version(r) for r in rows]

    def version_hashes(self, document_id: int) -> list[VersionHash]:
        """Every version of a document, oldest first (no trees read)."""
        rows = self.conn.execute(
            "SELECT id, seq, tree_hash FROM versions WHERE document_id = ? ORDER BY seq",
            (document_id,),
        ).fetchall()
        return [VersionHash(id=int(r[0]), seq=int(r[1]), tree_hash=str(r[2])) for r in rows]

    def latest_tree(self, rendition_key: str) -> LatestTree | None:
        """The latest version of the document this rendition belongs to, or None."""
        row = self.conn.execute(
            "SELECT v.id, v.tree_hash, v.tree_json, v.parser_version FROM renditions r"
            " JOIN documents d ON d.id = r.document_id"
            " JOIN versions v ON v.id = d.latest_version_id WHERE r.key = ?",
            (rendition_key,),
        ).fetchone()
        return _latest_tree(row) if row is not None else None

    def version_tree(self, version_id: int) -> LatestTree | None:
        """A version's tree as JSON text with its fingerprint and parser version, or None."""
        row = self.conn.execute(
            "SELECT id, tree_hash, tree_json, parser_version FROM versions WHERE id = ?",
            (version_id,),
        ).fetchone()
        return _latest_tree(row) if row is not None else None

    def stored_raw(self, version_id: int) -> StoredRaw | None:
        """A version's fetched bytes with what is needed to parse them again; None when the
        bytes were dropped (retention keeps them only where a re-parse can matter)."""
        row = self.conn.execute(
            "SELECT url, media_type, raw, parser_version FROM versions WHERE id = ?",
            (version_id,),
        ).fetchone()
        if row is None or not row[2]:
            return None
        return StoredRaw(
            version_id=version_id,
            url=str(row[0]),
            media_type=str(row[1]),
            raw=decompress(row[2]),
            parser_version=str(row[3]),
        )

    def versions_parsed_by_other(self, parser_version: str) -> list[int]:
        """Ids of the versions whose tree another parser version made, oldest first."""
        rows = self.conn.execute(
            "SELECT id FROM versions WHERE parser_version != ? ORDER BY id", (parser_version,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def all_version_ids(self) -> list[int]:
        """Every version id, oldest first."""
        return [int(r[0]) for r in self.conn.execute("SELECT id FROM versions ORDER BY id")]

    def replace_tree(
        self,
        version_id: int,
        *,
        text: str,
        document: PolicyDocument,
        tree_hash: str,
        parser_version: str,
    ) -> None:
        """Store a version's tree as parsed again from its own bytes (a newer parser), with
        the fingerprint its rendition keeps; the bytes, dates and change sets stay."""
        with self.atomic():
            self.update(
                "versions",
                version_id,
                {
                    "text": pack_text(text),
                    "tree_json": dumps(document_to_json(document)),
                    "tree_hash": tree_hash,
                    "parser_version": parser_version,
                },
            )
            self.conn.execute(
                "UPDATE renditions SET tree_hash = ? WHERE last_version_id = ?",
                (tree_hash, version_id),
            )

    def latest_head(self, document_id: int) -> VersionHead | None:
        """The document's newest version without reading its tree, or None."""
        row = self.conn.execute(
            "SELECT id, tree_hash, json_extract(tree_json, '$.status') FROM versions"
            " WHERE document_id = ? ORDER BY seq DESC LIMIT 1",
            (document_id,),
        ).fetchone()
        if row is None:
            return None
        return VersionHead(
            id=int(row[0]), tree_hash=str(row[1]), status=Status(row[2] or "unknown")
        )

    def final_after(self, document_id: int, seq: int) -> str | None:
        """The page of the first final (or later) version stored after version `seq`, if any:
        a draft's consultation is over once its final is out."""
        value = self.scalar(
            "SELECT url FROM versions WHERE document_id = ? AND seq > ?"
            " AND json_extract(tree_json, '$.status') IN ('final', 'expired', 'abolished')"
            " ORDER BY seq LIMIT 1",
            (document_id, seq),
        )
        return str(value) if value is not None else None

    def latest_version(self, document_id: int) -> VersionRecord | None:
        """The document's newest version, or None."""
        row = self.row(
            "SELECT * FROM versions WHERE document_id = ? ORDER BY seq DESC LIMIT 1", (document_id,)
        )
        return _version(row) if row else None

    # -- status events ------------------------------------------------------------------------

    def add_status_event(self, event: StatusEvent) -> bool:
        """Record a lifecycle event once (same document, event and detail); True if new."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO status_events (document_id, event, at, detail) VALUES (?, ?, ?, ?)",
            (event.document_id, event.event, ts(event.at), event.detail or ""),
        )
        return cursor.rowcount > 0

    def status_events(self, document_id: int) -> list[StatusEvent]:
        """A document's lifecycle events, oldest first."""
        rows = self.rows(
            "SELECT * FROM status_events WHERE document_id = ? ORDER BY at, id", (document_id,)
        )
        return [
            StatusEvent(
                id=r["id"],
                document_id=r["document_id"],
                event=r["event"],
                at=must_ts(r["at"]),
                detail=r["detail"] or None,
            )
            for r in rows
        ]

    def set_document_status(
        self, document_id: int, status: Status, *, now: dt.datetime | None = None
    ) -> None:
        """Change the lifecycle status of a document."""
        self.update(
            "documents", document_id, {"status": status.value, "updated_at": ts(now or utcnow())}
        )
