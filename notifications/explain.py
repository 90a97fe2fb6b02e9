"""Who will receive a change set, and why: the recipients a reviewer sees before approving.

Built on `notifications.routing` (the very routes approval queues), each recipient with a
reason per matching subscription, in Simplified Chinese: "订阅全部变更", "主题“企业融资”：3 项变更",
"关键词“专精特新”出现在标题中", "征求意见稿：即时发送（不等汇总）". Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from notifications.model import ChangeSetContext, Route
from notifications.routing import (
    change_haystack,
    matching_changes,
    normalise,
    route_subscriber,
)
from parsers.records import Cadence, StoredChange, Subscriber, Subscription

CADENCE_LABELS = {Cadence.IMMEDIATE: "即时", Cadence.DAILY: "每日汇总", Cadence.WEEKLY: "每周汇总"}
CHANNEL_LABELS = {"email": "邮件"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """One subscriber a change set reaches: how, how much, and why."""

    route: Route
    channel: str
    reasons: tuple[str, ...]

    @property
    def subscriber(self) -> Subscriber:
        """Who."""
        return self.route.subscriber


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    """Everyone a change set reaches, and how many active subscribers it does not."""

    recipients: tuple[Recipient, ...]
    unmatched: int

    @property
    def count(self) -> int:
        """Subscribers who will receive it (the number approval asks to confirm)."""
        return len(self.recipients)

    def by_cadence(self) -> list[tuple[str, int]]:
        """`[("即时", 2), ("每日汇总", 1)]` in cadence order."""
        counts = Counter(r.route.cadence for r in self.recipients)
        return [(CADENCE_LABELS[c], counts[c]) for c in Cadence if counts[c]]

    def by_channel(self) -> list[tuple[str, int]]:
        """`[("邮件", 3)]`."""
        counts = Counter(r.channel for r in self.recipients)
        return [(CHANNEL_LABELS.get(c, c), n) for c, n in sorted(counts.items())]


def _quoted(terms: Sequence[str]) -> str:
    return "、".join(f"“{t}”" for t in terms)


def _what(ctx: ChangeSetContext, sub: Subscription, found: Sequence[StoredChange]) -> str:
    """The matching part of a reason: all changes, a keyword in the title, or the terms."""
    if not sub.topics and not sub.keywords:
        return f"订阅全部变更（{len(found)} 项）" if found else "订阅全部变更"
    title = normalise(ctx.title)
    in_title = [k for k in sub.keywords if normalise(k) and normalise(k) in title]
    if in_title:
        return f"关键词{_quoted(in_title)}出现在标题中"
    label = "主题" if sub.topics else "关键词"
    terms = [*sub.topics, *sub.keywords]
    if not found:
        return f"{label}{_quoted(terms)}出现在文件中"
    hits = [t for t in terms if any(normalise(t) in change_haystack(ctx, s.change) for s in found)]
    return f"{label}{_quoted(hits or terms)}：{len(found)} 项变更"


def subscription_reason(ctx: ChangeSetContext, sub: Subscription) -> str | None:
    """Why this subscription matches the change set (None when it does not)."""
    found = matching_changes(ctx, sub)
    if found is None:
        return None
    parts = [_what(ctx, sub, found)]
    if sub.documents:
        parts.append("订阅了本文件")
    if sub.sources:
        parts.append(f"订阅了来源 {ctx.source}")
    if sub.min_severity:
        parts.append(f"重要度不低于 {sub.min_severity}")
    return "；".join(parts)


def audience(
    ctx: ChangeSetContext,
    people: Sequence[tuple[Subscriber, Sequence[Subscription]]],
    *,
    channel: str = "email",
) -> Audience:
    """The recipients of a change set with the reasons they match, in the order given."""
    recipients = []
    for who, subs in people:
        found = route_subscriber(ctx, who, subs)
        if found is None:
            continue
        reasons = [r for r in (subscription_reason(ctx, s) for s in subs) if r]
        if ctx.urgent and any(s.cadence is not Cadence.IMMEDIATE for s in subs):
            reasons.append("征求意见稿：即时发送（不等汇总）")
        recipients.append(Recipient(route=found, channel=channel, reasons=tuple(reasons)))
    return Audience(recipients=tuple(recipients), unmatched=len(people) - len(recipients))
