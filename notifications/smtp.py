"""Delivery: SMTP over stdlib `smtplib` (STARTTLS/SSL, AUTH, one connection per batch) and the
`.eml` folder writer used when no `[smtp]` is configured.

Server answers are mapped at this boundary (as httpx maps httpcore's errors), by whose fault
they are (see `notifications.errors`): only an answer to `RCPT TO` names the recipient, so a
5xx there is `PermanentDeliveryError` (for that recipient only; the connection stays usable
after smtplib's RSET) and a 4xx `TemporaryDeliveryError`. Everything else is our side and
holds the message: no connection, DNS, TLS or a dropped line (`ConnectionDeliveryError`), a
refused login (`AuthDeliveryError`), a refused `MAIL FROM` (`SenderRefusedError`), a refused
DATA (`ServerDeliveryError`), an unset password variable (`ConfigDeliveryError`). Nothing above
this module imports smtplib.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from notifications.errors import (
    AuthDeliveryError,
    ConfigDeliveryError,
    ConnectionDeliveryError,
    DeliveryError,
    PermanentDeliveryError,
    SenderRefusedError,
    ServerDeliveryError,
    TemporaryDeliveryError,
)
from notifications.model import OutgoingEmail


class Transport(ABC):
    """Delivers messages; open once per batch (`with transport:`), then `deliver` each."""

    def open(self) -> None:  # noqa: B027 - optional hook
        """Connect (no-op for transports without a connection)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Disconnect (no-op for transports without a connection)."""

    @abstractmethod
    def deliver(self, msg: OutgoingEmail) -> None:
        """Deliver one message, or raise a `DeliveryError`."""

    def __enter__(self) -> Transport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class SMTPSettings:
    """Where and how to connect (the password already read from the environment)."""

    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "policywatch@localhost"  # the envelope sender: an addr-spec, no display name
    timeout: float = 30.0
    missing_password: str | None = None  # the unset variable a login needs: refuse to connect


def _mapped(code: int, text: str) -> DeliveryError:
    """An answer to `RCPT TO`: the only one that names the recipient."""
    if code == 421 or code < 400:
        return ConnectionDeliveryError(f"{code} {text}", code=code)
    if code < 500:
        return TemporaryDeliveryError(f"{code} {text}", code=code)
    return PermanentDeliveryError(f"{code} {text}", code=code)


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).strip()


class SMTPTransport(Transport):
    """SMTP delivery over one connection; the envelope sender is `settings.sender`."""

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, STARTTLS or SSL as configured, and log in when a username is set."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        if s.username and s.missing_password:
            raise ConfigDeliveryError(
                f"[smtp] password_env: the variable {s.missing_password} is not set"
                f" (the login of {s.username} at {where} needs it)"
            )
        try:
            conn = self._connect()
        except ssl.SSLError as exc:
            raise ConnectionDeliveryError(f"TLS with {where} failed: {exc}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise ConnectionDeliveryError(f"{where} does not offer STARTTLS: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ConnectionDeliveryError(f"cannot connect to {where}: {exc}") from exc
        if s.username:
            self._login(conn, where)
        self._conn = conn

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            conn.starttls(context=context)
        return conn

    def _login(self, conn: smtplib.SMTP, where: str) -> None:
        s = self.settings
        try:
            conn.login(s.username or "", s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(conn)
            text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            raise AuthDeliveryError(
                f"{where} refused the login of {s.username}: {text}", code=exc.smtp_code
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            _quietly_close(conn)
            raise AuthDeliveryError(f"{where} offers no AUTH for {s.username}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(conn)
            raise ConnectionDeliveryError(f"login at {where} failed: {exc}") from exc

    def close(self) -> None:
        """Say QUIT (ignoring a dead connection)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def deliver(self, msg: OutgoingEmail) -> None:
        """Send one message to its To addresses; returns once the server answered 250."""
        if self._conn is None:
            raise ConnectionDeliveryError("not connected")
        try:
            self._conn.sendmail(self.settings.sender, list(msg.recipients), msg.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _mapped(code, _text(text)) from exc
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == 421:
                self._conn = None
                raise ConnectionDeliveryError(_answer(exc), code=421) from exc
            raise SenderRefusedError(
                f"the server refused our sender {self.settings.sender}: {_answer(exc)}",
                code=exc.smtp_code,
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._conn = None
            raise ConnectionDeliveryError(f"server disconnected: {exc}") from exc
        except smtplib.SMTPResponseException as exc:  # DATA refused, or 421 closing
            if exc.smtp_code == 421:
                self._conn = None
                raise ConnectionDeliveryError(_answer(exc), code=421) from exc
            if 400 <= exc.smtp_code < 500:
                raise ServerDeliveryError(_answer(exc), code=exc.smtp_code) from exc
            raise ServerDeliveryError(
                f"the server refused the message: {_answer(exc)}", code=exc.smtp_code
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._conn = None
            raise ConnectionDeliveryError(str(exc) or exc.__class__.__name__) from exc


def _answer(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _quietly_close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def eml_name(message_id: str) -> str:
    """The file name for a Message-ID: a retry of the same message overwrites its file."""
    return re.sub(r"[^A-Za-z0-9.@_-]", "_", message_id.strip("<> ")) + ".eml"


class EmlTransport(Transport):
    """Writes each message to `<dir>/<Message-ID>.eml` atomically (the demo's default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def open(self) -> None:
        """Create the folder."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigDeliveryError(f"cannot create {self.directory}: {exc}") from exc

    def deliver(self, msg: OutgoingEmail) -> None:
        """Write the message (temporary file, then rename over any earlier copy)."""
        target = self.directory / eml_name(msg.message_id)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(msg.raw)
            os.replace(tmp, target)
        except OSError as exc:
            raise ConfigDeliveryError(f"cannot write {target}: {exc}") from exc
