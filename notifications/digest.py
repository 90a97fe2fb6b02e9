"""Digests (pure): one part per policy, each clause once, its history oldest → newest.

A daily or weekly digest may hold several change sets of one policy (the final, then its
correction). Their changes are chained by clause — a change whose old clause is the clause an
earlier change produced continues that clause's story — so （十四） appears once, with a redline
from its oldest text to its newest and each step's summary named by the version it came with
(`每年培训由100人提高至200人〔正式稿（2022年12月30日）〕；…〔正式稿（2023年3月1日）〕`).
The policy's part names its versions: `征求意见稿（…）→ 正式稿（…）→ 正式稿（…）`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from notifications.model import ChangeSetContext, Route
from notifications.render import PolicyView, policy_view, version_label
from parsers.model import ChangeKind, ClauseChange
from parsers.records import StoredChange
from parsers.redline import redline

DigestItem = tuple[ChangeSetContext, Route | None]  # None: the subscriber's route is gone


@dataclass
class _Chain:
    steps: list[tuple[ChangeSetContext, StoredChange]] = field(default_factory=list)
    chosen: bool = False  # one of its steps matched the subscriber's topics


def digest_policies(items: Sequence[DigestItem]) -> tuple[PolicyView, ...]:
    """One view per policy (document), change sets of one document merged oldest first."""
    grouped: dict[int, list[DigestItem]] = {}
    for item in sorted(items, key=lambda i: i[0].change_set.detected_at):
        grouped.setdefault(item[0].change_set.document_id, []).append(item)
    return tuple(_policy(group) for group in grouped.values())


def _changes(
    item: DigestItem,
) -> tuple[tuple[StoredChange, ...], tuple[str, ...], tuple[StoredChange, ...]]:
    ctx, found = item
    if found is None:
        return ctx.change_set.visible_changes, (), ()
    return found.changes, found.topics, found.others


def _policy(group: Sequence[DigestItem]) -> PolicyView:
    if len(group) == 1:
        changes, topics, others = _changes(group[0])
        return policy_view(group[0][0], changes, topics=topics, others=others)
    chains = _chain(group)
    topics = tuple(dict.fromkeys(t for item in group for t in _changes(item)[1]))
    merged = [(c, _merged(c, n)) for n, c in enumerate(chains)]
    chosen = [s for c, s in merged if c.chosen or not topics]
    rest = [s for c, s in merged if topics and not c.chosen]
    last = group[-1][0]
    view = policy_view(last, chosen, topics=topics, others=rest)
    labels = [version_label(group[0][0].old, group[0][0].old_seen)] if group[0][0].old else []
    labels += [version_label(ctx.new, ctx.new_seen, previous=ctx.old) for ctx, _ in group]
    notes = tuple(
        f"{version_label(ctx.new, ctx.new_seen, previous=ctx.old)}：{note}"
        for ctx, _ in group
        for note in policy_view(ctx, ()).notes
    )
    first = policy_view(group[0][0], ())
    return dataclasses.replace(
        view,
        label="政策变更",
        old_url=first.old_url,
        notes=notes,
        versions=" → ".join(labels) if len(labels) > 1 else view.versions,
        card=view.card or first.card,  # a document first seen in this digest keeps its card
        ocr=any(ctx.ocr for ctx, _ in group),
    )


def _chain(group: Sequence[DigestItem]) -> list[_Chain]:
    """The clause chains of the group's change sets, in the newest document's order."""
    chains: list[_Chain] = []
    open_by_path: dict[tuple[str, ...], _Chain] = {}
    for item in group:
        ctx = item[0]
        changes, topics, others = _changes(item)
        chosen = {s.position for s in changes} if topics else None
        continued: dict[tuple[str, ...], _Chain] = {}
        for stored in sorted((*changes, *others), key=lambda s: s.position):
            change = stored.change
            chain = open_by_path.pop(change.old.path, None) if change.old else None
            if chain is None:
                chain = _Chain()
                chains.append(chain)
            chain.steps.append((ctx, stored))
            chain.chosen = chain.chosen or chosen is None or stored.position in chosen
            if change.new is not None:
                continued[change.new.path] = chain
        open_by_path.update(continued)
    order = _document_order(group[-1][0])
    return sorted(chains, key=lambda c: _sort_key(c, order))


def _document_order(ctx: ChangeSetContext) -> dict[tuple[str, ...], int]:
    if ctx.new is None:
        return {}
    return {clause.path: n for n, clause in enumerate(ctx.new.walk())}


def _sort_key(chain: _Chain, order: dict[tuple[str, ...], int]) -> tuple[int, int]:
    _ctx, last = chain.steps[-1]
    ref = last.change.new
    if ref is not None and ref.path in order:
        return (order[ref.path], 0)
    return (len(order) + last.position, 0)  # removed: after the kept ones, in their order


def _merged(chain: _Chain, position: int) -> StoredChange:
    """One change standing for the chain: oldest text → newest text, every step named."""
    if len(chain.steps) == 1:
        return dataclasses.replace(chain.steps[0][1], position=position)
    first, last = chain.steps[0][1].change, chain.steps[-1][1].change
    kinds = tuple(dict.fromkeys(k for _c, s in chain.steps for k in s.change.kinds))
    if first.old is not None and last.new is not None:
        ops = redline(first.old_text, last.new_text)
    else:
        ops = ()
    change = ClauseChange(
        kinds=_net_kinds(kinds, first, last),
        old=first.old,
        new=last.new,
        summary=_summary(chain),
        amounts=tuple(a for _c, s in chain.steps for a in s.change.amounts),
        units_added=tuple(u for _c, s in chain.steps for u in s.change.units_added),
        units_removed=tuple(u for _c, s in chain.steps for u in s.change.units_removed),
        dates_changed=tuple(d for _c, s in chain.steps for d in s.change.dates_changed),
        redline=ops,
        old_text=first.old_text,
        new_text=last.new_text,
        section=last.section,
    )
    return StoredChange(id=chain.steps[-1][1].id, position=position, change=change)


def _net_kinds(
    kinds: tuple[ChangeKind, ...], first: ClauseChange, last: ClauseChange
) -> tuple[ChangeKind, ...]:
    if first.old is None:
        return (ChangeKind.ADDED,)
    if last.new is None:
        return (ChangeKind.REMOVED,)
    return tuple(k for k in kinds if k not in (ChangeKind.ADDED, ChangeKind.REMOVED)) or kinds


def _summary(chain: _Chain) -> str:
    """`（十四）加强企业家培育：A〔正式稿（…）〕；B〔正式稿（…）〕`."""
    name = ""
    details = []
    for ctx, stored in chain.steps:
        head, sep, detail = stored.summary.partition("：")
        if not sep:
            head, detail = "", stored.summary
        name = head or name
        label = version_label(ctx.new, ctx.new_seen, previous=ctx.old)
        details.append(f"{detail}〔{label}〕")
    return f"{name}：{'；'.join(details)}" if name else "；".join(details)
