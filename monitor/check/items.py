"""Checking the items of one source: fetch and read them, then hand what changed to
`monitor.check.versions.VersionWriter`, which links and stores versions and change sets.

Per URL the store remembers validators, the content hash and the clause tree last seen
(`state.sources.UrlState`). An item is parsed only when its body changed; a version is stored
only when its clause tree differs from what that URL showed before *and* from the document's
latest version; version and change set are written in one transaction. Consultation notices
are not documents: their DOCX/PDF attachment is, with the notice's comment deadline.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import parsers
from monitor.check.cycle import Clock, Tally
from monitor.check.lineage import (
    rendition_key,
)
from monitor.check.reader import PreviousTree, Reader, Reading, extract
from monitor.check.versions import VersionWriter, remember
from monitor.config import SourceConfig
from monitor.errors import FetchError, HTTPStatusError, MonitorError
from monitor.fetch.client import Fetcher, FetchResult
from monitor.sources import Item, Page, source_for
from parsers.model import (
    Attachment,
    DocumentFields,
    Extracted,
    PolicyDocument,
    Status,
)
from state.sources import UrlState
from state.store import Store

logger = logging.getLogger(__name__)

_DOC_FILE = re.compile(r"\.(pdf|docx?|wps)$", re.IGNORECASE)
_NOT_THE_DRAFT = ("起草说明", "政策解读", "采纳情况", "反馈表", "意见表")  # companion files
_CONSULTATION = re.compile(r"征求.{0,80}意见")


class EmptyPageError(MonitorError):
    """The page came back empty (or with no text at all)."""


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
        self.writer = VersionWriter(
            store=store, source_id=source_id, clock=clock, tally=tally, approve=approve
        )
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
        remember(self.store, url, result, verdict="list", body=result.content)
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
        self.writer.flags(item)

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
            remember(self.store, item.url, result, verdict="notice", body=result.content)
            await self._notice(item, extracted)
            return
        try:
            doc = _parsed(reading)
        except parsers.SuspiciousParseError:
            if item.watched or was_document:
                raise
            if _document_files(extracted.attachments):
                remember(self.store, item.url, result, verdict="notice", body=result.content)
                await self._notice(item, extracted)
                return
            remember(self.store, item.url, result, verdict="not_document")
            self.tally.notes.append(f"not a policy document: {item.url}")
            return
        self.writer.store_version(
            item.url, result, extracted.text, doc, watched=item.watched, reading=reading
        )
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
        self.writer.store_version(attachment.url, result, extracted.text, doc, watched=False)


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


__all__ = ["EmptyPageError", "FetchError", "ItemChecker"]
