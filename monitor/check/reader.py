"""Reading fetched pages (extract, parse, fingerprint, diff) in a worker process, under budget.

Everything a server sent is read in a worker process (`monitor.check.worker`): a hostile PDF
or DOCX fails its own read at `[reader]`'s CPU or memory limit while the process that runs the
schedule, the heartbeat and the review UI goes on. It also lets parsing and diffing on one
core overlap fetching and storing on the other (1,000 sources: about 0.15 s less wall time,
`bench/bench_check.py`). Reading is pure (bytes and the previous tree in, records out), so
the worker stores what an inline read would. `Reader` is the one door to the workers.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import parsers
from monitor.check.lineage import clause_count, tree_hash
from monitor.check.worker import Limits, WorkerPool
from monitor.config import Config
from parsers.model import (
    DocumentDiff,
    DocumentFields,
    Extracted,
    PolicyDocument,
    document_from_json,
    document_to_json,
)
from parsers.tools import DEFAULT_BUDGET, Budget
from state.base import compress, dumps, pack_text
from state.documents import LatestTree

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tree:
    """A parsed document with its fingerprint, size and stored JSON, computed once per item
    (in the reading worker).

    What crosses the pipe is the JSON text the version stores, the fingerprint and the
    document-level fields: pickling a clause tree there and unpickling it here cost about
    1.3 ms a document, its JSON text 0.1 ms. This side reads the tree back only where it needs
    the clauses (`document`: lineage of list items, attachments, a diff whose base moved).
    """

    fields: DocumentFields  # title, status, dates: what storing a version decides on
    json: str  # `state.base.dumps(document_to_json(...))`: the version's `tree_json`
    digest: str  # `lineage.tree_hash`: labels, headings and texts of the clauses
    clauses: int  # `lineage.clause_count`, for the collapse check
    # the parsed document where it was parsed, else read back from `json` on first use
    cached: PolicyDocument | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, document: PolicyDocument) -> Tree:
        """Fingerprint a parsed document."""
        return cls(
            fields=_fields(document),
            json=dumps(document_to_json(document)),
            digest=tree_hash(document),
            clauses=clause_count(document),
            cached=document,
        )

    @property
    def document(self) -> PolicyDocument:
        """The whole parsed document (read back from `json` once, where it was not parsed)."""
        if self.cached is None:
            object.__setattr__(self, "cached", document_from_json(json.loads(self.json)))
        assert self.cached is not None
        return self.cached

    def with_document(self, document: PolicyDocument) -> Tree:
        """The same clauses under other document fields (title, status, dates)."""
        return Tree(
            fields=_fields(document),
            json=dumps(document_to_json(document)),
            digest=self.digest,
            clauses=self.clauses,
            cached=document,
        )

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled without the parsed document (see the class docstring)."""
        return (_tree, (self.fields, self.json, self.digest, self.clauses))


def _tree(fields: DocumentFields, text: str, digest: str, clauses: int) -> Tree:
    return Tree(fields=fields, json=text, digest=digest, clauses=clauses)


def _fields(doc: PolicyDocument) -> DocumentFields:
    return DocumentFields(
        title=doc.title,
        status=doc.status,
        doc_number=doc.doc_number,
        issuer=doc.issuer,
        published=doc.published,
        comment_deadline=doc.comment_deadline,
        effective=doc.effective,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """A page read: its extracted text and clause tree (None: no text, a notice, suspicious)."""

    extracted: Extracted
    tree: Tree | None = None
    suspicious: str | None = None  # the SuspiciousParseError message when the parse failed
    diff: DocumentDiff | None = None  # against `diff_base`, when a previous tree was given
    diff_base: int | None = None  # the version id the diff was computed against
    # the bytes read, compressed as a version stores them (`state.base.compress`): done here,
    # in the worker, rather than on the process that fetches and stores (0.3 ms a 16 KB page)
    raw: bytes | None = None
    # the extracted text as a version stores it (`state.base.pack_text`), with `raw`, for the
    # same reason (the text of a 16 KB bench page: 0.5-1 ms of zlib on the storing process)
    packed_text: bytes | None = None


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
    if previous is not None and tree.digest == previous.tree_hash:
        return Reading(extracted=extracted, tree=tree)  # the previous tree: no version stored
    if previous is None:
        diff, base = None, None
    else:
        base = previous.version_id
        diff = diff_trees(document_from_json(json.loads(previous.tree_json)), tree.document)
    return Reading(
        extracted=extracted,
        tree=tree,
        diff=diff,
        diff_base=base,
        raw=compress(content),
        packed_text=pack_text(extracted.text),
    )


def _warm_up() -> None:
    """Runs first in each worker: its imports happen while the cycle starts fetching."""
    import parsers.api
    import parsers.diff  # noqa: F401


def limits_of(config: Config) -> Limits:
    """What one read may cost: `[reader]`'s CPU and memory. The watchdog also leaves the
    programs a read may run (LibreOffice, OCR) their whole `[parse]` budget: they bound
    themselves, and waiting for them takes no CPU."""
    cpu = config.reader.cpu_limit.total_seconds()
    tools = config.parse.budget
    return Limits(
        cpu_seconds=cpu,
        memory_bytes=int(config.reader.memory_limit),
        wall=3 * cpu + 10 + tools.document_seconds + tools.seconds,
    )


MAX_WORKERS = 4  # beyond this, a cycle's reads wait on its single-threaded store, not on CPU


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def pool_size() -> int:
    """Reading workers for a cycle: one per core this process may run on and one more
    (`MAX_WORKERS` at most), so a first sight of many sources parses on every core while this
    process fetches and stores. The one more: a worker spends part of each read waiting on
    this process (its request written, its reply read, the next request), and the spare keeps
    the cores reading meanwhile (a first check of 1,000 pages on 2 cores: 2.49 s median with 2
    workers, 2.09 s with 3, 2.04 s with 4). Workers read at a lower priority, so the spare
    never takes a core from this process."""
    return max(1, min(cores() + 1, MAX_WORKERS))


class Reader:
    """Reads fetched pages in worker processes, within `limits` (`async with`); the programs
    some formats need run under `tools` (`[parse]`).

    The one door to the workers: the check pipeline (`read`), and `parse`/`diff` (`parse`).
    `workers` sizes the pool (`for_config`: `pool_size()`); a daemon keeps its Reader, and so
    its warm workers (one per core: its cycles are small), for its whole life, a
    `policywatch check` for its cycle.
    """

    def __init__(
        self, *, limits: Limits | None = None, tools: Budget = DEFAULT_BUDGET, workers: int = 1
    ) -> None:
        self._pool = WorkerPool(size=workers, limits=limits or Limits(), warm_up=_warm_up)
        self.tools = tools

    @classmethod
    def for_config(cls, config: Config, *, workers: int | None = None) -> Reader:
        """A reader with the configured `[reader]` limits and `[parse]` budget, and `workers`
        processes (default: `pool_size()`)."""
        size = pool_size() if workers is None else workers
        return cls(limits=limits_of(config), tools=config.parse.budget, workers=size)

    @property
    def workers_started(self) -> int:
        """Worker processes started so far (one, plus one per worker lost to a hostile read)."""
        return self._pool.started

    def __enter__(self) -> Reader:
        """Start the workers now, outside the event loop: `policywatch check` forks them before
        it imports the rest of the pipeline, so their imports run on another core meanwhile."""
        self._pool.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.close()

    async def __aenter__(self) -> Reader:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    async def read(
        self,
        content: bytes,
        content_type: str,
        url: str,
        previous: LatestTree | None = None,
        *,
        body_selector: str | None = None,
    ) -> Reading:
        """`read()` in a worker: ParseErrors as inline, ReadLimitError past the limits."""
        call = functools.partial(
            read,
            content,
            content_type,
            url,
            previous,
            body_selector=body_selector,
            budget=self.tools,
        )
        reading: Reading = await self._pool.call(call)
        return reading

    async def parse(
        self, data: bytes, media_type: str, *, charset: str | None = None, url: str | None = None
    ) -> PolicyDocument:
        """`parsers.parse` in a worker (the `parse` and `diff` commands)."""
        call = functools.partial(
            parsers.parse, data, media_type, charset=charset, url=url, budget=self.tools
        )
        document: PolicyDocument = await self._pool.call(call)
        return document
