"""The hand-written MIME writer: what it produces parses back (`email.policy.default`) into the
same headers and parts as the stdlib `EmailMessage` would give, on the wire format SMTP wants,
and no header can be injected through any value."""

from __future__ import annotations

import base64
import datetime as dt
import re
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from notifications.message import build_message, encode_words, mailbox
from notifications.model import OutgoingEmail, RenderedEmail

NOW = dt.datetime(2022, 12, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SUBJECT = "【政策变更】深圳市关于促进专精特新企业高质量发展的若干措施：17处条款变化"
TEXT = "张三，您好：\n\n第五条 支持企业融资。\n退订：https://pw.example/unsubscribe/t\n"
HTML = '<p style="color:#b00">张三，您好：</p>\n<p>第五条 <span>支持</span>企业融资。</p>\n' * 40
SENDER = Address(display_name="policywatch 政策监测", addr_spec="policywatch@localhost")
URL = "https://pw.example/unsubscribe/42.1700000000.c2ln"
HEADERS = (
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
)


def reference(rendered: RenderedEmail, to: Address, message_id: str, url: str) -> EmailMessage:
    """The same email built with the stdlib's `EmailMessage` and its header policy."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = SENDER
    msg["To"] = to
    msg["Date"] = NOW.astimezone(dt.UTC)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def built(subject: str, to: Address, *, url: str = URL, text: str = TEXT) -> OutgoingEmail:
    return build_message(
        RenderedEmail(subject=subject, text=text, html=HTML),
        sender=SENDER,
        to=to,
        message_id="<pw.7.3.0123abcd@localhost>",
        date=NOW,
        unsubscribe_url=url,
    )


def parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        (SUBJECT, "张三"),
        (SUBJECT * 3, "欧阳 娜娜（深圳市某某科技有限公司 人力资源部）"),
        ("Policy update: 3 changes", 'Zhang, "San" (HR)'),
        (("ASCII but =?utf-8?q?looks_encoded?= and long " * 4).strip(), ""),
        ("表情 🎉 和 é ü 混排：" + "𠮷" * 30, "🎉 Ünïcode"),
    ],
    ids=["chinese", "long", "ascii-specials", "ascii-encoded-word", "astral"],
)
def test_parses_back_like_the_stdlib_message(subject: str, name: str) -> None:
    to = mailbox(name, "zhang.san@client.example")
    email = built(subject, to)
    ours, ref = (
        parse(email.raw),
        reference(RenderedEmail(subject=subject, text=TEXT, html=HTML), to, email.message_id, URL),
    )
    assert ours.defects == [] and all(p.defects == [] for p in ours.iter_parts())
    assert list(ours.keys()) == list(HEADERS)
    for header in HEADERS[3:-2]:
        assert str(ours[header]) == str(ref[header]), header
    # Exact, even where the stdlib's own output does not survive a round trip (an ASCII
    # "=?...?=" subject; a display name folded into several words gains spaces).
    assert ours["Subject"] == subject
    assert ours["To"].addresses == (to,) and ours["From"].addresses == (SENDER,)
    assert ours.get_content_type() == "multipart/alternative"
    text, html = ours.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content() == TEXT and html.get_content() == HTML
    assert email.to == str(to) and email.subject == subject
    assert email.recipients == ("zhang.san@client.example",)


def test_wire_format_is_ascii_crlf_and_short_lines() -> None:
    name = "欧阳娜娜（深圳市某某科技有限公司）" * 5
    raw = built(SUBJECT * 3, mailbox(name, "a@b.cn"), text=TEXT * 200).raw
    # A name this long is folded into several words; Python's parser (only) adds spaces.
    assert parse(raw)["To"].addresses[0].display_name.replace(" ", "") == name
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert all(len(line) <= 78 for line in head.split(b"\r\n") if not line.startswith(b"To:"))
    assert all(len(line) <= 76 for line in body.split(b"\r\n"))


def test_encoded_words_never_split_a_character() -> None:
    text = "a" + "𠮷é中" * 40
    words = re.findall(r"=\?utf-8\?b\?([^?]*)\?=", encode_words(text))
    assert len(words) > 3
    assert "".join(base64.b64decode(w).decode("utf-8") for w in words) == text
    assert all(len(line) <= 75 for line in encode_words(text).split("\r\n "))


def test_no_header_injection_through_any_value() -> None:
    evil = "x\r\nBcc: victim@evil.example\r\n\r\nbody\nX-Evil: 1\u2028X-Evil: 2"
    to = mailbox(f"李四{evil}", "b@x.cn")
    # Address() itself refuses CR and LF; other line breaks and controls get this far.
    sender = Address(display_name="pw\u2028Bcc: v@evil.example\x0bX-Evil: 3", addr_spec="pw@x.cn")
    email = build_message(
        RenderedEmail(subject=f"标题{evil}", text=TEXT, html=HTML),
        sender=sender,
        to=to,
        message_id="<pw.1@x.cn>",
        date=NOW,
        unsubscribe_url=f"https://pw.example/u/t{evil}",
    )
    parsed = parse(email.raw)
    assert list(parsed.keys()) == list(HEADERS)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["b@x.cn"]
    assert parsed["Subject"].startswith("标题x Bcc: victim@evil.example body X-Evil: 1")
    assert "\r" not in email.subject and "\n" not in email.subject
    assert parsed["List-Unsubscribe"].startswith("<https://pw.example/u/tx%20Bcc:%20victim")


@pytest.mark.parametrize(
    "message_id", ["<pw.1@x.cn>\r\nBcc: v@x.cn", "pw.1@x.cn", "<a b@x.cn>", "<pw@x<y>.cn>"]
)
def test_a_malformed_message_id_is_refused(message_id: str) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        build_message(
            RenderedEmail(subject="s", text="t", html="h"),
            sender=SENDER,
            to=mailbox("a", "a@b.cn"),
            message_id=message_id,
            date=NOW,
            unsubscribe_url=URL,
        )
