"""Records for parsed documents and their differences.

Every stage of policywatch passes these frozen dataclasses (never dicts): the parser
produces a `PolicyDocument` holding a tree of `Clause`; the differ turns two documents into a
`DocumentDiff` of `ClauseChange` and `DocumentChange`. `to_json`/`from_json` helpers give the
stable JSON shapes documented in the README (`parse --json`, `diff --json`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# What every rendering of a text read by OCR (`PolicyDocument.ocr`) says, in the review UI,
# emails, chat messages, deliverables and `policywatch parse`: never present it as certain.
OCR_CAUTION = "本文本由OCR识别，可能有误，请以原文为准"


class Status(StrEnum):
    """Lifecycle status of one version of a policy document."""

    DRAFT = "draft"
    FINAL = "final"
    UNKNOWN = "unknown"
    EXPIRED = "expired"  # set by the monitor from a feed's is_expired flag
    ABOLISHED = "abolished"  # set by the monitor from a feed's is_abolished flag


class ChangeKind(StrEnum):
    """What happened to one clause between two versions."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    MOVED = "moved"
    RENUMBERED = "renumbered"
    SPLIT = "split"  # one old clause -> several new ones (the others are the change's `parts`)
    MERGED = "merged"  # several old clauses -> one new one (the others are its `parts`)

    @property
    def label_zh(self) -> str:
        """The name clients and reviewers read (Simplified Chinese)."""
        return _KIND_ZH[self]


_KIND_ZH = {
    ChangeKind.ADDED: "新增",
    ChangeKind.REMOVED: "删除",
    ChangeKind.MODIFIED: "修改",
    ChangeKind.MOVED: "移动",
    ChangeKind.RENUMBERED: "调整序号",
    ChangeKind.SPLIT: "拆分",
    ChangeKind.MERGED: "合并",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Amount:
    """A figure found in a clause: `30万元` -> value 300000, unit `元`."""

    text: str
    value: float
    unit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """One numbered clause (section, chapter, article, measure, item) and its children."""

    kind: str  # "part" | "chapter" | "section" | "article" | "measure" | "item" | "subitem"...
    label: str  # the numeral as written without decoration: "九", "3", "①"
    number: int | None  # integer value of the label: 九 -> 9
    level: int  # depth in the tree, 1 for top-level clauses
    path: tuple[str, ...]  # labels from the root: ("三", "九")
    heading: str | None  # "激发创新活力" for "（九）激发创新活力。…"
    text: str  # the clause's own text (normalised), without its label and children
    responsible_units: tuple[str, ...] = ()
    amounts: tuple[Amount, ...] = ()
    dates: tuple[str, ...] = ()
    children: tuple[Clause, ...] = ()

    def walk(self) -> tuple[Clause, ...]:
        """This clause and all its descendants, in document order."""
        out: list[Clause] = [self]
        for child in self.children:
            out.extend(child.walk())
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackChannel:
    """One way to comment on a draft, as its notice gives it (see `parsers.feedback`)."""

    kind: str  # "email" | "post" | "online" | "fax"
    value: str  # the address, postal address, URL (or platform name), fax number
    postcode: str | None = None  # post: 邮编
    note: str | None = None  # what to write on it (邮件标题请注明“…”字样), or the platform name


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDocument:
    """One parsed rendition of a policy: document-level fields plus the clause tree."""

    title: str | None
    status: Status
    doc_number: str | None = None  # 文号, e.g. 深工信规〔2022〕9号
    issuer: str | None = None
    published: dt.date | None = None
    comment_deadline: dt.date | None = None
    effective: str | None = None  # "自2023年1月1日起施行，有效期五年"
    preamble: str = ""  # unnumbered text before the first clause
    closing: str = ""  # unnumbered text after the last clause (signature, commentary)
    contents: tuple[int, int] | None = None  # [start, end) of a 目录 left out of the tree
    clauses: tuple[Clause, ...] = ()
    parser_version: str = ""
    extractor: str = ""  # who read the text: see `Extracted.extractor`
    ocr: bool = False  # True when (some of) the text came from OCR: it may hold misreadings
    feedback: tuple[FeedbackChannel, ...] = ()  # how to comment (drafts for comment)

    def walk(self) -> tuple[Clause, ...]:
        """Every clause of the tree in document order."""
        out: list[Clause] = []
        for clause in self.clauses:
            out.extend(clause.walk())
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file linked from a page: absolute URL (when the page URL is known) and file name."""

    url: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Extracted:
    """The body of one rendition, before structure: normalised text plus page metadata."""

    title: str | None
    text: str  # normalised body text, page furniture stripped, one paragraph per line
    attachments: tuple[Attachment, ...] = ()
    published: dt.date | None = None
    is_notice: bool = False  # a consultation/issuing notice whose own body has no measures
    encoding: str | None = None
    doc_number: str | None = None  # from page metadata (gkmlpt, postmeta), when given
    issuer: str | None = None  # from page metadata, when given
    # who read the text: "html" (a known template), "html:body_selector", "html:clauses" (the
    # element holding the numbered clauses), "html:trafilatura", "html:body", "gkmlpt", "postmeta", "text", "docx", "libreoffice+docx" (.doc/.wps/.rtf),
    # "ofd", "pdf", "pdf+ocr" (some pages OCRed), "ocr" (every page OCRed)
    extractor: str = ""
    ocr: bool = False  # True when (some of) the text came from OCR


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentFields:
    """Document-level fields read from the text alone (see `parsers.document_fields`)."""

    title: str | None
    status: Status
    doc_number: str | None = None
    issuer: str | None = None
    published: dt.date | None = None
    comment_deadline: dt.date | None = None
    effective: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClauseRef:
    """How a change names a clause on one side: the keys of `parse --json`, and its kind
    (`chapter`, `article`, `measure`, ...: a label `三` alone does not say which)."""

    path: tuple[str, ...]
    label: str
    number: int | None
    heading: str | None
    kind: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AmountChange:
    """One changed figure: old and new as written and as values (None when absent)."""

    old: Amount | None
    new: Amount | None


class EditOp(StrEnum):
    """What one edit of a modified clause does."""

    REPLACE = "replace"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """One edit of a clause's text, as an amendment decision words it: `old` (a passage of the
    old text) becomes `new` (a passage of the new text); `after` is the old text just before
    it, enough to place it. `count` > 1: the same substitution made that many times."""

    op: EditOp
    old: str
    new: str
    after: str
    count: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ClauseChange:
    """A typed change of one clause between two versions."""

    kinds: tuple[ChangeKind, ...]
    old: ClauseRef | None
    new: ClauseRef | None
    summary: str
    amounts: tuple[AmountChange, ...] = ()
    units_added: tuple[str, ...] = ()
    units_removed: tuple[str, ...] = ()
    dates_changed: tuple[tuple[str | None, str | None], ...] = ()
    redline: tuple[tuple[int, str], ...] = ()  # diff-match-patch ops: -1 delete, 0 keep, 1 insert
    old_text: str = ""
    new_text: str = ""
    section: bool = False  # True when the clause has children (a section heading)
    # split: the other new clauses made from `old`; merged: the other old clauses in `new`
    parts: tuple[ClauseRef, ...] = ()
    edits: tuple[Edit, ...] = ()  # the edits of a modified clause, in order (see `Edit`)
    # a passage of `old` went into these new clauses, each the successor of another old one
    passages_to: tuple[ClauseRef, ...] = ()
    # ...and `new` took a passage of each of these old clauses (each with its own successor)
    passages_from: tuple[ClauseRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentChange:
    """A change of a document-level field: title, status, doc_number, effective, ..."""

    field: str
    old: str | None
    new: str | None
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentDiff:
    """Everything that differs between two versions, in document order."""

    document_changes: tuple[DocumentChange, ...] = ()
    changes: tuple[ClauseChange, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not self.document_changes and not self.changes


# --- JSON shapes (stable: other tools read them) ------------------------------------------


def amount_to_json(amount: Amount) -> dict[str, Any]:
    """`{"text", "value", "unit"}`."""
    return {"text": amount.text, "value": amount.value, "unit": amount.unit}


def amount_from_json(data: dict[str, Any]) -> Amount:
    """Inverse of `amount_to_json`."""
    return Amount(text=str(data["text"]), value=float(data["value"]), unit=str(data["unit"]))


def clause_to_json(clause: Clause) -> dict[str, Any]:
    """The `parse --json` clause shape (with `kind` and `dates` as extras)."""
    return {
        "path": list(clause.path),
        "label": clause.label,
        "number": clause.number,
        "heading": clause.heading,
        "text": clause.text,
        "level": clause.level,
        "kind": clause.kind,
        "responsible_units": list(clause.responsible_units),
        "amounts": [amount_to_json(a) for a in clause.amounts],
        "dates": list(clause.dates),
        "children": [clause_to_json(c) for c in clause.children],
    }


def clause_from_json(data: dict[str, Any]) -> Clause:
    """Inverse of `clause_to_json`."""
    return Clause(
        kind=str(data.get("kind", "")),
        label=str(data["label"]),
        number=data.get("number"),
        level=int(data["level"]),
        path=tuple(data["path"]),
        heading=data.get("heading"),
        text=str(data.get("text", "")),
        responsible_units=tuple(data.get("responsible_units", ())),
        amounts=tuple(amount_from_json(a) for a in data.get("amounts", ())),
        dates=tuple(data.get("dates", ())),
        children=tuple(clause_from_json(c) for c in data.get("children", ())),
    )


def _date_or_none(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _span_or_none(value: Any) -> tuple[int, int] | None:
    return (int(value[0]), int(value[1])) if value else None


def document_fields_json(doc: PolicyDocument) -> dict[str, Any]:
    """Document-level fields of `parse --json` (everything but the clauses)."""
    return {
        "title": doc.title,
        "status": doc.status.value,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "published": doc.published.isoformat() if doc.published else None,
        "comment_deadline": doc.comment_deadline.isoformat() if doc.comment_deadline else None,
        "effective": doc.effective,
        "feedback": [feedback_to_json(f) for f in doc.feedback],
    }


def feedback_to_json(channel: FeedbackChannel) -> dict[str, Any]:
    """`{"kind", "value", "postcode", "note"}`."""
    return {
        "kind": channel.kind,
        "value": channel.value,
        "postcode": channel.postcode,
        "note": channel.note,
    }


def feedback_from_json(data: dict[str, Any]) -> FeedbackChannel:
    """Inverse of `feedback_to_json`."""
    return FeedbackChannel(
        kind=str(data["kind"]),
        value=str(data["value"]),
        postcode=data.get("postcode"),
        note=data.get("note"),
    )


def document_to_json(doc: PolicyDocument) -> dict[str, Any]:
    """The full `parse --json` shape, plus `preamble`, `closing`, `contents` (the span of a
    目录 left out of the tree, as `[start, end)` offsets of the extracted text),
    `parser_version`, `extractor` (who read the text) and `ocr`."""
    out = document_fields_json(doc)
    out["preamble"] = doc.preamble
    out["closing"] = doc.closing
    out["contents"] = list(doc.contents) if doc.contents else None
    out["parser_version"] = doc.parser_version
    out["extractor"] = doc.extractor
    out["ocr"] = doc.ocr
    out["clauses"] = [clause_to_json(c) for c in doc.clauses]
    return out


def document_from_json(data: dict[str, Any]) -> PolicyDocument:
    """Inverse of `document_to_json`."""
    return PolicyDocument(
        title=data.get("title"),
        status=Status(data.get("status", "unknown")),
        doc_number=data.get("doc_number"),
        issuer=data.get("issuer"),
        published=_date_or_none(data.get("published")),
        comment_deadline=_date_or_none(data.get("comment_deadline")),
        effective=data.get("effective"),
        preamble=str(data.get("preamble", "")),
        closing=str(data.get("closing", "")),
        contents=_span_or_none(data.get("contents")),
        parser_version=str(data.get("parser_version", "")),
        extractor=str(data.get("extractor", "")),
        ocr=bool(data.get("ocr", False)),
        clauses=tuple(clause_from_json(c) for c in data.get("clauses", ())),
        feedback=tuple(feedback_from_json(f) for f in data.get("feedback", ())),
    )


def ref_to_json(ref: ClauseRef | None) -> dict[str, Any] | None:
    """`{"path", "label", "number", "heading", "kind"}` or None."""
    if ref is None:
        return None
    return {
        "path": list(ref.path),
        "label": ref.label,
        "number": ref.number,
        "heading": ref.heading,
        "kind": ref.kind,
    }


def ref_from_json(data: dict[str, Any] | None) -> ClauseRef | None:
    """Inverse of `ref_to_json`."""
    if data is None:
        return None
    return ClauseRef(
        path=tuple(data["path"]),
        label=data["label"],
        number=data["number"],
        heading=data["heading"],
        kind=str(data.get("kind") or ""),
    )


def change_to_json(change: ClauseChange) -> dict[str, Any]:
    """The `diff --json` change shape (plus texts, dates and `section` as extras)."""
    return {
        "kinds": [k.value for k in change.kinds],
        "old": ref_to_json(change.old),
        "new": ref_to_json(change.new),
        "summary": change.summary,
        "amounts": [
            {
                "old": amount_to_json(a.old) if a.old else None,
                "new": amount_to_json(a.new) if a.new else None,
            }
            for a in change.amounts
        ],
        "units_added": list(change.units_added),
        "units_removed": list(change.units_removed),
        "dates_changed": [list(d) for d in change.dates_changed],
        "redline": [[op, text] for op, text in change.redline],
        "old_text": change.old_text,
        "new_text": change.new_text,
        "section": change.section,
        "parts": [ref_to_json(p) for p in change.parts],
        "edits": [edit_to_json(e) for e in change.edits],
        "passages_to": [ref_to_json(p) for p in change.passages_to],
        "passages_from": [ref_to_json(p) for p in change.passages_from],
    }


def edit_to_json(edit: Edit) -> dict[str, Any]:
    """`{"op", "old", "new", "after", "count"}`."""
    return {
        "op": edit.op.value,
        "old": edit.old,
        "new": edit.new,
        "after": edit.after,
        "count": edit.count,
    }


def edit_from_json(data: dict[str, Any]) -> Edit:
    """Inverse of `edit_to_json`."""
    return Edit(
        op=EditOp(data["op"]),
        old=str(data.get("old", "")),
        new=str(data.get("new", "")),
        after=str(data.get("after", "")),
        count=int(data.get("count", 1)),
    )


def change_from_json(data: dict[str, Any]) -> ClauseChange:
    """Inverse of `change_to_json`."""
    return ClauseChange(
        kinds=tuple(ChangeKind(k) for k in data["kinds"]),
        old=ref_from_json(data.get("old")),
        new=ref_from_json(data.get("new")),
        summary=str(data.get("summary", "")),
        amounts=tuple(
            AmountChange(
                old=amount_from_json(a["old"]) if a.get("old") else None,
                new=amount_from_json(a["new"]) if a.get("new") else None,
            )
            for a in data.get("amounts", ())
        ),
        units_added=tuple(data.get("units_added", ())),
        units_removed=tuple(data.get("units_removed", ())),
        dates_changed=tuple((d[0], d[1]) for d in data.get("dates_changed", ())),
        redline=tuple((int(op), str(text)) for op, text in data.get("redline", ())),
        old_text=str(data.get("old_text", "")),
        new_text=str(data.get("new_text", "")),
        section=bool(data.get("section", False)),
        parts=_refs(data.get("parts", ())),
        edits=tuple(edit_from_json(e) for e in data.get("edits", ())),
        passages_to=_refs(data.get("passages_to", ())),
        passages_from=_refs(data.get("passages_from", ())),
    )


def _refs(data: Any) -> tuple[ClauseRef, ...]:
    return tuple(r for r in (ref_from_json(p) for p in data) if r)


def doc_change_to_json(change: DocumentChange) -> dict[str, Any]:
    """`{"field", "old", "new", "summary"}`."""
    return {"field": change.field, "old": change.old, "new": change.new, "summary": change.summary}


def doc_change_from_json(data: dict[str, Any]) -> DocumentChange:
    """Inverse of `doc_change_to_json`."""
    return DocumentChange(
        field=data["field"], old=data.get("old"), new=data.get("new"), summary=data["summary"]
    )
