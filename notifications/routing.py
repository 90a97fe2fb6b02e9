"""Which subscribers hear about a change set, and about which of its changes (pure).

A subscription matches a change set when its document and source filters allow it and at
least one visible change matches its topics or keywords (no topics and no keywords: every
change). Matching is forgiving: the topic `企业融资` matches a change inside the section
`二、拓宽企业融资渠道` because it is contained in that heading (white space and punctuation
ignored). A subscriber with several subscriptions gets one route with the union of changes and
the most frequent cadence; a new draft for comment with a deadline is always immediate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from notifications.model import ChangeSetContext, Route
from parsers.model import ChangeKind, Clause, ClauseChange, ClauseRef, PolicyDocument
from parsers.records import Cadence, StoredChange, Subscriber, Subscription

# Punctuation and spaces ignored when matching topics (full- and half-width).
_NOISE_RE = re.compile(r"[\s、，,。.：:；;（）()《》<>“”\"'‘’·\-_/]+")
_CADENCE_ORDER = (Cadence.IMMEDIATE, Cadence.DAILY, Cadence.WEEKLY)


def normalise(text: str) -> str:
    """Text as compared by topic matching: no spaces or punctuation, lower case."""
    return _NOISE_RE.sub("", text).lower()


def severity(change: ClauseChange) -> int:
    """3: added/removed or figures/units/dates changed; 2: reworded; 1: moved/renumbered only."""
    kinds = set(change.kinds)
    if kinds & {ChangeKind.ADDED, ChangeKind.REMOVED}:
        return 3
    if change.amounts or change.units_added or change.units_removed or change.dates_changed:
        return 3
    return 2 if ChangeKind.MODIFIED in kinds else 1


def _ancestors(doc: PolicyDocument | None, ref: ClauseRef | None) -> list[Clause]:
    """The clauses along `ref.path` in `doc`, outermost first (the clause itself last)."""
    if doc is None or ref is None:
        return []
    found: list[Clause] = []
    level: Sequence[Clause] = doc.clauses
    for label in ref.path:
        clause = next((c for c in level if c.label == label), None)
        if clause is None:
            break
        found.append(clause)
        level = clause.children
    return found


def change_haystack(ctx: ChangeSetContext, change: ClauseChange) -> str:
    """Headings of the change's sections and clause, its texts and summary, normalised."""
    parts = [change.summary, change.old_text, change.new_text]
    for ref, doc in ((change.old, ctx.old), (change.new, ctx.new)):
        if ref is not None:
            parts.append(ref.heading or "")
        found = _ancestors(doc, ref)
        parts.extend(c.heading or "" for c in found)
        if found and ref is not None and found[-1].path == ref.path:
            parts.append(found[-1].text)
    return normalise("\n".join(parts))


def _document_haystack(ctx: ChangeSetContext) -> str:
    parts = [ctx.title]
    if ctx.new is not None:
        parts.extend(f"{c.heading or ''}\n{c.text}" for c in ctx.new.walk())
    return normalise("\n".join(parts))


def _allowed(ctx: ChangeSetContext, sub: Subscription) -> bool:
    if sub.documents and ctx.change_set.document_id not in sub.documents:
        return False
    return not (sub.sources and ctx.source not in sub.sources)


def _terms(sub: Subscription) -> list[str]:
    return [t for t in (normalise(x) for x in (*sub.topics, *sub.keywords)) if t]


def matching_changes(
    ctx: ChangeSetContext, subscription: Subscription
) -> tuple[StoredChange, ...] | None:
    """The visible changes `subscription` asks about; None when it does not match at all."""
    if not _allowed(ctx, subscription):
        return None
    visible = ctx.change_set.visible_changes
    terms = _terms(subscription)
    title = normalise(ctx.title)
    keyword_in_title = any(normalise(k) in title for k in subscription.keywords if normalise(k))
    if not visible or _status_changed(ctx):
        # A new document, a status event or a draft made final: concerns every reader whose
        # topics the document covers, even when none of the changed clauses is about them.
        haystack = _document_haystack(ctx)
        if terms and not any(t in haystack for t in terms):
            return None
        if not visible:
            return ()
    chosen = tuple(
        s
        for s in visible
        if severity(s.change) >= subscription.min_severity
        and (
            not terms or keyword_in_title or any(t in change_haystack(ctx, s.change) for t in terms)
        )
    )
    return chosen if chosen or _status_changed(ctx) else None


def _status_changed(ctx: ChangeSetContext) -> bool:
    return any(d.field == "status" for d in ctx.change_set.diff.document_changes)


def _merge(found: Iterable[StoredChange]) -> tuple[StoredChange, ...]:
    by_position = {s.position: s for s in found}
    return tuple(by_position[p] for p in sorted(by_position))


def route_subscriber(
    ctx: ChangeSetContext, subscriber: Subscriber, subscriptions: Sequence[Subscription]
) -> Route | None:
    """The route of one subscriber (any of their subscriptions may match), or None."""
    if not subscriber.active:
        return None
    matched = [(s, matching_changes(ctx, s)) for s in subscriptions]
    hits = [(s, found) for s, found in matched if found is not None]
    if not hits:
        return None
    cadence = min((s.cadence for s, _ in hits), key=_CADENCE_ORDER.index)
    if ctx.urgent:
        cadence = Cadence.IMMEDIATE
    changes = _merge(c for _, found in hits for c in found)
    if any(not _terms(s) for s, _ in hits):  # one subscription asks for everything
        return Route(subscriber=subscriber, cadence=cadence, changes=changes)
    topics = tuple(dict.fromkeys(t for s, _ in hits for t in (*s.topics, *s.keywords) if t))
    chosen = {c.position for c in changes}
    others = tuple(s for s in ctx.change_set.visible_changes if s.position not in chosen)
    return Route(
        subscriber=subscriber, cadence=cadence, changes=changes, topics=topics, others=others
    )


def route(
    ctx: ChangeSetContext, people: Sequence[tuple[Subscriber, Sequence[Subscription]]]
) -> list[Route]:
    """Every subscriber to notify about the change set, in the order given."""
    routes = (route_subscriber(ctx, who, subs) for who, subs in people)
    return [r for r in routes if r is not None]
