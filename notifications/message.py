"""MIME messages: multipart/alternative (plain text + HTML), UTF-8 headers, no header injection."""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from notifications.model import RenderedEmail
from notifications.render import one_line

# A deliberately plain address check: one @, a dot in the domain, no spaces or controls.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def valid_email(address: str) -> bool:
    """True for a plausible ASCII mailbox `local@domain.tld`."""
    return len(address) <= 254 and bool(_EMAIL_RE.match(address))


def make_message_id(domain: str, *, key: str = "") -> str:
    """A new globally unique `<...@domain>` Message-ID (the outbox's idempotency key)."""
    prefix = re.sub(r"[^A-Za-z0-9.-]", "", key)
    return f"<pw.{prefix + '.' if prefix else ''}{secrets.token_hex(8)}@{domain}>"


def sender_domain(sender: str) -> str:
    """The domain of the sender address (`localhost` if it has none)."""
    domain = sender.rpartition("@")[2]
    return re.sub(r"[^A-Za-z0-9.-]", "", domain) or "localhost"


def mailbox(name: str, email: str) -> Address:
    """A To/From address; the display name is flattened to one line (no injection)."""
    if not valid_email(email):
        raise ValueError(f"not a valid email address: {email!r}")
    local, _, domain = email.partition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


def build_message(
    rendered: RenderedEmail,
    *,
    sender: Address,
    to: Address,
    message_id: str,
    date: dt.datetime,
    unsubscribe_url: str,
) -> EmailMessage:
    """The email: text part first, HTML alternative, List-Unsubscribe one-click headers."""
    msg = EmailMessage()
    msg["Subject"] = one_line(rendered.subject)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{one_line(unsubscribe_url)}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.make_alternative()
    msg.attach(_part(rendered.text, "plain"))
    msg.attach(_part(rendered.html, "html"))
    return msg


def _part(body: str, subtype: str) -> EmailMessage:
    """A UTF-8 text part, base64 encoded in C (`set_content` encodes line by line in Python)."""
    part = EmailMessage()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(body.encode("utf-8")).decode("ascii"))
    return part
