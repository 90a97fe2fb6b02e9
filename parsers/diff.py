"""Typed changes between two versions of a policy document.

`diff_documents(old, new)` aligns the clause trees (`parsers.align`), then types each pair:
`modified` only when the words changed (canonical text, responsible units), `renumbered` when
the number changed, `moved` when the matched parent differs; unmatched clauses are `added` or
`removed`. Field detail (figures, units, dates), a redline and a one-line Chinese summary
come with each change. Document-level fields (title, status, 文号, effective) are compared too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parsers.align import Alignment, Node, bigrams, canonical, display_text, folded
from parsers.edits import NO_COHESION, Cohesion
from parsers.flows import grams
from parsers.model import (
    Amount,
    AmountChange,
    ChangeKind,
    Clause,
    ClauseChange,
    ClauseRef,
    DocumentChange,
    DocumentDiff,
    PolicyDocument,
)
from parsers.pairing import align
from parsers.redline import Budget, Comparison, changed, compare, figure_replacements, figure_value
from parsers.summary import (
    ChangeFacts,
    describe_change,
    label_text,
    summarize_document_change,
)
from parsers.titles import policy_title

_DOC_FIELDS = ("title", "status", "doc_number", "effective")
# The comparison caches pay off within one diff, where each clause text is compared many
# times; across diffs they only fill up: in a daemon's reading worker about 80 KB a change set,
# towards some 300 MB when all three are full (bench/bench_soak.py). Emptied after each diff.
_PER_DIFF_CACHES = (canonical, folded, bigrams, grams)


def diff_documents(old: PolicyDocument, new: PolicyDocument) -> DocumentDiff:
    """Everything that changed from `old` to `new`, in the new document's order."""
    try:
        return DocumentDiff(
            document_changes=document_changes(old, new),
            changes=diff_clauses(old.clauses, new.clauses),
        )
    finally:
        for cache in _PER_DIFF_CACHES:
            cache.cache_clear()


def document_changes(old: PolicyDocument, new: PolicyDocument) -> tuple[DocumentChange, ...]:
    """Changes of the title, status, 文号 and effective period."""
    out: list[DocumentChange] = []
    for name in _DOC_FIELDS:
        before, after = _field(old, name), _field(new, name)
        if _comparable(name, before) != _comparable(name, after):
            summary = summarize_document_change(name, before, after)
            out.append(DocumentChange(field=name, old=before, new=after, summary=summary))
    return tuple(out)


def _comparable(name: str, value: str | None) -> str:
    """Canonical value; titles compare as the policy they name (`policy_title`): the
    wrapper of an issuing notice and a draft marker are not title changes (status is)."""
    if name == "title" and value:
        value = policy_title(value)
    return canonical(value)


def _field(doc: PolicyDocument, name: str) -> str | None:
    value = getattr(doc, name)
    if value is None:
        return None
    return str(value.value) if name == "status" else str(value)


def diff_clauses(old: tuple[Clause, ...], new: tuple[Clause, ...]) -> tuple[ClauseChange, ...]:
    """Typed changes between two clause trees, unchanged clauses left out."""
    ctx = _Context(align(old, new))
    alignment = ctx.alignment
    keyed: list[tuple[tuple[float, int], ClauseChange]] = []
    for o in alignment.old:
        if o.index in alignment.merged:
            continue  # a part of the change of the clause it went into
        pair = alignment.pairs.get(o.index)
        if pair is None:
            if _within_whole(alignment.old, o, alignment.is_free_old):
                continue  # an item of a removed article: in the article's removal
            change: ClauseChange | None = ctx.change((ChangeKind.REMOVED,), o, None)
        else:
            change = ctx.paired(o, alignment.new[pair])
        if change is not None:
            keyed.append(((_position(alignment, o.index), 1), change))
    for node in alignment.free_new():
        if not _within_whole(alignment.new, node, alignment.is_free_new):
            keyed.append(((float(node.index), 0), ctx.change((ChangeKind.ADDED,), None, node)))
    keyed.sort(key=lambda item: item[0])
    return tuple(change for _, change in keyed)


def _within_whole(nodes: list[Node], node: Node, free: Callable[[int], bool]) -> bool:
    """Whether `node` is an item (or paragraph, subitem) of a clause added or removed whole
    with it: an article, measure or item, not a chapter or section. Amendment decisions say
    `删除第九条` once, not once more for each of its six items; the article's change carries
    their text. A chapter's articles stay changes of their own."""
    if node.parent is None:
        return False
    parent = nodes[node.parent]
    return not parent.container and free(parent.index)


def _whole_text(nodes: list[Node], node: Node, free: Callable[[int], bool]) -> str:
    """What a reader sees of a clause added or removed whole: its own text and those of its
    descendants added or removed with it, each after its label (（一）…; one paired
    elsewhere is a change of its own)."""
    parts = [display_text(node.clause)]
    subtree, whole = {node.index}, {node.index}
    for index in range(node.index + 1, len(nodes)):
        other = nodes[index]
        if other.parent not in subtree:
            break  # document order: the clause's descendants come right after it
        subtree.add(index)
        if other.parent in whole and free(index):
            whole.add(index)
            parts.append(label_text(other.clause) + display_text(other.clause))
    return "\n".join(p for p in parts if p)


def _position(alignment: Alignment, old_index: int) -> float:
    """Where an old clause sits in the new order: its match, or just after its predecessor's."""
    if old_index in alignment.pairs:
        return float(alignment.pairs[old_index])
    for prev in range(old_index - 1, -1, -1):
        if prev in alignment.pairs:
            return alignment.pairs[prev] + 0.5
    return -0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class _Fields:
    amounts: tuple[AmountChange, ...]
    units_added: tuple[str, ...]
    units_removed: tuple[str, ...]
    dates_changed: tuple[tuple[str | None, str | None], ...]


_NO_FIELDS = _Fields(amounts=(), units_added=(), units_removed=(), dates_changed=())


@dataclass(frozen=True, slots=True, kw_only=True)
class _Flows:
    """The clauses a change's text went to or came from (see `ClauseChange`)."""

    parts: tuple[ClauseRef, ...] = ()
    passages_to: tuple[ClauseRef, ...] = ()
    passages_from: tuple[ClauseRef, ...] = ()


_NO_FLOWS = _Flows()
_NO_TEXT = Comparison(ops=(), spans=())


class _Context:
    """What typing the changes of one diff shares: the alignment, the article renumbering
    (references that follow it are not wording changes) and one diff-match-patch budget."""

    def __init__(self, alignment: Alignment) -> None:
        self.alignment = alignment
        self._cohesion: Cohesion | None = None
        self.budget = Budget()
        self.renumbering = _renumbering(alignment)
        self.merged_into: dict[int, list[int]] = {}  # new -> the old clauses merged into it
        for o_index, n_index in sorted(alignment.merged.items()):
            self.merged_into.setdefault(n_index, []).append(o_index)
        self.split_into: dict[int, set[int]] = {}  # old -> the new clauses split off it
        for n_index, o_index in alignment.split_off.items():
            self.split_into.setdefault(o_index, set()).add(n_index)
        # passages into the successor of another clause: old -> news, and new -> olds
        self.passages_to = {o: sorted(news) for o, news in alignment.partial.items()}
        self.passages_from: dict[int, list[int]] = {}
        for o_index, news in sorted(alignment.partial.items()):
            for n_index in news:
                self.passages_from.setdefault(n_index, []).append(o_index)

    def paired(self, o: Node, n: Node) -> ClauseChange | None:
        """The change of a paired clause, or None when it did not change."""
        old, new = o.clause, n.clause
        text = _NO_TEXT
        fields = _NO_FIELDS  # same words and units: no figure, unit or date can differ
        if o.content != n.content or _units_changed(old, new):
            text = compare(display_text(old), display_text(new), self.budget)
            fields = _fields(old, new, text.ops)
        kinds: list[ChangeKind] = []
        words = o.content != n.content and changed(text.ops)
        if words or fields.units_added or fields.units_removed:
            kinds.append(ChangeKind.MODIFIED)
        if self.alignment.parent_moved(o.index, n.index):
            kinds.append(ChangeKind.MOVED)
        if _renumbered(old, new):
            kinds.append(ChangeKind.RENUMBERED)
        flow, parts = self.parts(o, n)
        to, came = self.passages_to.get(o.index), self.passages_from.get(n.index)
        passages_to = tuple(ref(self.alignment.new[i].clause) for i in to) if to else ()
        passages_from = tuple(ref(self.alignment.old[i].clause) for i in came) if came else ()
        if flow is not None:
            kinds.append(flow)
        if passages_to and ChangeKind.SPLIT not in kinds:
            kinds.append(ChangeKind.SPLIT)  # its text went to several new clauses
        if passages_from and ChangeKind.MERGED not in kinds:
            kinds.append(ChangeKind.MERGED)  # ...or came from several old ones
        if not kinds:
            return None
        if ChangeKind.MODIFIED not in kinds:
            text, fields = _NO_TEXT, _NO_FIELDS
        flows = _Flows(parts=parts, passages_to=passages_to, passages_from=passages_from)
        return self.change(tuple(kinds), o, n, text, fields, flows)

    def cohesion(self) -> Cohesion:
        """Which characters go together in the clauses that changed (built on first use;
        the unchanged ones are not quoted, and a document is mostly unchanged ones)."""
        if self._cohesion is None:
            alignment = self.alignment
            texts = [
                text
                for o, n in alignment.pairs.items()
                if alignment.old[o].content != alignment.new[n].content
                for text in (alignment.old[o].content, alignment.new[n].content)
            ]
            self._cohesion = Cohesion(t for t in texts if t)
        return self._cohesion

    def parts(self, o: Node, n: Node) -> tuple[ChangeKind | None, tuple[ClauseRef, ...]]:
        """A merge (the other old clauses that went into `n`) or a split (the other new
        clauses split off `o`), or `(None, ())`."""
        alignment = self.alignment
        merged = self.merged_into.get(n.index)
        if merged:
            return ChangeKind.MERGED, tuple(ref(alignment.old[i].clause) for i in merged)
        split = self.split_into.get(o.index)
        if split:
            return ChangeKind.SPLIT, tuple(ref(alignment.new[i].clause) for i in sorted(split))
        return None, ()

    def change(
        self,
        kinds: tuple[ChangeKind, ...],
        o: Node | None,
        n: Node | None,
        text: Comparison = _NO_TEXT,
        fields: _Fields = _NO_FIELDS,
        flows: _Flows | None = None,
    ) -> ClauseChange:
        """A change record with its summary and edits."""
        flows = flows or _NO_FLOWS
        alignment = self.alignment
        if ChangeKind.REMOVED in kinds and o is not None:
            old_text = _whole_text(alignment.old, o, alignment.is_free_old)
        else:
            old_text = display_text(o.clause) if o else ""
        if ChangeKind.ADDED in kinds and n is not None:
            new_text = _whole_text(alignment.new, n, alignment.is_free_new)
        else:
            new_text = display_text(n.clause) if n else ""
        facts = ChangeFacts(
            kinds=kinds,
            old=o.clause if o else None,
            new=n.clause if n else None,
            old_parent=_parent(self.alignment.old, o),
            new_parent=_parent(self.alignment.new, n),
            amounts=fields.amounts,
            units_added=fields.units_added,
            units_removed=fields.units_removed,
            dates_changed=fields.dates_changed,
            redline=text.ops,
            parts=flows.parts,
            passages_to=flows.passages_to,
            passages_from=flows.passages_from,
            old_text=old_text,
            new_text=new_text,
            spans=text.spans,
            renumbering=self.renumbering,
            cohesion=self.cohesion() if ChangeKind.MODIFIED in kinds else NO_COHESION,
        )
        summary, edits = describe_change(facts)
        return ClauseChange(
            kinds=kinds,
            old=ref(o.clause) if o else None,
            new=ref(n.clause) if n else None,
            summary=summary,
            amounts=fields.amounts,
            units_added=fields.units_added,
            units_removed=fields.units_removed,
            dates_changed=fields.dates_changed,
            redline=text.ops,
            old_text=old_text,
            new_text=new_text,
            section=bool(o and o.has_children or n and n.has_children),
            parts=flows.parts,
            edits=edits,
            passages_to=flows.passages_to,
            passages_from=flows.passages_from,
        )


def _renumbering(alignment: Alignment) -> dict[int, int]:
    """Old article number -> new article number, for paired and merged articles."""
    out: dict[int, int] = {}
    targets = {**alignment.pairs, **alignment.merged}
    for o_index, n_index in targets.items():
        old, new = alignment.old[o_index].clause, alignment.new[n_index].clause
        if old.kind == new.kind == "article" and old.number and new.number:
            out[old.number] = new.number
    return out


def _units_key(clause: Clause) -> set[str]:
    return {canonical(u) for u in clause.responsible_units}


def _units_changed(old: Clause, new: Clause) -> bool:
    """Whether the responsible units differ once canonical (most clauses keep them as written)."""
    if old.responsible_units == new.responsible_units:
        return False
    return _units_key(old) != _units_key(new)


def _renumbered(old: Clause, new: Clause) -> bool:
    if old.number is not None and new.number is not None:
        return old.number != new.number
    return canonical(old.label) != canonical(new.label)


def _parent(nodes: list[Node], node: Node | None) -> Clause | None:
    if node is None or node.parent is None:
        return None
    return nodes[node.parent].clause


def ref(clause: Clause) -> ClauseRef:
    """The `{"path", "label", "number", "heading", "kind"}` reference of a clause."""
    return ClauseRef(
        path=clause.path,
        label=clause.label,
        number=clause.number,
        heading=clause.heading,
        kind=clause.kind,
    )


def _fields(old: Clause, new: Clause, ops: tuple[tuple[int, str], ...]) -> _Fields:
    old_units = {canonical(u): u for u in old.responsible_units}
    new_units = {canonical(u): u for u in new.responsible_units}
    return _Fields(
        amounts=tuple(
            AmountChange(old=_amount(old, a), new=_amount(new, b))
            for a, b in figure_replacements(ops)
            if not (_is_date_part(a) or _is_date_part(b))
        ),
        units_added=tuple(u for k, u in new_units.items() if k not in old_units),
        units_removed=tuple(u for k, u in old_units.items() if k not in new_units),
        dates_changed=_dates(old.dates, new.dates),
    )


def _is_date_part(figure: str | None) -> bool:
    """`2023年`, `1月`, `1日` are parts of dates, reported as dates, not as amounts."""
    if figure is None:
        return False
    value, unit = figure_value(figure)
    return unit in ("月", "日") or (unit == "年" and 1900 <= value <= 2100)


def _amount(clause: Clause, text: str | None) -> Amount | None:
    """The parser's amount for a figure as written, else one read from the figure."""
    if text is None:
        return None
    for amount in clause.amounts:
        if canonical(amount.text) == canonical(text):
            return amount
    value, unit = figure_value(text)
    return Amount(text=text, value=value, unit=unit)


def _dates(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[tuple[str | None, str | None], ...]:
    gone = [d for d in old if d not in new]
    came = [d for d in new if d not in old]
    pairs: list[tuple[str | None, str | None]] = list(zip(gone, came, strict=False))
    pairs.extend((d, None) for d in gone[len(came) :])
    pairs.extend((None, d) for d in came[len(gone) :])
    return tuple(pairs)
