"""Reading fetched pages (extract, parse, fingerprint, diff), inline or in one worker process.

A cycle over many sources reads its changed pages in a worker process, so that parsing and
diffing on one core overlap fetching and storing on the other (1,000 sources: about 0.15 s
less wall time, `bench/bench_check.py`); a small cycle (the daemon checks one source at a
time) reads inline. Reading is pure (bytes and the previous tree in, records out), so both
ways store the same; a worker that dies is replaced by reading inline. `Reader` is the one
door to the worker: a sandboxed or per-format worker belongs behind it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import parsers
from monitor.check.lineage import clause_count, tree_hash
from parsers.model import DocumentDiff, Extracted, PolicyDocument, document_from_json
from parsers.tools import DEFAULT_BUDGET, Budget
from state.documents import LatestTree

logger = logging.getLogger(__name__)

WORKER_MIN_SOURCES = 50  # cycles with fewer sources read inline


@dataclass(frozen=True, slots=True, kw_only=True)
class Tree:
    """A parsed document with its fingerprint and size, computed once per item."""

    document: PolicyDocument
    digest: str  # `lineage.tree_hash`: labels, headings and texts of the clauses
    clauses: int  # `lineage.clause_count`, for the collapse check

    @classmethod
    def of(cls, document: PolicyDocument) -> Tree:
        """Fingerprint a parsed document."""
        return cls(document=document, digest=tree_hash(document), clauses=clause_count(document))

    def with_document(self, document: PolicyDocument) -> Tree:
        """The same clauses under other document fields (title, status, dates)."""
        return Tree(document=document, digest=self.digest, clauses=self.clauses)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """A page read: its extracted text and clause tree (None: no text, a notice, suspicious)."""

    extracted: Extracted
    tree: Tree | None = None
    suspicious: str | None = None  # the SuspiciousParseError message when the parse failed
    diff: DocumentDiff | None = None  # against `diff_base`, when a previous tree was given
    diff_base: int | None = None  # the version id the diff was computed against


def extract(
    content: bytes,
    content_type: str,
    url: str,
    *,
    body_selector: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> Extracted:
    """Extract a rendition; the media type from the header, else from the URL and bytes.
    `body_selector` names an HTML page's body (the source's), `budget` bounds local programs."""
    media_type = content_type or parsers.media_type_for(Path(urlsplit(url).path), content)
    return parsers.extract(content, media_type, url=url, body_selector=body_selector, budget=budget)


def diff_trees(old: PolicyDocument, new: PolicyDocument) -> DocumentDiff:
    """The clause diff a change set stores (the check pipeline's only call of the differ)."""
    from parsers.diff import diff_documents  # loaded on the first diff: most cycles have none

    return diff_documents(old, new)


def read(
    content: bytes,
    content_type: str,
    url: str,
    previous: LatestTree | None = None,
    *,
    body_selector: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> Reading:
    """Extract, then parse unless there is no text or it is a notice (ParseErrors propagate);
    with `previous`, also diff a changed tree against it."""
    extracted = extract(content, content_type, url, body_selector=body_selector, budget=budget)
    if not extracted.text.strip() or extracted.is_notice:
        return Reading(extracted=extracted)
    try:
        tree = Tree.of(parsers.parse_extracted(extracted))
    except parsers.SuspiciousParseError as exc:
        return Reading(extracted=extracted, suspicious=str(exc))
    if previous is None or tree.digest == previous.tree_hash:
        return Reading(extracted=extracted, tree=tree)
    before = document_from_json(json.loads(previous.tree_json))
    return Reading(
        extracted=extracted,
        tree=tree,
        diff=diff_trees(before, tree.document),
        diff_base=previous.version_id,
    )


def _warm_up() -> None:
    """Runs first in the worker: its imports happen while the cycle starts fetching."""
    import parsers.api
    import parsers.diff  # noqa: F401


class Reader:
    """Reads pages inline, or in one worker process when `worker` is set (`async with`),
    local programs under `budget` (`[parse]`)."""

    def __init__(self, *, worker: bool = False, budget: Budget = DEFAULT_BUDGET) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._worker = worker
        self.budget = budget

    async def __aenter__(self) -> Reader:
        if self._worker:
            import multiprocessing
            import threading

            # fork while this process has no other thread (before the first DNS look-up): the
            # worker starts at once with the parsers already imported; otherwise spawn
            method = "fork" if threading.active_count() == 1 else "spawn"
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            self._pool.submit(_warm_up)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def read(
        self,
        content: bytes,
        content_type: str,
        url: str,
        previous: LatestTree | None = None,
        *,
        body_selector: str | None = None,
    ) -> Reading:
        """`read()` in the worker when there is one, else inline."""
        call = functools.partial(
            read,
            content,
            content_type,
            url,
            previous,
            body_selector=body_selector,
            budget=self.budget,
        )
        if self._pool is not None:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._pool, call)
            except BrokenProcessPool:  # e.g. a script without `if __name__ == "__main__"`
                logger.warning("the parse worker died: reading inline from now on")
                self._pool = None
        return call()
