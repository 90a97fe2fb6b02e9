"""Signed links in messages: unsubscribe (every email; honoured by the CLI and the web UI) and
the full change set a chat message or an email points to (`/report/<token>`)."""

from __future__ import annotations

import datetime as dt
import logging
import os

from monitor.config import Config
from notifications.tokens import (
    make_report_token,
    make_token,
    verify_report_token,
    verify_token,
)
from parsers.records import Subscriber
from state.store import Store

logger = logging.getLogger(__name__)


def token_secret(config: Config, store: Store) -> bytes:
    """The unsubscribe HMAC key: the environment variable `secret_env`, else one kept in the DB."""
    value = os.environ.get(config.notifications.secret_env) or store.secret("unsubscribe")
    return value.encode("utf-8")


def unsubscribe_url(config: Config, store: Store, subscriber_id: int, now: dt.datetime) -> str:
    """`{base_url}/unsubscribe/{token}` for a subscriber."""
    token = make_token(
        subscriber_id,
        secret=token_secret(config, store),
        now=now,
        days=config.notifications.token_days,
    )
    return f"{config.notifications.base_url.rstrip('/')}/unsubscribe/{token}"


def unsubscriber(store: Store, token: str, *, config: Config, now: dt.datetime) -> Subscriber:
    """The subscriber a valid token names (TokenError otherwise); changes nothing (the GET of
    a link shows this one a confirmation button: mail scanners follow links)."""
    subscriber_id = verify_token(token, secret=token_secret(config, store), now=now)
    return store.get_subscriber(subscriber_id)


def unsubscribe(store: Store, token: str, *, config: Config, now: dt.datetime) -> Subscriber:
    """Stop the emails of the subscriber a valid token names (TokenError otherwise); idempotent.

    The link came by email, so the email channel goes; a subscriber left without any channel
    (no chat group either) is deactivated.
    """
    subscriber_id = verify_token(token, secret=token_secret(config, store), now=now)
    with store.atomic():
        store.remove_channel(subscriber_id, "email")
        if not store.channels_of(subscriber_id):
            store.set_subscriber_active(subscriber_id, active=False)
    logger.info("subscriber %d unsubscribed from email", subscriber_id)
    return store.get_subscriber(subscriber_id)


def report_url(config: Config, store: Store, change_set_id: int, *, issued: dt.datetime) -> str:
    """`{base_url}/report/{token}`: the change set's full redline, for a link in a message.

    The expiry counts from `issued` (the outbox row's creation), so a retried message renders
    the same link and a split chat message splits at the same lines."""
    expires = issued + dt.timedelta(days=config.notifications.token_days)
    token = make_report_token(change_set_id, secret=token_secret(config, store), expires=expires)
    return f"{config.notifications.base_url.rstrip('/')}/report/{token}"


def report_change_set(store: Store, token: str, *, config: Config, now: dt.datetime) -> int:
    """The change set id a valid report token names (TokenError otherwise)."""
    return verify_report_token(token, secret=token_secret(config, store), now=now)
