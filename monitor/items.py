"""Checking the items of one source: fetch, parse, link, and store versions and change sets.

Per URL the store remembers validators, the content hash and the clause tree last seen
(`state.sources.UrlState`). An item is parsed only when its body changed; a version is stored
only when its clause tree differs from what that URL showed before *and* from the document's
latest version; version and change set are written in one transaction. Consultation notices
are not documents: their DOCX/PDF attachment is, with the notice's comment deadline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import parsers
from monitor.config import SourceConfig
from monitor.errors import FetchError, HTTPStatusError, MonitorError
from monitor.fetch import Fetcher, FetchResult
from monitor.lineage import (
    TREE_SIMILARITY,
    clause_count,
    norm_title,
    rendition_key,
    titles_match,
    tree_hash,
    tree_similarity,
)
from monitor.pipeline import Clock, Tally
from monitor.reader import PreviousTree, Reader, Reading, extract
from monitor.sources import Item, Page, source_for
from parsers.model import (
    Attachment,
    DocumentChange,
    DocumentDiff,
    DocumentFields,
    Extracted,
    PolicyDocument,
    Status,
)
from parsers.records import ChangeSetKind, Fetched, RenditionRecord, StatusEvent, VersionRecord
from parsers.summary import summarize_document_change
from state.sources import UrlState
from state.store import Store

logger = logging.getLogger(__name__)

_DOC_FILE = re.compile(r"\.(pdf|docx?|wps)$", re.IGNORECASE)
_NOT_THE_DRAFT = ("起草说明", "政策解读", "采纳情况", "反馈表", "意见表")  # companion files
_CONSULTATION = re.compile(r"征求.{0,80}意见")
FLIP_FLOP_WINDOW = 5  # versions looked back at for "content returned to an older version"


class EmptyPageError(MonitorError):
    """The page came back empty (or with no text at all)."""


class CollapseError(MonitorError):
    """The clause tree shrank to under half of what this URL showed last time."""


class ItemChecker:
    """Checks the items of one source within one cycle, filling a `Tally`."""

    def __init__(
        self,
        source: SourceConfig,
        source_id: int,
        *,
        fetcher: Fetcher,
        store: Store,
        clock: Clock,
        tally: Tally,
        reader: Reader | None = None,
        approve: Callable[[int], object] | None = None,
    ) -> None:
        self.reader = reader or Reader()
        self.approve = approve  # auto-approval, run inside the transaction storing a change set
        self.source = source
        self.source_id = source_id
        self.fetcher = fetcher
        self.store = store
        self.clock = clock
        self.tally = tally

    async def run(self) -> None:
        """Discover the items, then check each (an item's failure fails the attempt)."""
        items = await source_for(self.source).discover(self.get_page)
        for item in items:
            try:
                await self._item(item)
            except HTTPStatusError as exc:
                if item.watched or exc.status not in (404, 410):
                    raise
                self.tally.gone += 1
                self.tally.notes.append(f"gone: {exc.url}")
            except (MonitorError, parsers.ParseError) as exc:
                if item.watched:
                    raise
                self.tally.errors.append(f"{item.url}: {exc}")

    async def get_page(self, url: str) -> Page:
        """A list page: conditional GET, the remembered body on 304."""
        state = self.store.url_state(url)
        cached = state if state is not None and state.body is not None else None
        result = await self._fetch(url, cached)
        if result.not_modified and cached is not None and cached.body is not None:
            return Page(
                url=result.final_url,
                content=cached.body,
                content_type=cached.content_type,
                not_modified=True,
            )
        if not result.content.strip():
            raise EmptyPageError(f"{url}: empty body")
        self._remember(url, result, verdict="list", body=result.content)
        return Page(
            url=result.final_url,
            content=result.content,
            content_type=result.content_type,
            not_modified=False,
        )

    async def _fetch(self, url: str, state: UrlState | None) -> FetchResult:
        self.tally.requests += 1
        result = await self.fetcher.get(
            url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )
        self.tally.not_modified += result.not_modified
        return result

    def _remember(
        self,
        url: str,
        result: FetchResult,
        *,
        verdict: str,
        body: bytes | None = None,
        doc: PolicyDocument | None = None,
    ) -> None:
        self.store.set_url_state(
            UrlState(
                url=url,
                verdict=verdict,
                etag=result.etag,
                last_modified=result.last_modified,
                content_hash=result.content_hash,
                tree_hash=tree_hash(doc) if doc is not None else None,
                clauses=clause_count(doc) if doc is not None else 0,
                content_type=result.content_type,
                body=body,
            )
        )

    # -- one item -----------------------------------------------------------------------------

    async def _item(self, item: Item) -> None:
        state = self.store.url_state(item.url)
        try:
            result = await self._fetch(item.url, state)
        except HTTPStatusError as exc:
            if exc.status == 404 and item.alt_url:
                self.tally.gone += 1
                await self._item(dataclasses.replace(item, url=item.alt_url, alt_url=None))
                return
            raise
        if state is not None and (result.not_modified or state.content_hash == result.content_hash):
            await self._known(item, state, result)
        else:
            await self._fresh(item, state, result)
        self._flags(item)

    async def _known(self, item: Item, state: UrlState, result: FetchResult) -> None:
        """The body is what this URL served last time."""
        if not result.not_modified:
            self.store.set_url_state(
                dataclasses.replace(state, etag=result.etag, last_modified=result.last_modified)
            )
        if state.verdict == "notice" and state.body is not None:
            extracted = extract(state.body, state.content_type, result.final_url)
            await self._notice(item, extracted)
        else:
            self.tally.unchanged += 1

    async def _fresh(self, item: Item, state: UrlState | None, result: FetchResult) -> None:
        """A new or changed body: extract, then a notice's attachments or the page itself."""
        if not result.content.strip():
            raise EmptyPageError(f"{item.url}: empty body")
        was_document = state is not None and state.tree_hash is not None
        previous = self._previous(item.url) if was_document else None
        reading = await self.reader.read(
            result.content, result.content_type, result.final_url, previous
        )
        extracted = reading.extracted
        if not extracted.text.strip():
            raise EmptyPageError(f"{item.url}: no text in the page")
        if extracted.is_notice and not was_document:
            self._remember(item.url, result, verdict="notice", body=result.content)
            await self._notice(item, extracted)
            return
        try:
            doc = _parsed(reading)
        except parsers.SuspiciousParseError:
            if item.watched or was_document:
                raise
            if _document_files(extracted.attachments):
                self._remember(item.url, result, verdict="notice", body=result.content)
                await self._notice(item, extracted)
                return
            self._remember(item.url, result, verdict="not_document")
            self.tally.notes.append(f"not a policy document: {item.url}")
            return
        self._store(item.url, result, extracted.text, doc, watched=item.watched, reading=reading)
        if not item.watched:
            await self._companions(extracted)

    async def _companions(self, article: Extracted) -> None:
        """An article's own DOCX/PDF attachments are parsed too: the same policy in another
        file adds no version (lineage finds it, the diff is empty), another policy becomes its
        own document, and a file that is no policy at all is only noted."""
        if not self.source.attachments:
            return
        fields = parsers.document_fields(article.text, article.title)
        for attachment in _document_files(article.attachments):
            try:
                await self._attachment(attachment, article, fields)
            except (parsers.ParseError, FetchError) as exc:
                self.tally.notes.append(f"attachment not read: {attachment.url}: {exc}")

    def _previous(self, url: str) -> PreviousTree | None:
        """The latest version of this URL's document, for the reader to diff against."""
        found = self.store.latest_tree(rendition_key(url))
        if found is None:
            return None
        version_id, digest, tree_json = found
        return PreviousTree(version_id=version_id, tree_hash=digest, tree_json=tree_json)

    async def _notice(self, item: Item, notice: Extracted) -> None:
        """A notice: its draft/final lives in the DOCX/PDF attachment(s)."""
        if not self.source.attachments:
            self.tally.notes.append(f"notice skipped, attachments are off: {item.url}")
            return
        fields = parsers.document_fields(notice.text, notice.title)
        files = _document_files(notice.attachments)
        if not files:
            raise parsers.SuspiciousParseError(f"{item.url}: notice without a document attachment")
        for attachment in files:
            await self._attachment(attachment, notice, fields)

    async def _attachment(
        self, attachment: Attachment, notice: Extracted, fields: DocumentFields
    ) -> None:
        state = self.store.url_state(attachment.url)
        result = await self._fetch(attachment.url, state)
        if state is not None and (result.not_modified or state.content_hash == result.content_hash):
            self.tally.unchanged += 1
            return
        reading = await self.reader.read(result.content, result.content_type, result.final_url)
        extracted = reading.extracted
        doc = _parsed(reading)
        consultation = bool(notice.title and _CONSULTATION.search(notice.title))
        doc = dataclasses.replace(
            doc,
            title=doc.title or PurePosixPath(attachment.name).stem or notice.title,
            status=Status.DRAFT if consultation else doc.status,
            comment_deadline=fields.comment_deadline or doc.comment_deadline,
            published=notice.published or doc.published,
        )
        self._store(attachment.url, result, extracted.text, doc, watched=False)

    # -- storing ------------------------------------------------------------------------------

    def _store(
        self,
        url: str,
        result: FetchResult,
        text: str,
        doc: PolicyDocument,
        *,
        watched: bool,
        reading: Reading | None = None,
    ) -> None:
        """Decide and write synchronously (no await: other coroutines see a consistent store)."""
        state = self.store.url_state(url)
        digest = tree_hash(doc)
        if state is not None and state.tree_hash == digest:
            self._remember(url, result, verdict="document", doc=doc)
            self.tally.unchanged += 1
            return
        if state is not None and state.clauses and clause_count(doc) * 2 < state.clauses:
            raise CollapseError(
                f"{url}: {clause_count(doc)} clauses, was {state.clauses}: parse collapsed"
            )
        fetched = Fetched(
            url=result.final_url,
            fetched_at=self.clock(),
            http_status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            media_type=result.content_type or "application/octet-stream",
            content=result.content,
            content_hash=result.content_hash,
        )
        with self.store.atomic():
            rendition = self.store.get_rendition(rendition_key(url))
            document_id = rendition.document_id if rendition else None
            if document_id is None and not watched:  # a watched page is its own document
                document_id = self._lineage(doc)
            if document_id is None:
                self._new_document(url, fetched, text, doc, digest, watched=watched)
            else:
                self._new_version(
                    document_id, rendition, url, fetched, text, doc, digest, reading=reading
                )
            self._remember(url, result, verdict="document", doc=doc)

    def _lineage(self, doc: PolicyDocument) -> int | None:
        """The known document this one is a version of (title + clause similarity), or None."""
        norm = norm_title(doc.title)
        candidates = self.store.documents_by_norm_title(norm) if norm else []
        if not candidates and norm:
            candidates = [
                d for d in self.store.list_documents() if titles_match(norm, d.norm_title)
            ]
        for candidate in candidates:
            latest = self.store.latest_version(candidate.id)
            if latest is not None and tree_similarity(latest.document, doc) >= TREE_SIMILARITY:
                return candidate.id
        return None

    def _new_document(
        self,
        url: str,
        fetched: Fetched,
        text: str,
        doc: PolicyDocument,
        digest: str,
        *,
        watched: bool,
    ) -> None:
        now = fetched.fetched_at
        title = doc.title or url
        document_id = self.store.add_document(
            title=title, norm_title=norm_title(title), status=doc.status, url=url, now=now
        )
        rendition_id = self.store.add_rendition(
            document_id=document_id, key=rendition_key(url), url=url, source_id=self.source_id
        )
        version_id = self._add_version(document_id, rendition_id, fetched, text, doc, digest)
        self._lifecycle(document_id, None, doc, now)
        if watched:  # the first sight of a watched page is a baseline, not a change
            self.tally.baselines += 1
            return
        # A new document's change set carries no clause changes: the whole text is the news.
        cs = self.store.add_change_set(
            document_id=document_id,
            from_version_id=None,
            to_version_id=version_id,
            source_id=self.source_id,
            kind=ChangeSetKind.NEW_DOCUMENT,
            diff=DocumentDiff(),
            detected_at=now,
        )
        self.tally.new_documents += 1
        self._created(cs)

    def _new_version(
        self,
        document_id: int,
        rendition: RenditionRecord | None,
        url: str,
        fetched: Fetched,
        text: str,
        doc: PolicyDocument,
        digest: str,
        *,
        reading: Reading | None = None,
    ) -> None:
        rendition_id = (
            rendition.id
            if rendition
            else self.store.add_rendition(
                document_id=document_id, key=rendition_key(url), url=url, source_id=self.source_id
            )
        )
        head = self.store.latest_head(document_id)
        if head is not None and doc.status is Status.DRAFT and head[2] in _PAST_DRAFT:
            # A draft found after its final (first checks of a site, a re-listed notice) is
            # history, not news: never a "final -> draft" change set.
            self.store.touch_rendition(rendition_id, checked_at=fetched.fetched_at, url=url)
            self.tally.unchanged += 1
            self.tally.notes.append(f"draft after final, kept as history only: {url}")
            return
        if (
            reading is not None
            and reading.diff is not None
            and head
            and reading.diff_base == head[0]
        ):
            diff = reading.diff  # the reader already diffed against this very version
        else:
            diff = _diff(self.store.latest_version(document_id), doc)
        if head is not None and (head[1] == digest or not diff.changes):
            # Another rendition of the same content, or formatting only: nothing new.
            self.store.touch_rendition(rendition_id, checked_at=fetched.fetched_at, url=url)
            self.tally.unchanged += 1
            return
        version_id = self._add_version(document_id, rendition_id, fetched, text, doc, digest)
        note = self._flip_flop(document_id, digest, version_id, fetched.fetched_at)
        cs = self.store.add_change_set(
            document_id=document_id,
            from_version_id=head[0] if head else None,
            to_version_id=version_id,
            source_id=self.source_id,
            kind=ChangeSetKind.CHANGED,
            diff=diff,
            detected_at=fetched.fetched_at,
            note=note,
        )
        self._lifecycle(document_id, head[2] if head else None, doc, fetched.fetched_at)
        self.tally.changed += 1
        self._created(cs)

    def _add_version(
        self,
        document_id: int,
        rendition_id: int,
        fetched: Fetched,
        text: str,
        doc: PolicyDocument,
        digest: str,
    ) -> int:
        return self.store.add_version(
            document_id=document_id,
            rendition_id=rendition_id,
            fetched=fetched,
            text=text,
            document=doc,
            tree_hash=digest,
            parser_version=parsers.PARSER_VERSION,
        )

    def _flip_flop(
        self, document_id: int, digest: str, version_id: int, at: dt.datetime
    ) -> str | None:
        """A→B→A: the new tree equals an older (not the latest) version's tree."""
        earlier = [v for v in self.store.version_hashes(document_id) if v[0] != version_id]
        for _id, seq, old_hash in earlier[-FLIP_FLOP_WINDOW:-1]:
            if old_hash == digest:
                detail = f"content returned to version {seq}"
                self.store.add_status_event(
                    StatusEvent(document_id=document_id, event="flip_flop", at=at, detail=detail)
                )
                return f"flip-flop: {detail}"
        return None

    def _created(self, change_set_id: int) -> None:
        """A change set was stored (call inside its transaction): count it, and for an
        auto-approved source approve it and queue its emails in that same transaction."""
        self.tally.change_sets.append(change_set_id)
        if self.approve is not None:
            self.approve(change_set_id)

    def _lifecycle(
        self, document_id: int, before: Status | None, doc: PolicyDocument, at: dt.datetime
    ) -> None:
        """Status events: draft published, comment deadline, final published, corrected
        (`before`: the status of the version this one follows, None for a new document)."""
        events: list[tuple[str, str | None]] = []
        published = doc.published.isoformat() if doc.published else None
        if doc.status is Status.DRAFT and before is None:
            events.append(("draft_published", published))
        if doc.comment_deadline:
            events.append(("comment_deadline", doc.comment_deadline.isoformat()))
        if doc.status is Status.FINAL and before in (None, Status.DRAFT, Status.UNKNOWN):
            events.append(("final_published", published))
        elif doc.status is Status.FINAL and before is Status.FINAL:
            events.append(("corrected", at.date().isoformat()))
        for event, detail in events:
            self.store.add_status_event(
                StatusEvent(document_id=document_id, event=event, at=at, detail=detail)
            )

    def _flags(self, item: Item) -> None:
        """gkmlpt `is_expired` / `is_abolished`: a status event and a STATUS change set, once."""
        if not (item.expired or item.abolished):
            return
        rendition = self.store.get_rendition(rendition_key(item.url))
        if rendition is None:
            return
        status = Status.ABOLISHED if item.abolished else Status.EXPIRED
        now = self.clock()
        with self.store.atomic():
            event = StatusEvent(document_id=rendition.document_id, event=status.value, at=now)
            if not self.store.add_status_event(event):
                return
            before = self.store.get_document(rendition.document_id).status
            self.store.set_document_status(rendition.document_id, status, now=now)
            change = DocumentChange(
                field="status",
                old=before.value,
                new=status.value,
                summary=summarize_document_change("status", before.value, status.value),
            )
            cs = self.store.add_change_set(
                document_id=rendition.document_id,
                from_version_id=None,
                to_version_id=None,
                source_id=self.source_id,
                kind=ChangeSetKind.STATUS,
                diff=DocumentDiff(document_changes=(change,)),
                detected_at=now,
                note=status.value,
            )
            self._created(cs)


# Statuses a document cannot go back to draft from.
_PAST_DRAFT = (Status.FINAL, Status.EXPIRED, Status.ABOLISHED)


def _diff(latest: VersionRecord | None, doc: PolicyDocument) -> DocumentDiff:
    if latest is None:
        return DocumentDiff()
    from parsers.diff import diff_documents

    return diff_documents(latest.document, doc)


def _parsed(reading: Reading) -> PolicyDocument:
    """The reading's clause tree; raises SuspiciousParseError as `parse_extracted` would."""
    if reading.document is not None:
        return reading.document
    if reading.suspicious is not None:
        raise parsers.SuspiciousParseError(reading.suspicious)
    return parsers.parse_extracted(reading.extracted)  # a notice, or no text: parse here


def _document_files(attachments: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    """DOCX/PDF attachments that may hold the document (companion files skipped)."""
    files = [
        a
        for a in attachments
        if (_DOC_FILE.search(urlsplit(a.url).path) or _DOC_FILE.search(a.name))
        and not any(word in a.name for word in _NOT_THE_DRAFT)
    ]
    return tuple(files)


__all__ = ["CollapseError", "EmptyPageError", "FetchError", "ItemChecker"]
