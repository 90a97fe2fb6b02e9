"""Never lose a message: only the recipient's refusal gives up; our side's failures hold.

A real aiosmtpd server refuses `MAIL FROM`, refuses one `RCPT TO`, drops the connection and
refuses the login; every message still arrives exactly once once the cause is gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.config import Config, SMTPConfig, load_config
from monitor.errors import ConfigError
from monitor.review import actions, sending
from parsers.records import OutboxState, Subscriber, Subscription
from state.store import Store
from tests.notifications.conftest import NOW, SMTPServer, draft_to_final

LATER = NOW + dt.timedelta(days=2)  # past every backoff


def three_approved(store: Store, config: Config) -> int:
    for i in range(3):
        who = Subscriber(name=f"用户{i}", email=f"user{i}@client.cn")
        store.add_subscriber(who, [Subscription()], now=NOW)
    cs = draft_to_final(store)
    assert actions.approve_change_set(store, cs, actor="a", now=NOW, config=config) == 3
    return cs


def recipients(server: SMTPServer) -> list[str]:
    return sorted(m.rcpt_tos[0] for m in server.messages)


def test_sender_with_display_name_is_encoded_and_the_envelope_is_the_address(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    smtp = dataclasses.replace(
        config.smtp or SMTPConfig(host=""), sender="政策监测 <noreply@example.com>"
    )
    config = dataclasses.replace(config, smtp=smtp)
    three_approved(store, config)
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.failed, report.ok) == (3, 0, True)
    (first, *_rest) = smtp_server.messages
    assert first.mail_from == "noreply@example.com"
    assert first.msg["From"].addresses[0].display_name == "政策监测"
    assert b"From: =?utf-8?b?" in first.raw  # RFC 2047, not raw UTF-8
    assert all(m.msg["Message-ID"].endswith("@example.com>") for m in smtp_server.messages)


@pytest.mark.parametrize(
    "sender",
    ["policywatch <noreply@example.com", "政策监测 <not an address>", "a\nb@example.com", ""],
)
def test_a_bad_sender_is_refused_at_load(tmp_path: Path, sender: str) -> None:
    path = tmp_path / "policywatch.toml"
    path.write_text(f'[smtp]\nhost = "mail"\nsender = {sender!r}\n'.replace("'", '"'), "utf-8")
    with pytest.raises(ConfigError, match=r"smtp\.sender"):
        load_config(path)


def test_mail_from_refused_holds_every_message_then_each_arrives_once(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    three_approved(store, config)
    smtp_server.handler.refuse_mail = "553 5.7.1 Sender address rejected: not owned by user"
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.held, report.failed) == (0, 3, 0)
    rows = store.list_outbox()
    assert {(r.state, r.hold_reason) for r in rows} == {(OutboxState.PENDING, "sender")}
    assert "553 5.7.1" in (rows[0].last_error or "")
    smtp_server.handler.refuse_mail = None
    assert sending.send_due(config, store, now=LATER).emails == 3
    assert sending.send_due(config, store, now=LATER + dt.timedelta(days=1)).due == 0
    assert recipients(smtp_server) == ["user0@client.cn", "user1@client.cn", "user2@client.cn"]


def test_one_refused_recipient_is_given_up_alone(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    three_approved(store, config)
    smtp_server.handler.refuse["user1@client.cn"] = "550 5.1.1 No such user"
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.failed, report.held) == (2, 1, 0)
    (failed,) = store.list_outbox(state=OutboxState.FAILED)
    assert failed.last_error == "550 5.1.1 No such user" and failed.hold_reason is None


def test_dropped_connection_holds_the_rest_and_delivers_each_once(
    store: Store, config: Config, smtp_server: SMTPServer
) -> None:
    three_approved(store, config)
    smtp_server.handler.drop = 1  # the first DATA: the line goes dead
    report = sending.send_due(config, store, now=NOW)
    assert (report.emails, report.held, report.failed) == (0, 3, 0)
    assert {r.hold_reason for r in store.list_outbox()} == {"connection"}
    assert sending.send_due(config, store, now=LATER).emails == 3
    assert recipients(smtp_server) == ["user0@client.cn", "user1@client.cn", "user2@client.cn"]
    assert len({m.msg["Message-ID"] for m in smtp_server.messages}) == 3


@pytest.fixture
def auth_file(tmp_path: Path, smtp_server: SMTPServer, store: Store) -> Path:
    """A config logging in as `policywatch` with the password from POLICYWATCH_SMTP_PASSWORD."""
    smtp_server.stop()
    smtp_server.handler.password = "right"
    smtp_server.start()
    path = tmp_path / "policywatch.toml"
    path.write_text(
        f"""
[database]
path = "policywatch.db"

[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
starttls = false
username = "policywatch"
password_env = "POLICYWATCH_SMTP_PASSWORD"
sender = "政策监测 <noreply@example.com>"
""",
        encoding="utf-8",
    )
    return path


def run(path: Path, *args: str, env: Mapping[str, str | None]) -> Result:
    return CliRunner().invoke(cli, ["--config", str(path), *args], env=env)


def test_refused_login_gives_nothing_up_status_says_why_and_a_fix_delivers_each_once(
    auth_file: Path, store: Store, smtp_server: SMTPServer
) -> None:
    config = load_config(auth_file)
    three_approved(store, config)
    wrong = {"POLICYWATCH_SMTP_PASSWORD": "wrong"}
    result = run(auth_file, "send", env=wrong)
    assert result.exit_code == 1
    assert "3 held, 0 failed" in result.output and "refused the login" in result.output
    logins = smtp_server.handler.logins
    assert smtp_server.messages == [] and logins and not any(logins)  # one try per mechanism
    assert store.outbox_counts()[OutboxState.FAILED] == 0
    status = run(auth_file, "status", env=wrong)
    assert status.exit_code == 1
    assert "3 held" in status.output
    assert "HELD 3 message(s) on email (auth)" in status.output and "535" in status.output
    # The password fixed; the backoff has not passed yet, so the operator says so.
    right = {"POLICYWATCH_SMTP_PASSWORD": "right"}
    fixed = run(auth_file, "send", "--retry-held", env=right)
    assert fixed.exit_code == 0, fixed.output
    assert recipients(smtp_server) == ["user0@client.cn", "user1@client.cn", "user2@client.cn"]
    again = run(auth_file, "send", "--retry-held", env=right)
    assert again.exit_code == 0 and "0 row(s) due" in again.output
    assert len(smtp_server.messages) == 3


def test_unset_password_variable_warns_and_holds(
    auth_file: Path, store: Store, smtp_server: SMTPServer
) -> None:
    config = load_config(auth_file)
    three_approved(store, config)
    unset: dict[str, str | None] = {"POLICYWATCH_SMTP_PASSWORD": None}
    status = run(auth_file, "status", env=unset)
    assert "Warning: [smtp] password_env: the variable POLICYWATCH_SMTP_PASSWORD" in status.output
    result = run(auth_file, "send", env=unset)
    assert result.exit_code == 1
    assert "error: [smtp] password_env: the variable POLICYWATCH_SMTP_PASSWORD is not set" in (
        result.output
    )
    assert smtp_server.handler.logins == []  # it did not even try with an empty password
    assert {r.hold_reason for r in store.list_outbox()} == {"config"}
