"""Config files: defaults, validation errors that name the key, exit code 2 from the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli, main
from monitor.cli.presets import PRESETS
from monitor.config import Weekday, config_keys, load_config, parse_duration
from monitor.errors import ConfigError
from parsers.tools import DEFAULT_BUDGET, Budget


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policywatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("500ms", 0.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "5x", "m", "0s", "-5m", "30 minutes"])
def test_parse_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_are_valid_configs(tmp_path: Path, preset: str) -> None:
    config = load_config(_write(tmp_path, PRESETS[preset]))
    assert config.sources
    assert config.database.path == tmp_path / "policywatch.db"  # relative to the file
    assert config.outbox.dir == tmp_path / "outbox"


def test_gxj_preset_uses_http_and_keywords(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, PRESETS["gxj-sz"]))
    assert {s.kind for s in config.sources} == {"html-list", "postmeta", "gkmlpt"}
    assert all(s.url.startswith("http://gxj.sz.gov.cn/") for s in config.sources)
    assert all("专精特新" in s.keywords for s in config.sources)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus = 1\n", "'bogus'"),
        ("[fetch]\nconcurrencyy = 3\n", "fetch.concurrencyy"),
        ("[fetch]\nconcurrency = 'many'\n", "fetch.concurrency"),
        (
            "[[source]]\nname='a'\nkind='page'\nurl='http://a.gov.cn/'\nevery='5x'\n",
            "source[1].every",
        ),
        ("[[source]]\nname='a'\nkind='rss'\nurl='http://a.gov.cn/'\n", "source[1].kind"),
        ("[[source]]\nname='a'\nkind='page'\nurl='ftp://a.gov.cn/'\n", "source[1].url"),
        ("[[source]]\nname='a'\nkind='page'\n", "source[1].url"),
        ("[smtp]\nport = 25\n", "smtp.host"),
        ("[daemon]\nsend_every = true\n", "daemon.send_every"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert named in str(info.value) and str(path) in str(info.value)


def test_duplicate_source_names_rejected(tmp_path: Path) -> None:
    src = "[[source]]\nname='a'\nkind='page'\nurl='http://a.gov.cn/'\n"
    with pytest.raises(ConfigError, match="duplicate"):
        load_config(_write(tmp_path, src * 2))


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[fetch\n"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_cli_exits_2_with_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, "[[source]]\nname='a'\nkind='page'\nurl='http://a.gov.cn/'\nevery='often'\n"
    )
    monkeypatch.setattr("sys.argv", ["policywatch", "--config", str(path), "sources", "list"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "source[1].every" in err[0]


def test_config_env_var_overrides_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, PRESETS["gxj-sz"])
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(path))
    result = CliRunner().invoke(cli, ["sources", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert "gxj-tzgg" in result.output


def test_every_key_has_a_default_but_source_identity() -> None:
    keys = config_keys()
    assert {"name", "kind", "url", "every", "keywords"} <= set(keys["source"])
    assert "password_env" in keys["smtp"] and "password" not in keys["smtp"]


SOURCE = "[[source]]\nname='a'\nkind='page'\n"
GOV = SOURCE + "url='http://gxj.sz.gov.cn/a.html'\n"

# Each value issue 13 types at load: (config text, the key named, what the message says).
REJECTED = [
    pytest.param("[notifications]\ndigest_time = '9am'\n", "notifications.digest_time", "HH:MM", id="digest_time-9am"),
    pytest.param("[notifications]\ndigest_time = '24:00'\n", "notifications.digest_time", "HH:MM", id="digest_time-24h"),
    pytest.param("[notifications]\nweekly_day = 'someday'\n", "notifications.weekly_day", "mon ... sun", id="weekly_day"),
    pytest.param("[smtp]\nhost = 'mail'\nport = 0\n", "smtp.port", "1-65535", id="smtp-port-0"),
    pytest.param("[smtp]\nhost = 'mail'\nport = 99999\n", "smtp.port", "1-65535", id="smtp-port-99999"),
    pytest.param("[web]\nport = 0\n", "web.port", "1-65535", id="web-port-0"),
    pytest.param("[web]\nport = 99999\n", "web.port", "1-65535", id="web-port-99999"),
    pytest.param(GOV + "every = 30\n", "source[1].every", 'write "30m"', id="every-without-unit"),
    pytest.param("[daemon]\nheartbeat = 10\n", "daemon.heartbeat", 'write "10m"', id="duration-without-unit"),
    pytest.param(GOV + "every = '30s'\n", "source[1].every", "at most every minute", id="every-too-often"),
    pytest.param(GOV + "cron = '61 * * * *'\n", "source[1].cron", "bad crontab", id="cron-minute"),
    pytest.param(GOV + "cron = 'every day'\n", "source[1].cron", "bad crontab", id="cron-words"),
    pytest.param(SOURCE + "url = 'gxj.sz.gov.cn/a.html'\n", "source[1].url", "http://", id="url-no-scheme"),
    pytest.param(SOURCE + "url = 'http://'\n", "source[1].url", "no host", id="url-no-host"),
    pytest.param(SOURCE + "url = 'http://gxj.sz.gov.cn/a b.html'\n", "source[1].url", "without spaces", id="url-space"),
    pytest.param(SOURCE + "url = 'http://example.com/a.html'\n", "source[1].url", "[fetch] allow_hosts", id="url-host-not-allowed"),
    pytest.param(SOURCE + "url = 'http://10.1.2.3/a.html'\n", "source[1].url", "[fetch] allow_hosts", id="url-address-not-allowed"),
    pytest.param("[notifications]\nbase_url = '127.0.0.1:8000'\n", "notifications.base_url", "http://", id="base_url-no-scheme"),
    pytest.param(SOURCE.replace("'page'", "'rss'") + "url='http://a.gov.cn/'\n", "source[1].kind", "known: gkmlpt, html-list, page, postmeta", id="kind"),
    pytest.param(GOV + "body_selector = 'td['\n", "source[1].body_selector", "'td[' is not a valid CSS selector", id="body_selector-invalid"),
    pytest.param(GOV + "body_selector = 'p::text'\n", "source[1].body_selector", "not a valid CSS selector", id="body_selector-pseudo-element"),
    pytest.param(GOV + "body_selector = ' '\n", "source[1].body_selector", "empty CSS selector", id="body_selector-empty"),
    pytest.param(GOV + "selectors = ['div.list li', 'ul >']\n", "source[1].selectors", "'ul >' is not a valid CSS selector", id="selectors-invalid"),
    pytest.param("[parse]\nconvert_timeout = 120\n", "parse.convert_timeout", 'write "120m"', id="convert_timeout-without-unit"),
    pytest.param("[parse]\nmemory_limit = '2GB'\n", "parse.memory_limit", '"2GiB"', id="memory_limit-unit"),
    pytest.param("[parse]\nmemory_limit = '64MiB'\n", "parse.memory_limit", "at least 256MiB", id="memory_limit-too-small"),
    pytest.param("[parse]\nocr_max_pages = -1\n", "parse.ocr_max_pages", "non-negative", id="ocr_max_pages-negative"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "says"), REJECTED)
def test_each_bad_value_is_rejected_at_load_with_exit_2_naming_file_and_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    key: str,
    says: str,
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path}: {key}:" in str(info.value) and says in str(info.value)
    # `sources list` does nothing but load the config: the value is refused at load, exit 2.
    monkeypatch.setattr("sys.argv", ["policywatch", "--config", str(path), "sources", "list"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}: {key}:" in err[0]


def test_typed_values_load_as_types(tmp_path: Path) -> None:
    config = load_config(
        _write(
            tmp_path,
            "[fetch]\nallow_hosts = ['*.gov.cn', '127.0.0.1']\n"
            "[notifications]\ndigest_time = '8:05'\nweekly_day = 'Friday'\n"
            "base_url = 'https://policywatch.example.com/'\n"
            "[web]\nport = 65535\n"
            + GOV
            + "cron = '0 9 * * 1-5'\n"
            + "[[source]]\nname='replay'\nkind='page'\nurl='http://127.0.0.1:8080/a.html'\n"
            + "every = '1s'\n",  # a replay on loopback may be checked faster than a public site
        )
    )
    assert config.notifications.digest_time == dt.time(8, 5)
    assert config.notifications.weekly_day is Weekday.FRI and Weekday.FRI.number == 4
    assert config.web.port == 65535
    assert config.source("a").cron == "0 9 * * 1-5"
    assert config.source("replay").every == dt.timedelta(seconds=1)


def test_parse_budget_keys_become_the_parsers_budget(tmp_path: Path) -> None:
    config = load_config(
        _write(
            tmp_path,
            "[parse]\nconvert_timeout = '45s'\nocr_timeout = '10m'\nocr_max_pages = 5\n"
            "memory_limit = '512MiB'\n" + GOV + "body_selector = 'td.main:contains(\"正文\")'\n",
        )
    )
    assert config.parse.budget == Budget(
        seconds=45.0, memory_bytes=512 * 1024**2, ocr_pages=5, document_seconds=600.0
    )
    assert config.source("a").body_selector == 'td.main:contains("正文")'  # lxml's extension
    assert load_config(_write(tmp_path, "")).parse.budget == DEFAULT_BUDGET


CHANNEL = "[[channel]]\nname = 'acme'\n"
CHANNEL_REJECTED = [
    pytest.param(CHANNEL + "kind = 'slack'\nurl = 'https://x'\n", "channel[1].kind", "known: apprise, dingtalk, feishu, wecom", id="kind"),
    pytest.param(CHANNEL + "kind = 'dingtalk'\nurl = 'https://oapi.dingtalk.com/robot/send'\n", "channel[1].url", "access_token", id="dingtalk-token"),
    pytest.param(CHANNEL + "kind = 'wecom'\nurl = 'http://qyapi.weixin.qq.com/x?key=1'\n", "channel[1].url", "https", id="wecom-http"),
    pytest.param(CHANNEL + "kind = 'feishu'\n", "channel[1].url", "url_env", id="no-url"),
    pytest.param("[[channel]]\nname = 'email'\nkind = 'apprise'\nurl = 'ntfy://t'\n", "channel[1].name", "reserved", id="reserved-name"),
    pytest.param(CHANNEL + "kind = 'apprise'\nurl = 'ntfy://t'\n" + CHANNEL + "kind = 'apprise'\nurl = 'ntfy://u'\n", "channel[2].name", "duplicate", id="duplicate"),
    pytest.param("[smtp]\nhost = 'mail'\nsender = 'policywatch <noreply@example.com'\n", "smtp.sender", "Name <address>", id="sender-unclosed"),
    pytest.param("[notifications]\nreply_to = '顾问 <not-an-address>'\n", "notifications.reply_to", "not an email address", id="reply-to"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "says"), CHANNEL_REJECTED)
def test_channel_and_sender_errors_name_the_key(
    tmp_path: Path, text: str, key: str, says: str
) -> None:
    with pytest.raises(ConfigError) as found:
        load_config(_write(tmp_path, text))
    assert key in str(found.value) and says in str(found.value)


def test_a_channel_and_a_named_sender_load(tmp_path: Path) -> None:
    config = load_config(
        _write(
            tmp_path,
            "[smtp]\nhost = 'mail'\nsender = '政策监测 <noreply@example.com>'\n"
            "[notifications]\norganisation = '华南政策咨询'\nattach_table = true\n"
            "[[channel]]\nname = 'acme'\nkind = 'dingtalk'\nurl_env = 'ACME_URL'\n"
            "secret_env = 'ACME_SECRET'\n",
        )
    )
    assert config.smtp is not None and config.smtp.sender == "政策监测 <noreply@example.com>"
    channel = config.channel("acme")
    assert channel is not None and channel.kind == "dingtalk" and channel.max_parts == 3
    assert config.notifications.attach_table
