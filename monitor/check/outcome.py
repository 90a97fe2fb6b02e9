"""What a check did, by value: each item's check returns an `ItemOutcome`, a source's is their sum.

HTTP traffic (requests, 304s) is counted by the fetch side (`items.Traffic`), so a check that
stops half-way still reports the requests it made.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemOutcome:
    """What checking one item (a page, a notice with its attachments) brought."""

    new_documents: int = 0
    changed: int = 0  # change sets of kind CHANGED
    baselines: int = 0
    gone: int = 0  # items answering 404/410 (skipped, noted)
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __add__(self, other: ItemOutcome) -> ItemOutcome:
        return ItemOutcome(
            new_documents=self.new_documents + other.new_documents,
            changed=self.changed + other.changed,
            baselines=self.baselines + other.baselines,
            gone=self.gone + other.gone,
            errors=self.errors + other.errors,
            notes=self.notes + other.notes,
        )


NOTHING = ItemOutcome()


class Verdict(enum.StrEnum):
    """What `VersionWriter.store_version` decided for one parsed rendition."""

    NEW_DOCUMENT = "new_document"  # a document not seen before (with its change set)
    CHANGED = "changed"  # a new version of a known document (with its change set)
    BASELINE = "baseline"  # the first sight of a watched page (no change set)
    UNCHANGED = "unchanged"  # the same tree, another rendition of it, or formatting only
    HISTORY = "history"  # a draft found after its final: kept, never news


@dataclass(frozen=True, slots=True, kw_only=True)
class Stored:
    """The writer's decision and the change set it stored, if any."""

    verdict: Verdict
    change_set_id: int | None = None
    note: str | None = None

    def outcome(self) -> ItemOutcome:
        """The decision as an item outcome."""
        notes = (self.note,) if self.note else ()
        if self.verdict is Verdict.NEW_DOCUMENT:
            return ItemOutcome(new_documents=1, notes=notes)
        if self.verdict is Verdict.CHANGED:
            return ItemOutcome(changed=1, notes=notes)
        if self.verdict is Verdict.BASELINE:
            return ItemOutcome(baselines=1, notes=notes)
        return ItemOutcome(notes=notes)
