"""Errors of notifications: rendering, tokens and delivery.

NotificationError
 ├── TokenError                  an unsubscribe token is malformed, forged or expired
 └── DeliveryError               a message did not reach the server's acceptance
      ├── TemporaryDeliveryError  4xx: try again later (backoff)
      │    └── ConnectionDeliveryError  no connection / dropped: the whole batch retries
      └── PermanentDeliveryError  5xx for this recipient: give up on it, others go on
"""

from __future__ import annotations


class NotificationError(Exception):
    """Base class of the notification errors."""


class TokenError(NotificationError):
    """An unsubscribe token is malformed, forged or expired."""


class DeliveryError(NotificationError):
    """A message was not accepted by the server (or could not be written)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryDeliveryError(DeliveryError):
    """A 4xx answer: the message may succeed later."""


class ConnectionDeliveryError(TemporaryDeliveryError):
    """The server could not be reached or dropped the connection."""


class PermanentDeliveryError(DeliveryError):
    """A 5xx answer for this recipient: retrying will not help."""
