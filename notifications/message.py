"""MIME messages: multipart/alternative (plain text + HTML), UTF-8 headers, no header injection.

The bytes are written here rather than by `EmailMessage.as_bytes()`: the stdlib generator
re-parses and re-folds every header and scans the bodies line by line in Python, which cost
~2.5 ms per email (390/s). This writer produces the same structure (checked by parsing it back
with `email.policy.default` in the tests) in ~0.1 ms:

- every header value is ASCII on lines <= 998 octets; text that is not plain ASCII (subjects,
  display names) becomes RFC 2047 `=?utf-8?b?...?=` words of <= 75 characters, one per folded
  line; ASCII display names are quoted by `email.utils.formataddr`;
- CR/LF and other controls are collapsed (`one_line`) before anything is written, addresses,
  Message-IDs and URLs are checked or percent-quoted, so no value can start a header;
- both parts are UTF-8, base64 in 76-character lines (`base64.encodebytes`, in C), CRLF endings.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
import secrets
from email.headerregistry import Address
from email.utils import format_datetime, formataddr
from urllib.parse import quote

from notifications.model import MailAttachment, OutgoingEmail, RenderedEmail
from notifications.render import one_line

# A deliberately plain address check: one @, a dot in the domain, no spaces or controls.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
# What may be written as an addr-spec (the sender may be `name@localhost`).
_ADDR_SPEC_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")
_MESSAGE_ID_RE = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")  # printable ASCII but < > and space
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]^_`{|}~"  # kept by quote(); space, < > " and non-ASCII are not
_WORD_BYTES = 42  # UTF-8 bytes per encoded word: 56 base64 characters, 68 with the wrapper
_NAME_BYTES = 150  # a display name up to this many UTF-8 bytes stays one encoded word
_MAX_VALUE = 900  # characters of a header value kept on one line (the limit is 998 octets)
CRLF = "\r\n"


def valid_email(address: str) -> bool:
    """True for a plausible ASCII mailbox `local@domain.tld`."""
    return len(address) <= 254 and bool(_EMAIL_RE.match(address))


_MAILBOX_RE = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<>"]*?))\s*<([^<>\s]+)>\s*$')


def parse_mailbox(text: str) -> tuple[str, str]:
    """`政策监测 <noreply@example.com>` -> ("政策监测", "noreply@example.com"); a bare address
    has an empty name. ValueError (saying what is wrong) for anything else."""
    value = text.strip()
    if any(c in value for c in "\r\n\x00"):
        raise ValueError(f"{text!r} must be one line")
    found = _MAILBOX_RE.match(value)
    if found:
        quoted, plain, spec = found.groups()
        name = (quoted.replace('\\"', '"') if quoted is not None else plain or "").strip()
    elif "<" in value or ">" in value:
        raise ValueError(f"{text!r} is not `Name <address>`")
    else:
        name, spec = "", value
    if not _ADDR_SPEC_RE.match(spec) or len(spec) > 254:
        raise ValueError(f"{spec!r} in {text!r} is not an email address (local@domain)")
    return one_line(name), spec


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


def encode_words(text: str) -> str:
    """RFC 2047 `=?utf-8?b?...?=` words for `text`, one per folded line (never splits a
    character: a decoder joins adjacent words without the folding white space)."""
    raw = text.encode("utf-8")
    words = []
    start = 0
    while start < len(raw):
        end = min(start + _WORD_BYTES, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # inside a multi-byte character
            end -= 1
        words.append(_encoded_word(raw[start:end]))
        start = end
    return (CRLF + " ").join(words)


def _encoded_word(raw: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(raw).decode('ascii')}?="


@functools.lru_cache(maxsize=1024)
def header_text(text: str) -> str:
    """An unstructured header value (Subject): one line, encoded words unless plain ASCII."""
    value = one_line(text)
    if value.isascii() and "=?" not in value and len(value) <= _MAX_VALUE:
        return value
    return encode_words(value)


def header_address(address: Address) -> str:
    """`name <local@domain>` for a To/From header; the name quoted or encoded, on one line."""
    spec = address.addr_spec
    if not _ADDR_SPEC_RE.match(spec) or len(spec) > 254:
        raise ValueError(f"not a valid email address: {spec!r}")
    name = one_line(address.display_name)
    if not name:
        return spec
    if name.isascii() and "=?" not in name and len(name) <= 200:
        return formataddr((name, spec))
    raw = name.encode("utf-8")
    if len(raw) <= _NAME_BYTES:
        # One word, as formataddr() writes it: Python's parser puts a space between adjacent
        # encoded words of a display name (RFC 2047 says to drop it), so fold only long names.
        return f"{_encoded_word(raw)} <{spec}>"
    return f"{encode_words(name)} <{spec}>"


def header_url(url: str) -> str:
    """`<url>` for List-Unsubscribe: one line, spaces and non-ASCII percent-quoted."""
    value = quote(one_line(url), safe=_URL_SAFE)
    if len(value) > _MAX_VALUE:
        raise ValueError("unsubscribe URL too long")
    return f"<{value}>"


def _message_id(message_id: str) -> str:
    value = message_id.strip()
    if len(value) > _MAX_VALUE or not _MESSAGE_ID_RE.match(value):
        raise ValueError(f"not a valid Message-ID: {message_id!r}")
    return value


@functools.lru_cache(maxsize=64)
def _date(date: dt.datetime) -> str:
    return format_datetime(date.astimezone(dt.UTC))


def _part(body: str, subtype: str, boundary: str) -> bytes:
    """One UTF-8 text part after its boundary line, base64 in CRLF lines of 76 characters."""
    head = (
        f'--{boundary}{CRLF}Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
    )
    encoded = base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")
    return head.encode("ascii") + encoded


def _attachment(item: MailAttachment, boundary: str) -> bytes:
    """One attachment part: base64, the file name in RFC 2231 form (and RFC 2047 for old
    clients that only read `name`)."""
    name = one_line(item.filename)
    quoted = quote(name, safe="")
    encoded = name if name.isascii() else _encoded_word(name.encode("utf-8"))
    head = (
        f'--{boundary}{CRLF}Content-Type: {item.content_type};{CRLF} name="{encoded}"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}"
        f"Content-Disposition: attachment;{CRLF} filename*=utf-8''{quoted}{CRLF}{CRLF}"
    )
    return head.encode("ascii") + base64.encodebytes(item.data).replace(b"\n", b"\r\n")


def build_message(
    rendered: RenderedEmail,
    *,
    sender: Address,
    to: Address,
    message_id: str,
    date: dt.datetime,
    unsubscribe_url: str,
    reply_to: Address | None = None,
    attachments: tuple[MailAttachment, ...] = (),
) -> OutgoingEmail:
    """The email: text part first, HTML alternative, List-Unsubscribe one-click headers; with
    attachments the alternative is the first part of a multipart/mixed."""
    subject = one_line(rendered.subject)
    # Never found in base64 lines (no '-' there), so any random token is a safe boundary.
    boundary = f"=_pw_{secrets.token_hex(12)}"
    alternative = f'multipart/alternative; boundary="{boundary}"'
    headers = [
        ("Subject", header_text(subject)),
        ("From", header_address(sender)),
        ("To", header_address(to)),
        ("Date", _date(date)),
        ("Message-ID", _message_id(message_id)),
        ("List-Unsubscribe", header_url(unsubscribe_url)),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
        ("MIME-Version", "1.0"),
    ]
    if reply_to is not None:
        headers.insert(2, ("Reply-To", header_address(reply_to)))
    body = b"".join(
        (
            _part(rendered.text, "plain", boundary),
            _part(rendered.html, "html", boundary),
            f"--{boundary}--{CRLF}".encode("ascii"),
        )
    )
    if attachments:
        outer = f"=_pw_{secrets.token_hex(12)}"
        headers.append(("Content-Type", f'multipart/mixed; boundary="{outer}"'))
        inner = f"--{outer}{CRLF}Content-Type: {alternative}{CRLF}{CRLF}".encode("ascii")
        parts = [inner, body, *(_attachment(a, outer) for a in attachments)]
        body = b"".join((*parts, f"--{outer}--{CRLF}".encode("ascii")))
    else:
        headers.append(("Content-Type", alternative))
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers) + CRLF
    return OutgoingEmail(
        message_id=message_id.strip(),
        subject=subject,
        to=str(to),
        recipients=(to.addr_spec,),
        raw=head.encode("ascii") + body,
    )
