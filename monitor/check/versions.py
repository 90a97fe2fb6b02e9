"""Storing what a check found: versions, change sets, lineage and lifecycle events.

`VersionWriter.store_version` decides, in one transaction, whether a parsed rendition is a new
document, a new version of a known one (with its change set, auto-approved inside the same
transaction for auto-approve sources), another rendition of the latest version, or history (a
draft found after its final), and returns that decision (`Stored`). `change_diff` is the one
place that decides which diff a change set stores. `remember` keeps each URL's validators and
hashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import parsers
from monitor.check import reparse
from monitor.check.lineage import norm_title, rendition_key, same_policy, titles_match
from monitor.check.outcome import Stored, Verdict
from monitor.check.reader import Reading, Tree, diff_trees
from monitor.clock import Clock
from monitor.errors import CollapseError
from monitor.fetch.client import FetchResult
from monitor.local_time import SHANGHAI
from monitor.sources import Item
from parsers.model import DocumentChange, DocumentDiff, DocumentFields, PolicyDocument, Status
from parsers.records import ChangeSetKind, Fetched, RenditionRecord, StatusEvent
from state.documents import VersionHead
from state.sources import UrlState
from state.store import Store

FLIP_FLOP_WINDOW = 5  # versions looked back at for "content returned to an older version"
# Statuses a document cannot go back to draft from.
_PAST_DRAFT = (Status.FINAL, Status.EXPIRED, Status.ABOLISHED)

Approver = Callable[[int], object]  # approves a change set inside the transaction storing it


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """A source's first sight: what it finds already published is history, not news.

    A document is news all the same when it was published on or after `since` (the source's
    `baseline_recent` window, Beijing dates) or is a draft still open for comment on `today`.
    A document without a publication date is history.
    """

    since: dt.date
    today: dt.date

    @classmethod
    def at(cls, now: dt.datetime, window: dt.timedelta) -> Baseline:
        """The baseline of a first check made at `now` with a `window` of recent days."""
        local = now.astimezone(SHANGHAI)
        return cls(since=(local - window).date(), today=local.date())

    def is_news(self, doc: PolicyDocument | DocumentFields) -> bool:
        """Recent enough (or still open for comment) to be reviewed and sent as today."""
        open_for_comment = (
            doc.status is Status.DRAFT
            and doc.comment_deadline is not None
            and doc.comment_deadline >= self.today
        )
        return open_for_comment or (doc.published is not None and doc.published >= self.since)


class UrlMemory:
    """What the store remembers per URL (`UrlState`), as one cycle reads and writes it.

    The states of the cycle's own source URLs are read ahead in one query (1,000 `page`
    sources: one SELECT, not one per source) and each is handed out once, to the first
    `get` of its URL; every other read goes to the store as it is then. Every write goes
    through `set`, which drops a state read ahead for that URL, so no `get` ever returns a
    state older than this process's last write of it (two sources on one URL, a list page
    that is another source's page). A state another process wrote since the cycle began
    (a daemon checking the same source at that moment) is missed, as it was when the read
    came just before a slow fetch: the version's own checks in its transaction (rendition,
    latest version) still keep it from being stored twice.
    """

    def __init__(self, store: Store, ahead: Iterable[str] = ()) -> None:
        self.store = store
        self._ahead = store.url_states(list(dict.fromkeys(ahead)))

    def get(self, url: str) -> UrlState | None:
        """What `url` served last (None: never fetched)."""
        if url in self._ahead:
            return self._ahead.pop(url)
        return self.store.url_state(url)

    def set(self, state: UrlState) -> None:
        """Remember `state` for its URL."""
        self._ahead.pop(state.url, None)
        self.store.set_url_state(state)


def remember(
    memory: UrlMemory,
    url: str,
    result: FetchResult,
    *,
    verdict: str,
    body: bytes | None = None,
    tree: Tree | None = None,
) -> None:
    """Remember what `url` served (validators, hashes, clause count; the body of lists and
    notices) for the next conditional GET and change check."""
    memory.set(
        UrlState(
            url=url,
            verdict=verdict,
            etag=result.etag,
            last_modified=result.last_modified,
            content_hash=result.content_hash,
            tree_hash=tree.digest if tree is not None else None,
            clauses=tree.clauses if tree is not None else 0,
            content_type=result.content_type,
            body=body,
        )
    )


class VersionWriter:
    """Writes the versions and change sets of one source's check (synchronously: no await
    between deciding and writing, so other coroutines always see a consistent store)."""

    def __init__(
        self,
        *,
        store: Store,
        memory: UrlMemory,
        source_id: int,
        clock: Clock,
        approve: Approver | None,
        baseline: Baseline | None = None,
    ) -> None:
        self.store = store
        self.memory = memory
        self.source_id = source_id
        self.clock = clock
        self.approve = approve  # auto-approval, run inside the transaction storing a change set
        self.baseline = baseline  # the source's first sight: old documents are history

    def store_version(
        self,
        url: str,
        result: FetchResult,
        text: str,
        tree: Tree,
        *,
        state: UrlState | None,
        watched: bool,
        reading: Reading | None = None,
        notice_url: str | None = None,
    ) -> Stored:
        """Decide and write; `state` is what this URL served last (read once per item);
        `notice_url`: the page that links this file (a consultation notice, an article)."""
        if state is not None and state.tree_hash == tree.digest:
            remember(self.memory, url, result, verdict="document", tree=tree)
            return Stored(verdict=Verdict.UNCHANGED)
        if state is not None and state.clauses and tree.clauses * 2 < state.clauses:
            raise CollapseError(
                f"{url}: {tree.clauses} clauses, was {state.clauses}: parse collapsed"
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
                document_id = self._lineage(tree.document)
            if document_id is None:
                stored = self._new_document(
                    url,
                    fetched,
                    text,
                    tree,
                    watched=watched,
                    notice_url=notice_url,
                    reading=reading,
                )
            else:
                stored = self._new_version(
                    document_id, rendition, url, fetched, text, tree, reading, notice_url
                )
            remember(self.memory, url, result, verdict="document", tree=tree)
        return stored

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
            if latest is not None and same_policy(norm, doc, candidate.norm_title, latest.document):
                return candidate.id
        return None

    def _new_document(
        self,
        url: str,
        fetched: Fetched,
        text: str,
        tree: Tree,
        *,
        watched: bool,
        notice_url: str | None,
        reading: Reading | None = None,
    ) -> Stored:
        now = fetched.fetched_at
        doc = tree.fields
        title = doc.title or url
        document_id = self.store.add_document(
            title=title, norm_title=norm_title(title), status=doc.status, url=url, now=now
        )
        rendition_id = self.store.add_rendition(
            document_id=document_id, key=rendition_key(url), url=url, source_id=self.source_id
        )
        version_id = self._add_version(
            document_id, rendition_id, fetched, text, tree, notice_url, reading
        )
        self._lifecycle(document_id, None, doc, now)
        if watched or self._history(document_id, doc, now):
            return Stored(verdict=Verdict.BASELINE)  # the first sight of a page or a source
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
        self._created(cs)
        return Stored(verdict=Verdict.NEW_DOCUMENT, change_set_id=cs)

    def _history(self, document_id: int, doc: DocumentFields, at: dt.datetime) -> bool:
        """On a source's first check, a document published before its window is history: it is
        stored, marked with a `baseline` event, and no change set is made."""
        if self.baseline is None or self.baseline.is_news(doc):
            return False
        event = StatusEvent(document_id=document_id, event="baseline", at=at, detail=None)
        self.store.add_status_event(event)
        return True

    def _new_version(
        self,
        document_id: int,
        rendition: RenditionRecord | None,
        url: str,
        fetched: Fetched,
        text: str,
        tree: Tree,
        reading: Reading | None,
        notice_url: str | None,
    ) -> Stored:
        rendition_id = (
            rendition.id
            if rendition
            else self.store.add_rendition(
                document_id=document_id, key=rendition_key(url), url=url, source_id=self.source_id
            )
        )
        head = self.store.latest_head(document_id)
        if head is not None and tree.fields.status is Status.DRAFT and head.status in _PAST_DRAFT:
            # A draft found after its final (first checks of a site, a re-listed notice) is
            # history, not news: never a "final -> draft" change set.
            self.store.touch_rendition(rendition_id, checked_at=fetched.fetched_at, url=url)
            return Stored(
                verdict=Verdict.HISTORY, note=f"draft after final, kept as history only: {url}"
            )
        diff = self.change_diff(document_id, head, tree, reading)
        if head is not None and (head.tree_hash == tree.digest or not diff.changes):
            # Another rendition of the same content, or formatting only: nothing new.
            self.store.touch_rendition(rendition_id, checked_at=fetched.fetched_at, url=url)
            return Stored(verdict=Verdict.UNCHANGED)
        version_id = self._add_version(
            document_id, rendition_id, fetched, text, tree, notice_url, reading
        )
        note = self._flip_flop(document_id, tree.digest, version_id, fetched.fetched_at)
        cs = self.store.add_change_set(
            document_id=document_id,
            from_version_id=head.id if head else None,
            to_version_id=version_id,
            source_id=self.source_id,
            kind=ChangeSetKind.CHANGED,
            diff=diff,
            detected_at=fetched.fetched_at,
            note=note,
        )
        self._lifecycle(document_id, head.status if head else None, tree.fields, fetched.fetched_at)
        self._created(cs)
        return Stored(verdict=Verdict.CHANGED, change_set_id=cs)

    def change_diff(
        self, document_id: int, head: VersionHead | None, tree: Tree, reading: Reading | None
    ) -> DocumentDiff:
        """The diff the change set stores: the reader's when it diffed against this very head
        version; else computed now against the document's latest version (the base moved,
        e.g. another source stored a version while this page was being read)."""
        if head is None:
            return DocumentDiff()
        if reading is not None and reading.diff is not None and reading.diff_base == head.id:
            return reading.diff
        latest = self.store.get_version(head.id)
        base = latest.document
        if latest.parser_version != parsers.PARSER_VERSION:
            base = reparse.refresh(self.store, head.id) or base
        return diff_trees(base, tree.document)

    def _add_version(
        self,
        document_id: int,
        rendition_id: int,
        fetched: Fetched,
        text: str,
        tree: Tree,
        notice_url: str | None,
        reading: Reading | None = None,
    ) -> int:
        """Store the version; the bytes and the text as the worker packed them, when it did."""
        return self.store.add_version(
            document_id=document_id,
            rendition_id=rendition_id,
            fetched=fetched,
            text=text,
            document=tree.fields,
            tree_json=tree.json,
            tree_hash=tree.digest,
            parser_version=parsers.PARSER_VERSION,
            notice_url=notice_url,
            raw=reading.raw if reading is not None else None,
            packed_text=reading.packed_text if reading is not None else None,
        )

    def _flip_flop(
        self, document_id: int, digest: str, version_id: int, at: dt.datetime
    ) -> str | None:
        """A→B→A: the new tree equals an older (not the latest) version's tree."""
        earlier = [v for v in self.store.version_hashes(document_id) if v.id != version_id]
        for old in earlier[-FLIP_FLOP_WINDOW:-1]:
            if old.tree_hash == digest:
                detail = f"content returned to version {old.seq}"
                self.store.add_status_event(
                    StatusEvent(document_id=document_id, event="flip_flop", at=at, detail=detail)
                )
                return f"flip-flop: {detail}"
        return None

    def _created(self, change_set_id: int) -> None:
        """A change set was stored (call inside its transaction): for an auto-approved source,
        approve it and queue its emails in that same transaction."""
        if self.approve is not None:
            self.approve(change_set_id)

    def _lifecycle(
        self, document_id: int, before: Status | None, doc: DocumentFields, at: dt.datetime
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

    def flags(self, item: Item) -> Stored:
        """gkmlpt `is_expired` / `is_abolished`: a status event and a STATUS change set, once."""
        if not (item.expired or item.abolished):
            return Stored(verdict=Verdict.UNCHANGED)
        rendition = self.store.get_rendition(rendition_key(item.url))
        if rendition is None:
            return Stored(verdict=Verdict.UNCHANGED)
        status = Status.ABOLISHED if item.abolished else Status.EXPIRED
        now = self.clock()
        with self.store.atomic():
            event = StatusEvent(document_id=rendition.document_id, event=status.value, at=now)
            if not self.store.add_status_event(event):
                return Stored(verdict=Verdict.UNCHANGED)
            before = self.store.get_document(rendition.document_id).status
            self.store.set_document_status(rendition.document_id, status, now=now)
            if self.baseline is not None:  # first sight: an old policy's status is history
                return Stored(verdict=Verdict.UNCHANGED)
            # here only: the summaries' module (diff-match-patch, the redline) is the reading
            # workers' to import, not every `check` process's
            from parsers.summary import summarize_document_change

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
        return Stored(verdict=Verdict.UNCHANGED, change_set_id=cs)
