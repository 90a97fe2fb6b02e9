"""Signed, expiring unsubscribe tokens: `<subscriber id>.<expiry>.<HMAC-SHA256>`, URL-safe."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from notifications.errors import TokenError

_SIG_BYTES = 16  # 128-bit truncated HMAC: plenty for a link that expires


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
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise TokenError("malformed unsubscribe token")
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, payload), parts[2]):
        raise TokenError("unsubscribe token signature does not match")
    if int(parts[1]) < now.timestamp():
        raise TokenError("unsubscribe token has expired")
    return int(parts[0])


_REPORT_RE = re.compile(r"r(\d{1,18})\.(\d{1,12})\.([A-Za-z0-9_-]{1,64})", re.ASCII)


def make_report_token(change_set_id: int, *, secret: bytes, expires: dt.datetime) -> str:
    """A token that shows change set `change_set_id` (the full report a chat links to) until
    `expires`. Its `r` prefix keeps it from ever passing as an unsubscribe token."""
    if not secret:
        raise TokenError("empty token secret")
    payload = f"r{change_set_id}.{int(expires.timestamp())}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_report_token(token: str, *, secret: bytes, now: dt.datetime) -> int:
    """The change set id of a valid report token; TokenError when forged, malformed, expired."""
    found = _REPORT_RE.fullmatch(token.strip())
    if found is None:
        raise TokenError("malformed report token")
    payload = f"r{found.group(1)}.{found.group(2)}"
    if not hmac.compare_digest(_sign(secret, payload), found.group(3)):
        raise TokenError("report token signature does not match")
    if int(found.group(2)) < now.timestamp():
        raise TokenError("report token has expired")
    return int(found.group(1))
