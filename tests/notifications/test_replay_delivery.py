"""Acceptance of issue 15: the replay scenario through the CLI, with a sender written the way
every mail setup writes it (`政策监测 <noreply@example.com>`) and a real SMTP server: every
approved email arrives once, and a second `send` sends nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.cli.demo import CONFIG_TEMPLATE
from monitor.fetch.replay import ReplayServer
from parsers.records import OutboxState
from state.store import open_store
from tests.conftest import SNAPSHOTS
from tests.notifications.conftest import SMTPServer


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def test_replay_with_a_named_sender_every_approved_email_once(
    replay: ReplayServer, site: Path, tmp_path: Path, smtp_server: SMTPServer
) -> None:
    config = tmp_path / "policywatch.toml"
    sources = CONFIG_TEMPLATE.format(base=replay.url, keyword="若干措施")
    smtp = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nstarttls = false\n'
        'sender = "政策监测 <noreply@example.com>"\n'
    )
    # Every source auto-approves: the scenario has no staff (as the demo).
    auto = sources.replace(
        'keywords = ["若干措施"]', 'keywords = ["若干措施"]\nauto_approve = true'
    )
    config.write_text(auto + smtp, encoding="utf-8")
    for name, email in (("李四", "all@client.cn"), ("融资部", "finance@client.cn")):
        assert run(config, "subscribers", "add", name, email).exit_code == 0
    for snapshot in SNAPSHOTS:
        replay.switch(site / snapshot)
        result = run(config, "check")
        assert result.exit_code == 0, result.output
        first = run(config, "send")
        assert first.exit_code == 0, first.output
        assert "0 failed" in first.output and "0 held" in first.output
        again = run(config, "send")
        assert again.exit_code == 0 and "0 row(s) due" in again.output
    with open_store(tmp_path / "policywatch.db") as store:
        rows = store.list_outbox()
        approved = [c for c in store.list_change_sets() if c.state.value == "approved"]
    assert len(approved) >= 2  # the first sight is a baseline: the final, the correction
    assert rows and all(r.state is OutboxState.SENT for r in rows)
    assert len(rows) == 2 * len(approved)
    received = Counter(str(m.msg["Message-ID"]) for m in smtp_server.messages)
    assert set(received) == {r.message_id for r in rows} and set(received.values()) == {1}
    for message in smtp_server.messages:
        assert message.mail_from == "noreply@example.com"
        assert message.msg["From"].addresses[0].display_name == "政策监测"
