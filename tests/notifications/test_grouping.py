"""Changes grouped by effect, renumbering runs collapsed, on the real 17-change set and on
hand-made changes (a change kind the module does not know yet lands in a group, never lost)."""

from __future__ import annotations

import dataclasses

from notifications.grouping import effect, group_changes, ref_label, renumber_runs
from parsers import parse_path
from parsers.diff import diff_documents
from parsers.model import Amount, AmountChange, ChangeKind, ClauseChange, ClauseRef
from parsers.records import StoredChange
from tests.notifications.conftest import FIXTURES


def real_changes() -> tuple[StoredChange, ...]:
    draft = parse_path(FIXTURES / "texts" / "seed-article.txt")
    final = parse_path(FIXTURES / "texts" / "zjtx-final-a.txt")
    diff = diff_documents(draft, final)
    return tuple(StoredChange(id=n, position=n, change=c) for n, c in enumerate(diff.changes, 1))


def test_the_17_changes_money_first_renumberings_one_line() -> None:
    groups = group_changes(real_changes())
    assert [g.key for g in groups] == [
        "money",
        "added",
        "removed",
        "conditions",
        "structure",
        "wording",
        "renumbered",
    ]
    money = groups[0]
    assert [s.split("：")[0] for s in money.summaries] == [
        "（九）激发创新活力",
        "（十二）优化创新生态",
        "（三十）强化产业空间保障",
    ]
    assert all("提高" in s or "降低" in s for s in money.summaries)
    # （三十） is also renumbered inside the run: its own 序号 tail is said by the run's line.
    assert "序号由" not in money.summaries[2]
    assert groups[-1].lines == ("原（二十四）至（三十一）序号顺延为（二十五）至（三十二）",)
    assert groups[-1].changes == ()  # the five pure renumberings are that one line
    shown = sum(len(g.changes) for g in groups) + 5
    assert shown == 17


def ref(label: str, number: int, *path: str) -> ClauseRef:
    return ClauseRef(path=(*path, label), label=label, number=number, heading="措施")


def stored(position: int, change: ClauseChange) -> StoredChange:
    return StoredChange(id=position, position=position, change=change)


def test_a_change_kind_added_later_falls_into_structure() -> None:
    known = ClauseChange(kinds=(ChangeKind.MODIFIED,), old=None, new=None, summary="x")
    # A `split` from a newer differ: build the record around the enum check.
    split = dataclasses.replace(known, kinds=("split",))  # type: ignore[arg-type]
    assert effect(split) == "structure"
    money = dataclasses.replace(
        split,
        amounts=(
            AmountChange(
                old=Amount(text="30万元", value=3e5, unit="元"),
                new=Amount(text="50万元", value=5e5, unit="元"),
            ),
        ),
    )
    assert effect(money) == "money"  # money first, whatever the kind


def test_runs_need_the_same_step_and_consecutive_numbers() -> None:
    def renumbered(position: int, old: int, new: int) -> StoredChange:
        return stored(
            position,
            ClauseChange(
                kinds=(ChangeKind.RENUMBERED,),
                old=ref(str(old), old, "一"),
                new=ref(str(new), new, "一"),
                summary=f"序号由{old}调整为{new}",
            ),
        )

    changes = [renumbered(1, 3, 4), renumbered(2, 4, 5), renumbered(3, 9, 7), renumbered(4, 10, 8)]
    runs = renumber_runs(changes)
    assert [r.line for r in runs] == [
        "原（3）至（4）序号顺延为（4）至（5）",
        "原（9）至（10）序号前移为（7）至（8）",
    ]
    lonely = group_changes([renumbered(1, 3, 4), renumbered(2, 9, 11)])
    assert lonely[-1].lines == () and len(lonely[-1].changes) == 2  # no run of two


def test_ref_labels() -> None:
    assert ref_label(ClauseRef(path=("三",), label="三", number=3, heading=None)) == "第三部分"
    assert ref_label(ClauseRef(path=("三", "九"), label="九", number=9, heading=None)) == "（九）"
