"""What matters first: a change set's clause changes grouped by their effect (pure).

A client reads money first. The groups, in the order emails and chat messages show them:

1. `money`      资金与比例 — a figure in 元 or % went up (提高) or down (降低)
2. `added`      新增措施
3. `removed`    删除措施
4. `conditions` 条件与责任变化 — other figures (人, 次, 年...), dates, responsible units,
                 substantive insertions or deletions of text
5. `structure`  结构调整 — a clause moved to another section; any change kind this module does
                 not know yet (a split or a merge from a newer differ) lands here, never lost
6. `wording`    文字调整 — small rewordings, retitled sections
7. `renumbered` 序号调整 — pure renumberings, a run of them collapsed into one line
                 (`原（二十四）至（三十一）序号顺延为（二十五）至（三十二）`)

A change that is also renumbered inside such a run keeps its place in its effect group, and the
differ's `；序号由…调整为…` tail is dropped from its summary (the run's line says it once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.model import ChangeKind, ClauseChange, ClauseRef
from parsers.records import StoredChange
from parsers.summary import chinese_numeral

MONEY_UNITS = frozenset({"元", "%"})
# Changed characters (inserted + deleted, punctuation and spaces aside) from which a rewording
# of a clause is a change of its content rather than of its wording.
SUBSTANTIVE_CHARS = 8
GROUP_TITLES = {
    "money": "资金与比例",
    "added": "新增措施",
    "removed": "删除措施",
    "conditions": "条件与责任变化",
    "structure": "结构调整",
    "wording": "文字调整",
    "renumbered": "序号调整",
}
ORDER = tuple(GROUP_TITLES)
_KNOWN = frozenset(
    {
        ChangeKind.ADDED,
        ChangeKind.REMOVED,
        ChangeKind.MODIFIED,
        ChangeKind.MOVED,
        ChangeKind.RENUMBERED,
    }
)
# The differ's renumbering clause at the end of a summary: `；序号由（二十五）调整为（二十六）`.
_RENUMBER_TAIL_RE = re.compile(r"；序号由[^；]*调整为[^；]*$")
_PUNCT_RE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """One effect group: its changes in document order, and one-line notes (renumberings)."""

    key: str
    title: str
    changes: tuple[StoredChange, ...] = ()
    lines: tuple[str, ...] = ()
    summaries: tuple[str, ...] = ()  # the summary shown for each of `changes`


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    positions: frozenset[int]
    line: str
    start: tuple[int, int]  # (level, first old number): runs read in document order


def effect(change: ClauseChange) -> str:
    """The group key of one change (see the module docstring)."""
    kinds = set(change.kinds)
    if _money(change):
        return "money"
    if ChangeKind.ADDED in kinds:
        return "added"
    if ChangeKind.REMOVED in kinds:
        return "removed"
    if kinds - _KNOWN:
        return "structure"
    if ChangeKind.MODIFIED in kinds:
        if change.amounts or change.units_added or change.units_removed or change.dates_changed:
            return "conditions"
        if change.section:
            return "wording"
        return "conditions" if _changed_chars(change) >= SUBSTANTIVE_CHARS else "wording"
    if ChangeKind.MOVED in kinds:
        return "structure"
    return "renumbered" if ChangeKind.RENUMBERED in kinds else "structure"


def _money(change: ClauseChange) -> bool:
    for pair in change.amounts:
        units = {a.unit for a in (pair.old, pair.new) if a is not None}
        if units & MONEY_UNITS:
            return True
    return False


def _changed_chars(change: ClauseChange) -> int:
    return sum(len(_PUNCT_RE.sub("", text)) for op, text in change.redline if op != 0)


def group_changes(changes: Sequence[StoredChange]) -> tuple[Group, ...]:
    """The non-empty groups of `changes`, in `ORDER`, each in document (position) order."""
    ordered = sorted(changes, key=lambda s: s.position)
    runs = renumber_runs(ordered)
    in_run = {p for run in runs for p in run.positions}
    by_key: dict[str, list[StoredChange]] = {k: [] for k in ORDER}
    for stored in ordered:
        key = effect(stored.change)
        if key == "renumbered" and stored.position in in_run:
            continue  # said by its run's line
        by_key[key].append(stored)
    groups = []
    for key in ORDER:
        found = by_key[key]
        lines = tuple(r.line for r in runs) if key == "renumbered" else ()
        if not found and not lines:
            continue
        summaries = tuple(_summary(s, s.position in in_run) for s in found)
        groups.append(
            Group(
                key=key,
                title=GROUP_TITLES[key],
                changes=tuple(found),
                lines=lines,
                summaries=summaries,
            )
        )
    return tuple(groups)


def _summary(stored: StoredChange, in_run: bool) -> str:
    if in_run and stored.summary_override is None:
        return _RENUMBER_TAIL_RE.sub("", stored.change.summary)
    return stored.summary


def renumber_runs(changes: Sequence[StoredChange]) -> tuple[_Run, ...]:
    """Runs of two or more clauses at one level whose numbers all shifted by the same step."""
    shifted = []
    for stored in changes:
        change = stored.change
        old, new = change.old, change.new
        if (
            ChangeKind.RENUMBERED in change.kinds
            and ChangeKind.MOVED not in change.kinds
            and old is not None
            and new is not None
            and old.number is not None
            and new.number is not None
            and len(old.path) == len(new.path)
        ):
            shifted.append((len(old.path), new.number - old.number, old.number, stored, old, new))
    shifted.sort(key=lambda item: (item[0], item[1], item[2]))
    runs: list[_Run] = []
    current: list[tuple[int, int, int, StoredChange, ClauseRef, ClauseRef]] = []
    for item in shifted:
        last = current[-1] if current else None
        if last and (last[0], last[1]) == (item[0], item[1]) and item[2] == last[2] + 1:
            current.append(item)
            continue
        _close(current, runs)
        current = [item]
    _close(current, runs)
    return tuple(sorted(runs, key=lambda r: r.start))


def _close(
    current: list[tuple[int, int, int, StoredChange, ClauseRef, ClauseRef]], runs: list[_Run]
) -> None:
    if len(current) < 2:
        return
    first, last = current[0], current[-1]
    verb = "顺延" if first[1] > 0 else "前移"
    line = (
        f"原{ref_label(first[4])}至{ref_label(last[4])}序号{verb}为"
        f"{ref_label(first[5])}至{ref_label(last[5])}"
    )
    positions = frozenset(i[3].position for i in current)
    runs.append(_Run(positions=positions, line=line, start=(first[0], first[2])))


def ref_label(ref: ClauseRef) -> str:
    """A clause's label as a reader writes it: （九）, 第十条, 第三部分."""
    kind = getattr(ref, "kind", None)  # clause refs carry their kind from parsers #12 on
    if kind == "article":
        return f"第{ref.label}条"
    if kind == "chapter":
        return f"第{ref.label}章"
    if len(ref.path) == 1:
        number = ref.number
        name = chinese_numeral(number) if number is not None and 0 <= number < 10000 else ref.label
        return f"第{name}部分"
    return f"（{ref.label}）"
