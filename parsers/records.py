"""Records of the monitored world, passed between state/, notifications/ and monitor/.

`parsers/model.py` holds what a document *says* (clauses, diffs); this module holds what
policywatch *knows about* documents over time: sources, fetches, versions, change sets, people
and the outbox. All are frozen dataclasses; datetimes are aware and in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from parsers.model import ClauseChange, DocumentDiff, PolicyDocument, Status


class AttemptOutcome(StrEnum):
    """What one check of a source (or one URL of it) ended with."""

    NOT_MODIFIED = "not_modified"  # HTTP 304
    UNCHANGED = "unchanged"  # fetched, same clause tree
    BASELINE = "baseline"  # first sight of a watched page: stored, not a change
    NEW_DOCUMENT = "new_document"
    CHANGED = "changed"
    FAILED = "failed"


class ChangeSetState(StrEnum):
    """Review state of a change set."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChangeSetKind(StrEnum):
    """Why a change set exists."""

    NEW_DOCUMENT = "new_document"  # a document discovered for the first time
    CHANGED = "changed"  # a new version of a known document
    STATUS = "status"  # expired / abolished / deadline events without new text
    REMINDER = "reminder"  # a comment deadline is near: remind who received the draft


class Cadence(StrEnum):
    """How often a subscriber hears from us."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class OutboxState(StrEnum):
    """Delivery state of one outbox row."""

    PENDING = "pending"
    CLAIMED = "claimed"  # a sender took it; confirmed or retried later
    SENT = "sent"
    FAILED = "failed"  # given up (5xx or too many attempts)
    CANCELLED = "cancelled"


class Role(StrEnum):
    """Staff roles of the review UI."""

    ADMIN = "admin"
    REVIEWER = "reviewer"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRecord:
    """A configured source as the database knows it."""

    id: int
    name: str
    kind: str
    url: str
    auto_approve: bool = False
    flagged: bool = False  # too many consecutive failures: staff should look
    created_at: dt.datetime
    origin: str = "config"  # "config": the file defines it; "ui": added in the review UI
    settings: str | None = None  # a UI source's `[[source]]` table, as JSON
    # The first check's baseline: documents recorded as history / let through as recent.
    baseline_at: dt.datetime | None = None
    baseline_count: int = 0
    baseline_new: int = 0
    baseline_done_at: dt.datetime | None = None  # None: the first check has not succeeded yet

    @property
    def first_sight(self) -> bool:
        """True until the source's first check succeeds: what it finds is a baseline."""
        return self.baseline_done_at is None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchAttempt:
    """One check of one source (or of one URL discovered from it)."""

    id: int | None = None
    source_id: int
    url: str
    started_at: dt.datetime
    finished_at: dt.datetime
    outcome: AttemptOutcome
    http_status: int | None = None
    error: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentRecord:
    """One policy across all its renditions and versions."""

    id: int
    title: str
    norm_title: str  # title with 征求意见稿 / 关于印发《》的通知 stripped, for lineage
    status: Status
    url: str | None = None  # the newest rendition's page
    first_seen: dt.datetime
    updated_at: dt.datetime
    latest_version_id: int | None = None
    version_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RenditionRecord:
    """One place a document is published (post id or canonical URL) and its last content."""

    id: int
    document_id: int
    key: str  # "post:10358920" or a canonical URL
    url: str
    source_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    tree_hash: str | None = None
    last_version_id: int | None = None
    checked_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """What a fetch brought back, as stored with a version."""

    url: str  # the effective URL after redirects
    fetched_at: dt.datetime
    http_status: int
    etag: str | None = None
    last_modified: str | None = None
    media_type: str
    content: bytes
    content_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRecord:
    """One stored version of a document: the fetched rendition and its parsed tree."""

    id: int
    document_id: int
    rendition_id: int | None
    url: str
    fetched_at: dt.datetime
    http_status: int | None
    etag: str | None
    last_modified: str | None
    content_hash: str
    media_type: str
    text: str
    document: PolicyDocument
    tree_hash: str
    parser_version: str
    seq: int  # 1 for the first version of the document
    notice_url: str | None = None  # the notice page whose attachment this version is


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredChange:
    """One clause change as stored, with what reviewers did to it."""

    id: int
    position: int
    change: ClauseChange
    suppressed: bool = False
    suppress_reason: str | None = None
    summary_override: str | None = None

    @property
    def summary(self) -> str:
        """The summary clients see: the reviewer's edit if any, else the differ's."""
        return self.summary_override or self.change.summary


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSetRecord:
    """The changes between two versions of a document (or a new document / status event)."""

    id: int
    document_id: int
    document_title: str
    from_version_id: int | None
    to_version_id: int | None
    source_id: int | None
    kind: ChangeSetKind
    state: ChangeSetState
    detected_at: dt.datetime
    diff: DocumentDiff  # document-level changes; clause changes are in `changes`
    changes: tuple[StoredChange, ...] = ()
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    note: str | None = None  # reject reason, status event detail

    @property
    def visible_changes(self) -> tuple[StoredChange, ...]:
        """Changes not suppressed by a reviewer."""
        return tuple(c for c in self.changes if not c.suppressed)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusEvent:
    """A lifecycle event of a document: draft published, deadline, final, corrected, expired."""

    id: int | None = None
    document_id: int
    event: str
    at: dt.datetime
    detail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriber:
    """A client who receives emails."""

    id: int | None = None
    name: str
    email: str
    company: str | None = None
    language: str = "zh-CN"
    active: bool = True
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """What a subscriber wants to hear about, and how often."""

    id: int | None = None
    subscriber_id: int | None = None
    documents: tuple[int, ...] = ()  # document ids; empty = all
    sources: tuple[str, ...] = ()  # source names; empty = all
    topics: tuple[str, ...] = ()  # section headings / topics, e.g. 企业融资, 人才
    keywords: tuple[str, ...] = ()
    min_severity: int = 0
    cadence: Cadence = Cadence.IMMEDIATE


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxItem:
    """One notification to one subscriber over one channel, delivered at most once.

    `channel` is "email" (the subscriber's address) or the name of a `[[channel]]`."""

    id: int | None = None
    change_set_id: int
    subscriber_id: int
    channel: str = "email"
    cadence: Cadence = Cadence.IMMEDIATE
    state: OutboxState = OutboxState.PENDING
    message_id: str
    due_at: dt.datetime
    attempts: int = 0
    last_error: str | None = None
    claimed_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    created_at: dt.datetime
    parts_sent: int = 0  # parts of a split chat message already posted (never posted twice)
    hold_reason: str | None = None  # our side's failure keeping it queued (auth, config...)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewAction:
    """An audit entry: who did what to a change set (or one change of it), and when."""

    id: int | None = None
    change_set_id: int | None
    change_id: int | None = None
    action: str  # approve, reject, suppress, unsuppress, edit_summary, auto_approve, ...
    actor: str
    at: dt.datetime
    detail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A staff account of the review UI."""

    id: int | None = None
    name: str
    role: Role
    password_hash: str
    active: bool = True
    created_at: dt.datetime | None = None
