"""Errors of notifications: rendering, tokens and delivery.

Delivery errors say whose fault a failure is, because that decides what happens to the message:
only a refusal that names the recipient gives the message up; a failure on our side (our
configuration, our connection, our login, our sender address, a platform's rate limit or
outage) keeps it queued with backoff, however long it takes, and `status` says why.

NotificationError
 ├── TokenError                      an unsubscribe token is malformed, forged or expired
 └── DeliveryError                   a message did not reach the server's acceptance
      ├── HeldDeliveryError          our side: the message stays queued (backoff), never given up
      │    ├── ConnectionDeliveryError    no connection, DNS, TLS, dropped: the batch waits
      │    ├── AuthDeliveryError          the server refused our login: the batch waits
      │    ├── ConfigDeliveryError        a password/secret variable unset, a channel unknown
      │    ├── SenderRefusedError         `MAIL FROM` refused: the batch waits
      │    ├── RateLimitedError           a platform's rate limit: this channel waits
      │    └── ServerDeliveryError        DATA refused, a platform's 5xx or unknown error code
      ├── TemporaryDeliveryError     4xx to `RCPT TO`: retried, given up after max_attempts
      └── PermanentDeliveryError     5xx to `RCPT TO`, a chat that no longer exists: given up
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar


class NotificationError(Exception):
    """Base class of the notification errors."""


class TokenError(NotificationError):
    """An unsubscribe token is malformed, forged or expired."""


class DeliveryError(NotificationError):
    """A message was not accepted by the server (or could not be written)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class HeldDeliveryError(DeliveryError):
    """Our side failed: keep the message queued with backoff; never give it up for this."""

    reason: ClassVar[str] = "server"  # what `status` groups held messages by
    stops_batch: ClassVar[bool] = False  # the rest of this channel's batch would fail the same

    def __init__(
        self, message: str, *, code: int | None = None, retry_after: dt.timedelta | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after  # the platform said when to come back


class ConnectionDeliveryError(HeldDeliveryError):
    """The server could not be reached (DNS, refused, TLS) or dropped the connection."""

    reason = "connection"
    stops_batch = True


class AuthDeliveryError(HeldDeliveryError):
    """The server refused our login (535...)."""

    reason = "auth"
    stops_batch = True


class ConfigDeliveryError(HeldDeliveryError):
    """Our configuration is incomplete: a password or secret variable unset, a channel unknown."""

    reason = "config"
    stops_batch = True


class SenderRefusedError(HeldDeliveryError):
    """The server refused our envelope sender (`MAIL FROM`)."""

    reason = "sender"
    stops_batch = True


class RateLimitedError(HeldDeliveryError):
    """A platform's rate limit: come back after `retry_after`."""

    reason = "rate-limit"
    stops_batch = True


class ServerDeliveryError(HeldDeliveryError):
    """The server refused this message for a reason that is not the recipient's."""

    reason = "server"


class TemporaryDeliveryError(DeliveryError):
    """A 4xx answer for this recipient: the message may succeed later."""


class PermanentDeliveryError(DeliveryError):
    """A 5xx to `RCPT TO`, or the platform says the chat is gone: retrying will not help."""
