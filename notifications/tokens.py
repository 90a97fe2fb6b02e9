"""Signed, expiring unsubscribe tokens: `<subscriber id>.<expiry>.<HMAC-SHA256>`, URL-safe."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from notifications.errors import TokenError

_SIG_BYTES = 16  # 128-bit truncated HMAC: plenty for a link that expires
# 0-9 only: str.isdigit() also takes other scripts' digits (٣), which the ASCII payload is not
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(subscriber_id: int, *, secret: bytes, now: dt.datetime, days: int) -> str:
    """A token that unsubscribes `subscriber_id` until `now + days`."""
    if not secret:
        raise TokenError("empty token secret")
    expires = int((now + dt.timedelta(days=days)).timestamp())
    payload = f"{subscriber_id}.{expires}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_token(token: str, *, secret: bytes, now: dt.datetime) -> int:
    """The subscriber id of a valid token; TokenError when forged, malformed or expired."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(_ASCII_DIGITS.fullmatch(p) for p in parts[:2]):
        raise TokenError("malformed unsubscribe token")
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, payload).encode(), parts[2].encode()):
        raise TokenError("unsubscribe token signature does not match")
    if int(parts[1]) < now.timestamp():
        raise TokenError("unsubscribe token has expired")
    return int(parts[0])
