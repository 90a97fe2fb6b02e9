"""Composing emails: a change set's context, the single-change-set email, the sender.

`monitor.review.sending` adds the digest and hands messages to a delivery channel.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config import Config
from notifications.model import ChangeSetContext, RenderedEmail
from notifications.render import EmailView, change_set_subject, policy_view, render_email
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
    )


def single_email(
    ctx: ChangeSetContext, changes: Sequence[StoredChange], *, name: str, unsubscribe: str
) -> RenderedEmail:
    """The email of one change set (the `immediate` cadence)."""
    view = EmailView(
        name=name,
        heading="policywatch 监测到您关注的政策有以下变化：",
        policies=(policy_view(ctx, changes),),
        unsubscribe_url=unsubscribe,
        digest=False,
    )
    return render_email(change_set_subject(ctx, changes), view)


def sender_address(config: Config) -> str:
    """The `From:` address (also the domain of Message-IDs)."""
    return config.smtp.sender if config.smtp else DEFAULT_SENDER
