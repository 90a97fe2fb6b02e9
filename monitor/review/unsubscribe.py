"""Unsubscribe links: signed, expiring tokens in every email, honoured by the CLI and web UI."""

from __future__ import annotations

import datetime as dt
import logging
import os

from monitor.config import Config
from notifications.tokens import make_token, verify_token
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


def unsubscribe(store: Store, token: str, *, config: Config, now: dt.datetime) -> Subscriber:
    """Deactivate the subscriber a valid token names (TokenError otherwise); idempotent."""
    subscriber_id = verify_token(token, secret=token_secret(config, store), now=now)
    store.set_subscriber_active(subscriber_id, active=False)
    logger.info("subscriber %d unsubscribed", subscriber_id)
    return store.get_subscriber(subscriber_id)
