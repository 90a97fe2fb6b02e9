"""Checking the items of one source: fetch and read them, then hand what changed to
`monitor.check.versions.VersionWriter`, which links and stores versions and change sets.

Per URL the store remembers validators, the content hash and the clause tree last seen
(`state.sources.UrlState`), read once per item (a cycle's source URLs in one query,
`monitor.check.versions.UrlMemory`). An item is parsed only when its body changed;
a version is stored only when its clause tree differs from what that URL showed before *and*
from the document's latest version; version and change set are written in one transaction.
Consultation notices are not documents: their attachment is (DOCX, PDF, .doc, .wps, .rtf,
.ofd), with the notice's comment deadline. A file policywatch cannot read (a spreadsheet or
binary under a document's name, a ZIP bomb, LibreOffice missing) fails the attempt with the
parser's error named, and is read again at the next check. Every step returns its
`ItemOutcome`; the source's is their sum.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import parsers
from monitor.check import reparse
from monitor.check.lineage import rendition_key
from monitor.check.outcome import NOTHING, ItemOutcome
from monitor.check.reader import Reader, Reading, Tree, extract
from monitor.check.versions import UrlMemory, VersionWriter, remember
from monitor.errors import EmptyPageError, FetchError, HTTPStatusError, MonitorError
from monitor.fetch.client import Fetcher, FetchResult
from monitor.sources import Item, Page, SourceConfig, source_for
from parsers.model import Attachment, DocumentFields, Extracted, Status
from state.sources import UrlState
from state.store import Store

logger = logging.getLogger(__name__)

# Attachments that may hold the document: what `parsers` reads (the format itself is found
# by content, so a spreadsheet named .doc is refused by name of what it is).
_DOC_FILE = re.compile(r"\.(pdf|docx?|wps|rtf|ofd)$", re.IGNORECASE)
_NOT_THE_DRAFT = ("起草说明", "政策解读", "采纳情况", "反馈表", "意见表")  # companion files
_CONSULTATION = re.compile(r"征求.{0,80}意见")


class Traffic:
    """The GETs of one source's check, counted where they are sent (a redirect chain or its
    retries count once), so a check that stops half-way still reports them."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.requests = 0
        self.not_modified = 0  # requests answered 304

    async def get(self, url: str, state: UrlState | None) -> FetchResult:
        """A GET, conditional on what `state` remembers."""
        self.requests += 1
        result = await self.fetcher.get(
            url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )
        self.not_modified += result.not_modified
        return result


class ListPages:
    """The `PageGetter` of discovery: conditional GETs of list pages, remembered bodies on 304."""

    def __init__(self, traffic: Traffic, memory: UrlMemory) -> None:
        self.traffic = traffic
        self.memory = memory

    async def __call__(self, url: str) -> Page:
        """The current body of a list page."""
        state = self.memory.get(url)
        cached = state if state is not None and state.body is not None else None
        result = await self.traffic.get(url, cached)
        if result.not_modified and cached is not None and cached.body is not None:
            return Page(
                url=result.final_url,
                content=cached.body,
                content_type=cached.content_type,
                not_modified=True,
            )
        if not result.content.strip():
            raise EmptyPageError(f"{url}: empty body")
        remember(self.memory, url, result, verdict="list", body=result.content)
        return Page(
            url=result.final_url,
            content=result.content,
            content_type=result.content_type,
            not_modified=False,
        )


class ItemChecker:
    """Checks the items of one source within one cycle."""

    def __init__(
        self,
        source: SourceConfig,
        *,
        traffic: Traffic,
        store: Store,
        memory: UrlMemory,
        reader: Reader,
        writer: VersionWriter,
    ) -> None:
        self.source = source
        self.traffic = traffic
        self.store = store
        self.memory = memory
        self.reader = reader
        self.writer = writer

    async def run(self) -> ItemOutcome:
        """Discover the items, then check each (an item's failure fails the attempt)."""
        items = await source_for(self.source).discover(ListPages(self.traffic, self.memory))
        outcome = NOTHING
        for item in items:
            outcome += await self._guarded(item)
        return outcome

    async def _guarded(self, item: Item) -> ItemOutcome:
        """One item; a watched page's failure (or a server error) stops the whole check."""
        try:
            return await self._item(item)
        except HTTPStatusError as exc:
            if item.watched or exc.status not in (404, 410):
                raise
            return ItemOutcome(gone=1, notes=(f"gone: {exc.url}",))
        except MonitorError as exc:
            if item.watched:
                raise
            return ItemOutcome(errors=(f"{item.url}: {exc}",))
        except parsers.ParseError as exc:
            if item.watched:
                raise
            return ItemOutcome(errors=(unreadable(item.url, exc),))

    async def _item(self, item: Item) -> ItemOutcome:
        state = self.memory.get(item.url)
        try:
            result = await self.traffic.get(item.url, state)
        except HTTPStatusError as exc:
            if exc.status == 404 and item.alt_url:
                moved = dataclasses.replace(item, url=item.alt_url, alt_url=None)
                return ItemOutcome(gone=1) + await self._item(moved)
            raise
        if state is not None and (result.not_modified or state.content_hash == result.content_hash):
            outcome = await self._known(item, state, result)
        else:
            outcome = await self._fresh(item, state, result)
        return outcome + self.writer.flags(item).outcome()

    async def _known(self, item: Item, state: UrlState, result: FetchResult) -> ItemOutcome:
        """The body is what this URL served last time."""
        if not result.not_modified:
            self.memory.set(
                dataclasses.replace(state, etag=result.etag, last_modified=result.last_modified)
            )
        if state.verdict == "notice" and state.body is not None:
            extracted = extract(
                state.body,
                state.content_type,
                result.final_url,
                body_selector=self.source.body_selector,
            )
            return await self._notice(item, extracted)
        return NOTHING

    async def _fresh(self, item: Item, state: UrlState | None, result: FetchResult) -> ItemOutcome:
        """A new or changed body: extract, then a notice's attachments or the page itself."""
        if not result.content.strip():
            raise EmptyPageError(f"{item.url}: empty body")
        was_document = state is not None and state.tree_hash is not None
        previous = self.store.latest_tree(rendition_key(item.url)) if was_document else None
        if previous is not None:  # a tree of an older parser is parsed again first
            previous = reparse.current(self.store, previous)
        reading = await self.reader.read(
            result.content,
            result.content_type,
            result.final_url,
            previous,
            body_selector=self.source.body_selector,
        )
        extracted = reading.extracted
        if not extracted.text.strip():
            raise EmptyPageError(f"{item.url}: no text in the page")
        if extracted.is_notice and not was_document:
            remember(self.memory, item.url, result, verdict="notice", body=result.content)
            return await self._notice(item, extracted)
        try:
            tree = _parsed(reading)
        except parsers.SuspiciousParseError:
            if item.watched or was_document:
                raise
            if _document_files(extracted.attachments):
                remember(self.memory, item.url, result, verdict="notice", body=result.content)
                return await self._notice(item, extracted)
            remember(self.memory, item.url, result, verdict="not_document")
            return ItemOutcome(notes=(f"not a policy document: {item.url}",))
        stored = self.writer.store_version(
            item.url,
            result,
            extracted.text,
            tree,
            state=state,
            watched=item.watched,
            reading=reading,
        )
        outcome = stored.outcome()
        if not item.watched:
            outcome += await self._companions(item.url, extracted)
        return outcome

    async def _companions(self, page_url: str, article: Extracted) -> ItemOutcome:
        """An article's own DOCX/PDF attachments are parsed too: the same policy in another
        file adds no version (lineage finds it, the diff is empty), another policy becomes its
        own document, and a file that is no policy at all is only noted."""
        if not self.source.attachments:
            return NOTHING
        fields = parsers.document_fields(article.text, article.title)
        outcome = NOTHING
        for attachment in _document_files(article.attachments):
            try:
                outcome += await self._attachment(attachment, article, fields, page_url)
            except (parsers.ParseError, FetchError) as exc:
                outcome += ItemOutcome(
                    notes=(f"attachment not read: {unreadable(attachment.url, exc)}",)
                )
        return outcome

    async def _notice(self, item: Item, notice: Extracted) -> ItemOutcome:
        """A notice: its draft/final lives in the attachment(s); one that cannot be read fails
        the attempt (naming the file and why), the others are still read."""
        if not self.source.attachments:
            return ItemOutcome(notes=(f"notice skipped, attachments are off: {item.url}",))
        fields = parsers.document_fields(notice.text, notice.title)
        files = _document_files(notice.attachments)
        if not files:
            raise parsers.SuspiciousParseError(f"{item.url}: notice without a document attachment")
        outcome = NOTHING
        for attachment in files:
            try:
                outcome += await self._attachment(attachment, notice, fields, item.url)
            except parsers.ParseError as exc:
                outcome += ItemOutcome(errors=(unreadable(attachment.url, exc),))
        return outcome

    async def _attachment(
        self, attachment: Attachment, notice: Extracted, fields: DocumentFields, page_url: str
    ) -> ItemOutcome:
        state = self.memory.get(attachment.url)
        result = await self.traffic.get(attachment.url, state)
        if state is not None and (result.not_modified or state.content_hash == result.content_hash):
            return NOTHING
        from parsers.feedback import find_feedback  # notices' attachments only

        reading = await self.reader.read(result.content, result.content_type, result.final_url)
        tree = _parsed(reading)
        doc = tree.document
        consultation = bool(notice.title and _CONSULTATION.search(notice.title))
        status = Status.DRAFT if consultation else doc.status
        tree = tree.with_document(
            dataclasses.replace(
                doc,
                title=doc.title or PurePosixPath(attachment.name).stem or notice.title,
                status=status,
                comment_deadline=fields.comment_deadline or doc.comment_deadline,
                published=notice.published or doc.published,
                issuer=doc.issuer or notice.issuer or fields.issuer,
                # how to comment is the notice's to say (the draft's own text rarely does)
                feedback=(find_feedback(notice.text) or doc.feedback)
                if status is Status.DRAFT
                else doc.feedback,
            )
        )
        stored = self.writer.store_version(
            attachment.url,
            result,
            reading.extracted.text,
            tree,
            state=state,
            watched=False,
            reading=reading,
            notice_url=page_url,
        )
        return stored.outcome()


def unreadable(url: str, exc: Exception) -> str:
    """What a failed attempt says of a file it could not read: `url: UnsupportedFormatError:
    .doc (detected: Excel workbook (.xlsx))`."""
    return f"{url}: {type(exc).__name__}: {exc}"


def _parsed(reading: Reading) -> Tree:
    """The reading's clause tree; raises SuspiciousParseError as `parse_extracted` would."""
    if reading.tree is not None:
        return reading.tree
    if reading.suspicious is not None:
        raise parsers.SuspiciousParseError(reading.suspicious)
    return Tree.of(parsers.parse_extracted(reading.extracted))  # a notice, or no text


def _document_files(attachments: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    """Attachments that may hold the document (`_DOC_FILE`; companion files skipped)."""
    files = [
        a
        for a in attachments
        if (_DOC_FILE.search(urlsplit(a.url).path) or _DOC_FILE.search(a.name))
        and not any(word in a.name for word in _NOT_THE_DRAFT)
    ]
    return tuple(files)
