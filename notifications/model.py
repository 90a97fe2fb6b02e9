"""Records notifications take in (a change set with its documents) and give out (emails)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers.model import PolicyDocument, Status
from parsers.records import Cadence, ChangeSetKind, ChangeSetRecord, StoredChange, Subscriber
from parsers.titles import unwrap_title


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSetContext:
    """A change set with what rendering and routing need: both trees, page links, source."""

    change_set: ChangeSetRecord
    old: PolicyDocument | None = None
    new: PolicyDocument | None = None
    url: str | None = None  # the new version's page
    old_url: str | None = None  # the old version's page, when it differs
    source: str | None = None  # the source's name
    old_seen: dt.date | None = None  # when the old version was fetched (Asia/Shanghai)
    new_seen: dt.date | None = None  # when the new version was fetched (Asia/Shanghai)
    notice_url: str | None = None  # the notice page whose attachment the new version is
    final_url: str | None = None  # a draft's final, once stored: the consultation is over
    today: dt.date | None = None  # the day (Beijing) the email is composed, for the deadline

    @property
    def title(self) -> str:
        """The policy's name as the newest version gives it (an issuing notice's wrapper
        `关于印发《X》的通知` removed: clients know the policy as X)."""
        if self.new is not None and self.new.title:
            return unwrap_title(self.new.title)
        return self.change_set.document_title

    @property
    def deadline(self) -> dt.date | None:
        """The comment deadline of a draft for comment, else None."""
        if self.new is not None and self.new.status is Status.DRAFT:
            return self.new.comment_deadline
        return None

    @property
    def consultation_closed(self) -> bool:
        """A draft whose final is out, or whose comment deadline has passed: its email must
        not invite comments (it says the consultation has closed)."""
        if self.new is None or self.new.status is not Status.DRAFT:
            return False
        passed = self.deadline is not None and self.today is not None and self.deadline < self.today
        return self.final_url is not None or passed

    @property
    def open_for_comment(self) -> bool:
        """A draft with a comment deadline still ahead (or today)."""
        return self.deadline is not None and not self.consultation_closed

    @property
    def ocr(self) -> bool:
        """Either version's text was read by OCR: what is said of it may be a misreading."""
        return any(doc is not None and doc.ocr for doc in (self.old, self.new))

    @property
    def urgent(self) -> bool:
        """A new draft open for comment: always sent immediately."""
        return self.open_for_comment and (
            self.change_set.kind is ChangeSetKind.NEW_DOCUMENT or self.old is None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One subscriber to notify about one change set: how often, and which changes."""

    subscriber: Subscriber
    cadence: Cadence
    changes: tuple[StoredChange, ...]  # the visible changes this subscriber asked about
    topics: tuple[str, ...] = ()  # the topics and keywords that chose them (empty: everything)
    others: tuple[StoredChange, ...] = ()  # a topic subscriber's other visible changes


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedEmail:
    """A rendered email before it becomes a MIME message."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MailAttachment:
    """A file carried by an email (the 新旧条文对照表 DOCX)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingEmail:
    """A message ready for the wire: RFC 5322 bytes (ASCII, CRLF) and its envelope."""

    message_id: str
    subject: str  # decoded, for reports and logs
    to: str  # `name <address>`, for reports and logs
    recipients: tuple[str, ...]  # envelope RCPT TO
    raw: bytes
