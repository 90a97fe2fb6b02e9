"""Jinja environment and the filters the review UI's templates use (escaping always on)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from monitor.local_time import SHANGHAI
from notifications.card import STATUS_LABELS as _CARD_STATUS_LABELS
from parsers.model import OCR_CAUTION, AmountChange, ChangeKind, ClauseChange, ClauseRef, Status
from parsers.records import (
    AttemptOutcome,
    Cadence,
    ChangeSetKind,
    ChangeSetRecord,
    ChangeSetState,
    OutboxState,
    Role,
)
from parsers.summary import ref_label

TEMPLATES = Path(__file__).parent / "templates"

# User-facing labels (Simplified Chinese) of the closed sets shown in the UI.
KIND_LABELS = {kind: kind.label_zh for kind in ChangeKind}
SET_KIND_LABELS = {
    ChangeSetKind.NEW_DOCUMENT: "新文件",
    ChangeSetKind.CHANGED: "新版本",
    ChangeSetKind.STATUS: "状态变化",
    ChangeSetKind.REMINDER: "截止提醒",
}
STATE_LABELS = {
    ChangeSetState.PENDING: "待审核",
    ChangeSetState.APPROVED: "已批准",
    ChangeSetState.REJECTED: "已驳回",
}
STATUS_LABELS: dict[Status, str] = {**_CARD_STATUS_LABELS, Status.UNKNOWN: "未知"}
OUTCOME_LABELS = {
    AttemptOutcome.NOT_MODIFIED: "未修改（304）",
    AttemptOutcome.UNCHANGED: "无变化",
    AttemptOutcome.BASELINE: "基线",
    AttemptOutcome.NEW_DOCUMENT: "新文件",
    AttemptOutcome.CHANGED: "有变化",
    AttemptOutcome.FAILED: "失败",
}
ORIGIN_LABELS = {"config": "配置文件", "ui": "界面添加"}
OUTBOX_LABELS = {
    OutboxState.PENDING: "待发送",
    OutboxState.CLAIMED: "发送中",
    OutboxState.SENT: "已发送",
    OutboxState.FAILED: "发送失败",
    OutboxState.CANCELLED: "已取消",
}
CADENCE_LABELS = {Cadence.IMMEDIATE: "即时", Cadence.DAILY: "每日汇总", Cadence.WEEKLY: "每周汇总"}
ROLE_LABELS = {Role.ADMIN: "管理员", Role.REVIEWER: "审核员"}
ACTION_LABELS = {
    "approve": "批准",
    "reject": "驳回",
    "suppress": "屏蔽变更",
    "unsuppress": "取消屏蔽",
    "edit_summary": "修改摘要",
    "auto_approve": "自动批准",
    "source_auto_approve": "设置自动批准",
    "subscriber_add": "新增订阅者",
    "subscriber_edit": "修改订阅者",
    "subscriber_deactivate": "停用订阅者",
    "subscriber_activate": "启用订阅者",
    "subscription_add": "新增订阅",
    "subscription_delete": "删除订阅",
    "channel_add": "添加接收渠道",
    "channel_remove": "移除接收渠道",
    "approve_quiet": "批准（不通知）",
    "withdraw": "撤回邮件",
    "remind": "截止提醒",
    "source_add": "新增来源",
    "source_edit": "修改来源",
    "source_enable": "启用来源",
    "source_disable": "停用来源",
    "source_check": "立即检查",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A run of clause text and how it is shown: `keep`, `del` (struck red) or `ins` (green)."""

    op: str
    text: str


def old_segments(change: ClauseChange) -> tuple[Segment, ...]:
    """The old clause as kept and deleted runs (whole text deleted when the clause was removed)."""
    if not change.redline:
        return (Segment(op="keep", text=change.old_text),) if change.old_text else ()
    return tuple(
        Segment(op="del" if op < 0 else "keep", text=text) for op, text in change.redline if op <= 0
    )


def new_segments(change: ClauseChange) -> tuple[Segment, ...]:
    """The new clause as kept and inserted runs."""
    if not change.redline:
        return (Segment(op="keep", text=change.new_text),) if change.new_text else ()
    return tuple(
        Segment(op="ins" if op > 0 else "keep", text=text) for op, text in change.redline if op >= 0
    )


def local_time(value: dt.datetime | None) -> str:
    """An aware datetime shown in Beijing time: `2022-12-30 10:00`."""
    if value is None:
        return "—"
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


_CITED_KINDS = frozenset({"part", "chapter", "division", "article"})


def clause_label(ref: ClauseRef | None) -> str:
    """`（九）激发创新活力` for a measure; `—` when the clause is absent on that side."""
    if ref is None:
        return "—"
    if ref.kind in _CITED_KINDS:  # 第三条, 第二章: a bare 三 would not say which
        return ref_label(ref) + (ref.heading or "")
    label = f"（{ref.label}）" if len(ref.path) > 1 else f"{ref.label}、"
    return label + (ref.heading or "")


def amount_text(change: AmountChange) -> str:
    """`30万元 → 50万元` (a missing side shown as —)."""
    old = change.old.text if change.old else "—"
    new = change.new.text if change.new else "—"
    return f"{old} → {new}"


def kind_counts(record: ChangeSetRecord) -> list[tuple[str, int]]:
    """Visible changes of a change set counted by kind, in a fixed order: [("修改", 3), ...]."""
    counts: Counter[ChangeKind] = Counter()
    for stored in record.visible_changes:
        counts.update(stored.change.kinds)
    return [(KIND_LABELS[k], counts[k]) for k in ChangeKind if counts[k]]


def text_unchanged(change: ClauseChange) -> bool:
    """A renumbered or moved clause whose words did not change: shown once, not twice."""
    kinds = set(change.kinds)
    return (
        bool(kinds)
        and kinds <= {ChangeKind.RENUMBERED, ChangeKind.MOVED}
        and change.old_text == change.new_text
    )


_ZH_UNITS = (("天", 86400), ("小时", 3600), ("分钟", 60))


def zh_duration(delta: dt.timedelta) -> str:
    """A duration as staff read it: `30 分钟`, `14 天`, `1 小时 30 分钟`."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in _ZH_UNITS:
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds} 秒")
    return " ".join(parts)


def labels(values: Iterable[ChangeKind]) -> str:
    """`修改、重新编号`."""
    return "、".join(KIND_LABELS[v] for v in values)


def make_environment() -> jinja2.Environment:
    """The one Jinja environment of the UI: package templates, autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        local_time=local_time,
        clause_label=clause_label,
        amount_text=amount_text,
        kind_labels=labels,
        zh_duration=zh_duration,
    )
    env.globals.update(
        old_segments=old_segments,
        new_segments=new_segments,
        kind_counts=kind_counts,
        text_unchanged=text_unchanged,
        SET_KIND_LABELS=SET_KIND_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        ORIGIN_LABELS=ORIGIN_LABELS,
        STATE_LABELS=STATE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        OUTBOX_LABELS=OUTBOX_LABELS,
        CADENCE_LABELS=CADENCE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        OCR_CAUTION=OCR_CAUTION,
    )
    return env
