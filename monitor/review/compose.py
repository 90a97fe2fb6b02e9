"""Composing messages: a change set's context, the single-change-set message, the sender.

`monitor.review.sending` adds the digest and hands messages to a delivery channel. The message
model (`EmailView`) is the same for an email and a chat message; only the rendering differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address

from monitor.config import Config
from monitor.local_time import SHANGHAI
from notifications.message import parse_mailbox
from notifications.model import ChangeSetContext, Route
from notifications.render import Branding, EmailView, change_set_subject, policy_view
from parsers.records import ChangeSetRecord, StoredChange
from state.errors import NotFoundError
from state.store import Store

SENDER_NAME = "policywatch 政策监测"
DEFAULT_SENDER = "policywatch@localhost"


def load_context(store: Store, change_set: ChangeSetRecord) -> ChangeSetContext:
    """The change set with both document trees, the page links and the source name."""
    new = store.get_version(change_set.to_version_id) if change_set.to_version_id else None
    old = store.get_version(change_set.from_version_id) if change_set.from_version_id else None
    source = None
    if change_set.source_id is not None:
        try:
            source = store.get_source_by_id(change_set.source_id).name
        except NotFoundError:
            source = None
    url = new.url if new else store.get_document(change_set.document_id).url
    return ChangeSetContext(
        change_set=change_set,
        old=old.document if old else None,
        new=new.document if new else None,
        url=url,
        old_url=old.url if old else None,
        source=source,
        old_seen=old.fetched_at.astimezone(SHANGHAI).date() if old else None,
        new_seen=new.fetched_at.astimezone(SHANGHAI).date() if new else None,
    )


def branding(config: Config) -> Branding:
    """`[notifications] organisation` and `footer`."""
    note = config.notifications
    return Branding(organisation=note.organisation, footer=note.footer)


def heading(config: Config) -> str:
    """The line under the greeting of a change message."""
    return f"{branding(config).noticed}您关注的政策有以下变化："


def single_view(
    config: Config,
    ctx: ChangeSetContext,
    found: Route | Sequence[StoredChange],
    *,
    name: str,
    unsubscribe: str,
    report_url: str | None = None,
) -> tuple[str, EmailView]:
    """The subject and message model of one change set (the `immediate` cadence)."""
    if isinstance(found, Route):
        changes, topics, others = found.changes, found.topics, found.others
    else:
        changes, topics, others = tuple(found), (), ()
    view = EmailView(
        name=name,
        heading=heading(config),
        policies=(policy_view(ctx, changes, topics=topics, others=others),),
        unsubscribe_url=unsubscribe,
        digest=False,
        branding=branding(config),
        report_url=report_url,
    )
    return change_set_subject(ctx, changes), view


def sender_address(config: Config) -> str:
    """The envelope sender and the domain of Message-IDs: the addr-spec of `[smtp] sender`."""
    return parse_mailbox(config.smtp.sender)[1] if config.smtp else DEFAULT_SENDER


def sender_mailbox(config: Config) -> Address:
    """The `From:` mailbox: `[smtp] sender` with its display name, else `sender_name`, else
    the organisation's, else policywatch's."""
    name, spec = parse_mailbox(config.smtp.sender) if config.smtp else ("", DEFAULT_SENDER)
    note = config.notifications
    if not name:
        name = note.sender_name or (f"{note.organisation} 政策监测" if note.organisation else "")
    return Address(display_name=name or SENDER_NAME, addr_spec=spec)


def reply_to(config: Config) -> Address | None:
    """The `Reply-To:` mailbox of `[notifications] reply_to`, if set."""
    value = config.notifications.reply_to
    if not value:
        return None
    name, spec = parse_mailbox(value)
    return Address(display_name=name, addr_spec=spec)
