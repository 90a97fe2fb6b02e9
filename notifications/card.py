"""The new-document card: what a reviewer (in the review UI) and a client (in the first email)
need to know about a document policywatch has just found, before any clause has changed.

Title, 文号, issuer, status; publication date, comment deadline, effective period; the outline
(sections or chapters with the number of clauses under each); the amounts and responsible units
the clauses name; links to the notice page and the document file; how to comment (the notice's
feedback channels); and where the consultation stands when the email is composed (open, its
deadline passed, or the final already out). Pure: built from a `ChangeSetContext`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from notifications.model import ChangeSetContext
from notifications.text import chinese_date, safe_url
from parsers.model import Clause, FeedbackChannel, PolicyDocument, Status

STATUS_LABELS = {
    Status.DRAFT: "征求意见稿",
    Status.FINAL: "正式稿",
    Status.UNKNOWN: "未标明",
    Status.EXPIRED: "已失效",
    Status.ABOLISHED: "已废止",
}
CHANNEL_LABELS = {"email": "电子邮件", "post": "信函", "online": "网上提交", "fax": "传真"}
MAX_AMOUNTS = 12  # figures listed on a card; the rest are counted
MAX_UNITS = 12
_FILE = re.compile(r"\.(?:docx?|pdf|wps|ofd)(?:$|\?)", re.IGNORECASE)
_LABEL_FORMATS = {
    "part": "第{}编",
    "chapter": "第{}章",
    "division": "第{}节",
    "article": "第{}条",
    "section": "{}、",
    "measure": "（{}）",
    "subitem": "（{}）",
    "item": "{}.",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OutlineEntry:
    """One top-level part of a document: `三、提升企业创新能力` and how many clauses it holds."""

    label: str
    heading: str
    clauses: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelView:
    """One way to comment, as a card shows it."""

    kind: str
    label: str  # 电子邮件 / 信函 / 网上提交 / 传真
    value: str
    href: str | None  # mailto: or http(s): link, when there is one
    postcode: str | None
    note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentCard:
    """Everything the new-document card shows (hashable: rendered once per email run)."""

    title: str
    doc_number: str | None
    issuer: str | None
    status: str
    published: str | None
    deadline: str | None
    effective: str | None
    clauses: int
    outline: tuple[OutlineEntry, ...]
    amounts: tuple[str, ...]  # `（九）50万元`
    more_amounts: int
    units: tuple[str, ...]
    more_units: int
    page_url: str | None  # the notice (or article) page
    file_url: str | None  # the document file (the notice's attachment)
    feedback: tuple[ChannelView, ...]
    consultation: str  # "open" | "closed" (deadline passed) | "final" (final out) | "none"
    final_url: str | None
    days_left: int | None  # days until the deadline, when open


def clause_name(clause: Clause) -> str:
    """A clause's label as the document writes it: `第三章`, `三、`, `（九）`."""
    return _LABEL_FORMATS.get(clause.kind, "{}").format(clause.label)


def outline(doc: PolicyDocument) -> tuple[OutlineEntry, ...]:
    """The top-level clauses with the number of clauses under each (empty for a flat list)."""
    if not any(c.children for c in doc.clauses):
        return ()
    return tuple(
        OutlineEntry(
            label=clause_name(c),
            heading=c.heading or _first_words(c.text),
            clauses=len(c.walk()) - 1,
        )
        for c in doc.clauses
    )


def _first_words(text: str) -> str:
    first = re.split(r"[。；;\n]", text, maxsplit=1)[0]
    return first[:24] + ("…" if len(first) > 24 else "")


def _amounts(doc: PolicyDocument) -> tuple[tuple[str, ...], int]:
    found: list[str] = []
    for clause in doc.walk():
        for amount in clause.amounts:
            if amount.unit in ("元", "美元", "港元", "%"):
                entry = f"{clause_name(clause)}{amount.text}"
                if entry not in found:
                    found.append(entry)
    return tuple(found[:MAX_AMOUNTS]), max(0, len(found) - MAX_AMOUNTS)


def _units(doc: PolicyDocument) -> tuple[tuple[str, ...], int]:
    counts: Counter[str] = Counter(u for c in doc.walk() for u in c.responsible_units)
    ranked = [unit for unit, _ in counts.most_common()]
    return tuple(ranked[:MAX_UNITS]), max(0, len(ranked) - MAX_UNITS)


def channel_view(channel: FeedbackChannel) -> ChannelView:
    """A feedback channel with its label and link."""
    href = None
    if channel.kind == "email":
        href = f"mailto:{channel.value}"
    elif channel.kind == "online":
        href = safe_url(channel.value)
    return ChannelView(
        kind=channel.kind,
        label=CHANNEL_LABELS.get(channel.kind, channel.kind),
        value=channel.value,
        href=href,
        postcode=channel.postcode,
        note=channel.note,
    )


def consultation(ctx: ChangeSetContext) -> str:
    """Where the draft's consultation stands: open, closed, final (out), or none."""
    if ctx.new is None or ctx.new.status is not Status.DRAFT:
        return "none"
    if ctx.final_url is not None:
        return "final"
    if ctx.consultation_closed:
        return "closed"
    return "open" if ctx.deadline is not None else "none"


def _links(ctx: ChangeSetContext) -> tuple[str | None, str | None]:
    """(page, file): the notice page and its attachment, or the document's own page."""
    url, notice = safe_url(ctx.url), safe_url(ctx.notice_url)
    if notice and notice != url:
        return notice, url
    if url and _FILE.search(url):
        return None, url
    return url, None


def document_card(ctx: ChangeSetContext) -> DocumentCard | None:
    """The card of the change set's new version (None without one)."""
    doc = ctx.new
    if doc is None:
        return None
    amounts, more_amounts = _amounts(doc)
    units, more_units = _units(doc)
    page_url, file_url = _links(ctx)
    state = consultation(ctx)
    days_left = None
    if state == "open" and ctx.deadline is not None and ctx.today is not None:
        days_left = (ctx.deadline - ctx.today).days
    return DocumentCard(
        title=ctx.title,
        doc_number=doc.doc_number,
        issuer=doc.issuer,
        status=STATUS_LABELS[doc.status],
        published=chinese_date(doc.published) if doc.published else None,
        deadline=chinese_date(doc.comment_deadline) if doc.comment_deadline else None,
        effective=doc.effective,
        clauses=len(doc.walk()),
        outline=outline(doc),
        amounts=amounts,
        more_amounts=more_amounts,
        units=units,
        more_units=more_units,
        page_url=page_url,
        file_url=file_url,
        feedback=tuple(channel_view(c) for c in doc.feedback),
        consultation=state,
        final_url=safe_url(ctx.final_url),
        days_left=days_left,
    )
