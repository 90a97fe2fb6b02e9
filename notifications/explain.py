"""Who will receive a change set, and why: the recipients a reviewer sees before approving.

Built on `notifications.routing` (the very routes approval queues), each recipient with a
reason per matching subscription, in Simplified Chinese: "订阅全部变更", "主题“企业融资”：3 项变更",
"关键词“专精特新”出现在标题中", "征求意见稿：即时发送（不等汇总）", and on which channels
(their email, their chat groups): approval queues one message per subscriber and channel. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
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
EMAIL = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """One subscriber a change set reaches: how, how much, why, and on which channels."""

    route: Route
    channels: tuple[str, ...]  # "email" and `[[channel]]` names; empty: nothing reaches them
    reasons: tuple[str, ...]

    @property
    def subscriber(self) -> Subscriber:
        """Who."""
        return self.route.subscriber

    @property
    def chats(self) -> tuple[str, ...]:
        """The chat groups among the channels."""
        return tuple(c for c in self.channels if c != EMAIL)


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    """Everyone a change set reaches, and how many active subscribers it does not."""

    recipients: tuple[Recipient, ...]  # matching subscribers with at least one channel
    unmatched: int
    silent: tuple[Recipient, ...] = ()  # matching subscribers without any channel

    @property
    def count(self) -> int:
        """Subscribers who will receive it."""
        return len(self.recipients)

    @property
    def emails(self) -> int:
        """Emails approval queues."""
        return sum(EMAIL in r.channels for r in self.recipients)

    @property
    def chats(self) -> int:
        """Chat-group messages approval queues."""
        return sum(len(r.chats) for r in self.recipients)

    @property
    def messages(self) -> int:
        """Every message approval queues (one per subscriber and channel): the number it
        asks to confirm."""
        return self.emails + self.chats

    def by_cadence(self) -> list[tuple[str, int]]:
        """`[("即时", 2), ("每日汇总", 1)]` in cadence order."""
        counts = Counter(r.route.cadence for r in self.recipients)
        return [(CADENCE_LABELS[c], counts[c]) for c in Cadence if counts[c]]

    def by_channel(self) -> list[tuple[str, int]]:
        """`[("email", 3), ("acme-dingtalk", 1)]`: messages per channel name, email first (the
        review UI labels each name with its platform from the config)."""
        counts = Counter(c for r in self.recipients for c in r.channels)
        return sorted(counts.items(), key=lambda item: (item[0] != EMAIL, item[0]))


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
    channels: Mapping[int, Sequence[str]] | None = None,
) -> Audience:
    """The recipients of a change set with the reasons they match, in the order given, each
    on their `channels` (subscriber id -> channel names; None: everyone by email)."""
    recipients: list[Recipient] = []
    silent: list[Recipient] = []
    for who, subs in people:
        found = route_subscriber(ctx, who, subs)
        if found is None:
            continue
        reasons = [r for r in (subscription_reason(ctx, s) for s in subs) if r]
        if ctx.urgent and any(s.cadence is not Cadence.IMMEDIATE for s in subs):
            reasons.append("征求意见稿：即时发送（不等汇总）")
        theirs = (EMAIL,) if channels is None else tuple(channels.get(who.id or 0, ()))
        recipient = Recipient(route=found, channels=theirs, reasons=tuple(reasons))
        (recipients if theirs else silent).append(recipient)
    unmatched = len(people) - len(recipients) - len(silent)
    return Audience(recipients=tuple(recipients), unmatched=unmatched, silent=tuple(silent))
