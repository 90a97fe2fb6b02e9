"""The notification commands end to end: subscribers, approve/reject, send, unsubscribe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from parsers.records import ChangeSetState, OutboxState
from state.store import Store
from tests.notifications.conftest import SMTPServer, draft_to_final


@pytest.fixture
def config_file(tmp_path: Path, smtp_server: SMTPServer, store: Store) -> Path:
    """A config file next to the test's database, delivering to the test SMTP server."""
    path = tmp_path / "policywatch.toml"
    path.write_text(
        f"""
[database]
path = "policywatch.db"

[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
starttls = false
sender = "alerts@policywatch.test"
""",
        encoding="utf-8",
    )
    return path


def run(config_file: Path, *args: str) -> Result:
    """`policywatch --config FILE ARGS...`."""
    return CliRunner().invoke(cli, ["--config", str(config_file), *args])


def test_acceptance_three_subscribers_each_message_once(
    config_file: Path, store: Store, smtp_server: SMTPServer
) -> None:
    assert (
        run(
            config_file, "subscribers", "add", "张三", "a@client.cn", "--topic", "企业融资"
        ).exit_code
        == 0
    )
    assert run(config_file, "subscribers", "add", "李四", "b@client.cn").exit_code == 0
    result = run(config_file, "subscribers", "add", "王五", "c@client.cn", "--cadence", "daily")
    assert result.exit_code == 0, result.output
    cs = draft_to_final(store)
    result = run(config_file, "changes", "approve", str(cs), "--by", "审核员")
    assert result.exit_code == 0 and "3 email(s) queued" in result.output, result.output
    assert store.get_change_set(cs).reviewed_by == "审核员"
    result = run(config_file, "send", "--dry-run")
    assert "would send 2 message(s)" in result.output and smtp_server.messages == []
    result = run(config_file, "send")
    assert result.exit_code == 0 and "sent 2 message(s)" in result.output, result.output
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["a@client.cn", "b@client.cn"]
    result = run(config_file, "send")
    assert "sent 0 message(s)" in result.output and len(smtp_server.messages) == 2
    counts = store.outbox_counts()
    assert (counts[OutboxState.SENT], counts[OutboxState.PENDING]) == (2, 1)  # digest at 09:00


def test_reject_needs_a_reason_and_sends_nothing(config_file: Path, store: Store) -> None:
    run(config_file, "subscribers", "add", "李四", "b@client.cn")
    cs = draft_to_final(store)
    assert run(config_file, "changes", "reject", str(cs)).exit_code == 2
    result = run(
        config_file, "changes", "reject", str(cs), "--reason", "格式噪声", "--by", "审核员"
    )
    assert result.exit_code == 0, result.output
    record = store.get_change_set(cs)
    assert (record.state, record.note) == (ChangeSetState.REJECTED, "格式噪声")
    assert store.reviews(cs)[0].action == "reject"
    result = run(config_file, "changes", "approve", str(cs))
    assert result.exit_code == 1 and "rejected" in result.output
    assert store.list_outbox() == []


def test_approve_without_notifying_queues_nothing(config_file: Path, store: Store) -> None:
    run(config_file, "subscribers", "add", "李四", "b@client.cn")
    cs = draft_to_final(store)
    result = run(config_file, "changes", "approve", str(cs), "--no-notify")
    assert result.exit_code == 0 and "0 email(s) queued" in result.output
    assert store.get_change_set(cs).state is ChangeSetState.APPROVED
    assert store.list_outbox() == [] and store.reviews(cs)[0].action == "approve_quiet"


def test_subscribers_add_list_remove(config_file: Path, store: Store) -> None:
    result = run(config_file, "subscribers", "add", "李四", "not-an-email")
    assert result.exit_code == 2 and "not a valid email" in result.output
    run(
        config_file,
        "subscribers",
        "add",
        "李四",
        "b@client.cn",
        "--keyword",
        "融资",
        "--company",
        "某公司",
    )
    result = run(config_file, "subscribers", "add", "李四", "B@client.cn")
    assert result.exit_code == 1 and "already" in result.output
    result = run(config_file, "subscribers", "list", "--json")
    (row,) = json.loads(result.output)
    assert row["company"] == "某公司" and row["subscriptions"][0]["keywords"] == ["融资"]
    assert "b@client.cn" in run(config_file, "subscribers", "list").output
    assert run(config_file, "subscribers", "remove", "b@client.cn").exit_code == 0
    assert store.list_subscribers() == []
    assert run(config_file, "subscribers", "remove", "9").exit_code == 1


def test_import_is_all_or_nothing_with_row_numbers(
    config_file: Path, store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,email,topics,cadence\n张三,a@client.cn,企业融资;人才,daily\n"
        "李四,b@@client,,\n王五,c@client.cn,,monthly\n赵六,A@client.cn,,\n",
        encoding="utf-8",
    )
    result = run(config_file, "subscribers", "import", str(bad))
    assert result.exit_code == 1
    assert "row 3: invalid email 'b@@client'" in result.output
    assert "row 4: cadence must be" in result.output
    assert "row 5: duplicate email 'A@client.cn'" in result.output
    assert "nothing imported" in result.output and store.list_subscribers() == []
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeffname,email,company,topics,keywords,cadence\n"
        "张三,a@client.cn,某公司,企业融资、人才,,daily\n李四,b@client.cn,,,上市,\n",
        encoding="utf-8",
    )
    result = run(config_file, "subscribers", "import", str(good))
    assert result.exit_code == 0 and "Imported 2" in result.output, result.output
    (first, _) = store.list_subscribers()
    (sub,) = store.subscriptions_of(first.id or 0)
    assert sub.topics == ("企业融资", "人才") and sub.cadence == "daily"
    again = run(config_file, "subscribers", "import", str(good))
    assert again.exit_code == 1 and "a@client.cn: already a subscriber" in again.output
    assert len(store.list_subscribers()) == 2


def test_unsubscribe_token_from_the_email(
    config_file: Path, store: Store, smtp_server: SMTPServer
) -> None:
    run(config_file, "subscribers", "add", "李四", "b@client.cn")
    cs = draft_to_final(store)
    run(config_file, "changes", "approve", str(cs))
    run(config_file, "send")
    (received,) = smtp_server.messages
    token = received.msg["List-Unsubscribe"].strip().strip("<>").rsplit("/", 1)[1]
    assert run(config_file, "unsubscribe", token + "x").exit_code == 1
    result = run(config_file, "unsubscribe", token)
    assert result.exit_code == 0 and "Unsubscribed 李四" in result.output
    assert not store.list_subscribers()[0].active
    cs2 = draft_to_final(store)
    assert "0 email(s) queued" in run(config_file, "changes", "approve", str(cs2)).output
