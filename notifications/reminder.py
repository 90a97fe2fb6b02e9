"""The comment-deadline reminder: sent once, `remind_before` ahead of a draft's deadline, to
each subscriber who received the draft, with how to submit comments (the notice's feedback
channels) and the links to the notice and the draft. Rendered from `reminder.*.j2` in the one
sandboxed environment of `notifications.render`."""

from __future__ import annotations

from notifications.card import document_card
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.render import MAX_SUBJECT, create_environment
from notifications.text import chinese_date, one_line


def reminder_subject(ctx: ChangeSetContext) -> str:
    """`【征求意见即将截止】<title>（2022年7月20日截止）`."""
    deadline = f"（{chinese_date(ctx.deadline)}截止）" if ctx.deadline else ""
    return f"【征求意见即将截止】{one_line(ctx.title)}{deadline}"[:MAX_SUBJECT]


def render_reminder(ctx: ChangeSetContext, *, name: str, unsubscribe_url: str) -> RenderedEmail:
    """The reminder's text and HTML parts."""
    card = document_card(ctx)
    if card is None:
        raise ValueError("a reminder needs the draft's version")
    env = create_environment()
    subject = reminder_subject(ctx)
    values = {"name": name, "card": card, "subject": subject, "unsubscribe_url": unsubscribe_url}
    return RenderedEmail(
        subject=one_line(subject),
        text=env.get_template("reminder.txt.j2").render(**values),
        html=env.get_template("reminder.html.j2").render(**values),
    )
