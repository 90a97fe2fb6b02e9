"""Fixtures of the notification tests: a real aiosmtpd server on loopback, stored change sets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from monitor.config import Config, OutboxConfig, SMTPConfig
from parsers import parse_path
from parsers.diff import diff_documents
from parsers.model import DocumentDiff, PolicyDocument
from parsers.records import ChangeSetKind, Fetched
from state.store import Store

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = dt.datetime(2022, 12, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
DRAFT_URL = "https://gxj.sz.gov.cn/xxgk/xxgkml/qt/tzgg/content/post_9876543.html"
FINAL_URL = "https://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gfxwj/content/post_10358920.html"


def body_text(msg: EmailMessage, kind: str) -> str:
    """The decoded `plain` or `html` part of a message."""
    part = msg.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (aiosmtpd cannot bind port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def msg(self) -> EmailMessage:
        """The parsed message (modern policy: decoded headers)."""
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Keeps accepted messages; can answer DATA with queued codes, refuse recipients, refuse
    the sender, drop the connection, refuse a login."""

    messages: list[Received] = field(default_factory=list)
    data_answers: list[str] = field(default_factory=list)  # e.g. ["451 4.3.0 try later"]
    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." at RCPT
    refuse_mail: str | None = None  # e.g. "553 5.7.1 sender not allowed" at MAIL FROM
    drop: int = 0  # drop the connection at the next `drop` DATA commands
    password: str | None = None  # AUTH PLAIN/LOGIN accepted only with this password
    logins: list[bool] = field(default_factory=list)

    def authenticator(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = self.password is not None and auth_data.password.decode() == self.password
        self.logins.append(ok)
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop:
            self.drop -= 1
            server.transport.close()  # the line goes dead mid-transaction
            return "421 closing"
        if self.data_answers:
            return self.data_answers.pop(0)
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    """A running aiosmtpd controller and its handler."""

    port: int
    handler: Handler
    controller: Controller | None = None

    def start(self) -> None:
        auth: dict[str, Any] = {}
        if self.handler.password is not None:
            auth = {"authenticator": self.handler.authenticator, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **auth)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """aiosmtpd on 127.0.0.1 at a free port, started (stop/start it to simulate an outage)."""
    server = SMTPServer(port=free_port(), handler=Handler())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def config(tmp_path: Path, smtp_server: SMTPServer) -> Config:
    """A config delivering to the test server (no TLS, no AUTH on loopback)."""
    smtp = SMTPConfig(
        host="127.0.0.1", port=smtp_server.port, starttls=False, sender="alerts@policywatch.test"
    )
    return Config(
        smtp=smtp,
        outbox=OutboxConfig(dir=tmp_path / "outbox"),
        database=dataclasses.replace(Config().database, path=tmp_path / "policywatch.db"),
    )


def _fetched(url: str, text: str, at: dt.datetime) -> Fetched:
    body = text.encode("utf-8")
    return Fetched(
        url=url,
        fetched_at=at,
        http_status=200,
        media_type="text/plain",
        content=body,
        content_hash=hashlib.sha256(body).hexdigest(),
    )


def store_document(
    store: Store, doc: PolicyDocument, *, url: str, at: dt.datetime
) -> tuple[int, int]:
    """Store a document with one version; returns (document id, version id)."""
    doc_id = store.add_document(
        title=doc.title or "", norm_title=doc.title or "", status=doc.status, url=url, now=at
    )
    version_id = store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(url, doc.title or "", at),
        text="",
        document=doc,
        tree_hash=hashlib.sha256(repr(doc).encode()).hexdigest(),
        parser_version="test",
    )
    return doc_id, version_id


def parsed(name: str) -> PolicyDocument:
    """A fixture text parsed by the real parser."""
    return parse_path(FIXTURES / "texts" / name)


def draft_to_final(store: Store) -> int:
    """The real draft → final A change set (parser + differ), pending; returns its id."""
    draft, final = parsed("seed-article.txt"), parsed("zjtx-final-a.txt")
    doc_id, v1 = store_document(store, draft, url=DRAFT_URL, at=NOW - dt.timedelta(days=190))
    v2 = store.add_version(
        document_id=doc_id,
        rendition_id=None,
        fetched=_fetched(FINAL_URL, "final", NOW - dt.timedelta(hours=1)),
        text="",
        document=final,
        tree_hash="final",
        parser_version="test",
    )
    return store.add_change_set(
        document_id=doc_id,
        from_version_id=v1,
        to_version_id=v2,
        source_id=None,
        kind=ChangeSetKind.CHANGED,
        diff=diff_documents(draft, final),
        detected_at=NOW - dt.timedelta(hours=1),
    )


def new_document(store: Store, doc: PolicyDocument, *, url: str) -> int:
    """A NEW_DOCUMENT change set for `doc` (no clause changes); returns its id."""
    doc_id, version_id = store_document(store, doc, url=url, at=NOW - dt.timedelta(hours=2))
    return store.add_change_set(
        document_id=doc_id,
        from_version_id=None,
        to_version_id=version_id,
        source_id=None,
        kind=ChangeSetKind.NEW_DOCUMENT,
        diff=DocumentDiff(),
        detected_at=NOW - dt.timedelta(hours=2),
    )
