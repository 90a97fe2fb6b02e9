"""The configuration file (`policywatch.toml`), parsed with tomllib into frozen dataclasses.

Defaults live in the dataclass fields. Unknown keys and bad values raise `ConfigError` with a
message naming the file and the key (`policywatch.toml: source[2].every: bad duration '5x'`).
Secrets are never stored in the file: `[smtp] password_env` names an environment variable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import re
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from monitor.errors import ConfigError, URLNotAllowedError
from monitor.hosts import HostPolicy, check_url, literal_address
from monitor.sources import Source
from monitor.sources import SourceConfig as SourceConfig  # the `[[source]]` table, re-exported
from notifications.chat import CHAT_KINDS, webhook_problem
from parsers.tools import DEFAULT_BUDGET, Budget

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MIN_EVERY = dt.timedelta(minutes=1)  # a public site polled more often may block the client
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_WEB_URL = re.compile(r"^https?://[^/\s?#]+(?:[/?#]\S*)?$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
MIN_MEMORY = 256 * 1024**2  # LibreOffice and Tesseract do not start with less address space
MIN_READ_MEMORY = 64 * 1024**2  # parsing a policy page takes tens of MiB


@functools.lru_cache(maxsize=256)  # a config names a few durations, each many times
def parse_duration(text: str) -> dt.timedelta:
    """`"30m"` -> 30 minutes; accepts ms/s/m/h/d/w, combined (`"1h30m"`); must be positive."""
    compact = text.replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"bad duration {text!r} (use e.g. '45s', '30m', '6h', '1d')")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"duration {text!r} must be positive")
    return dt.timedelta(seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    """Inverse of `parse_duration` for display: 1800 s -> `"30m"`."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class Weekday(enum.StrEnum):
    """`[notifications] weekly_day`, in Python's weekday order (Monday = 0)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday ... 6 for Sunday (`datetime.weekday()`)."""
        return list(Weekday).index(self)


_DAY_NAMES = {d.value: d for d in Weekday} | {
    name: d
    for d, name in zip(
        Weekday,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
}


def _port(value: int) -> None:
    if not 1 <= value <= 65535:
        raise ValueError(f"port {value} is not in 1-65535")


def _web_url(value: str) -> None:
    if not _WEB_URL.match(value):
        raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")


def _mailbox(value: str) -> None:
    # imported here: `notifications.message` brings the email renderer (Jinja), about 0.15 s
    # of start-up that a `check` process never needs
    from notifications.message import parse_mailbox

    parse_mailbox(value)  # ValueError says what is wrong


def _enough_memory(value: int) -> None:
    if value < MIN_MEMORY:
        raise ValueError(
            f"{value} bytes is too little for LibreOffice or Tesseract: at least 256MiB"
        )


def _enough_for_a_read(value: int) -> None:
    if value < MIN_READ_MEMORY:
        raise ValueError(f"{value} bytes is too little to read a document: at least 64MiB")


ByteSize = typing.NewType("ByteSize", int)  # `"2GiB"`, `"512MiB"` or a number of bytes
Port = Annotated[int, _port]
WebURL = Annotated[str, _web_url]
Mailbox = Annotated[str, _mailbox]  # `addr@domain` or `Name <addr@domain>`


@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseConfig:
    """`[database]`: where the SQLite file lives."""

    path: Path = Path("policywatch.db")


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchConfig:
    """`[fetch]`: politeness, limits and the host allowlist."""

    allow_hosts: tuple[str, ...] = ("*.gov.cn",)
    concurrency: int = 10  # requests in flight overall
    per_host: int = 4  # requests in flight per host
    timeout: float = 20.0  # seconds, connect and read
    retries: int = 2  # extra tries on 5xx, timeouts and resets
    backoff: float = 0.5  # seconds, doubled per retry
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "policywatch/0.1 (+policy change monitor)"
    # one request from connecting to its last body byte: a server trickling bytes is cut off
    deadline: dt.timedelta = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class SMTPConfig:
    """`[smtp]`: the mail server. The password comes from the variable named by password_env."""

    host: str
    port: Port = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: Mailbox = "policywatch@localhost"  # `Name <addr>` or `addr`, checked at load
    timeout: float = 30.0
    batch_size: int = 100  # messages per SMTP connection


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxConfig:
    """`[outbox]`: without `[smtp]`, emails are written here as .eml files."""

    dir: Path = Path("outbox")


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationsConfig:
    """`[notifications]`: links, digests, unsubscribe tokens, retries."""

    base_url: WebURL = "http://127.0.0.1:8000"  # where the review UI / unsubscribe endpoint live
    secret_env: str = "POLICYWATCH_SECRET"  # HMAC key for unsubscribe tokens
    digest_time: dt.time = dt.time(9, 0)  # local time (Asia/Shanghai) of daily and weekly digests
    weekly_day: Weekday = Weekday.MON
    token_days: int = 90  # unsubscribe links stay valid this long
    max_attempts: int = 8  # delivery tries before a message is given up
    retry_backoff: dt.timedelta = dt.timedelta(minutes=1)  # first retry delay, doubled per try
    # a claimed but unconfirmed row is retried after this lease (a sender died mid-send)
    claim_lease: dt.timedelta = dt.timedelta(minutes=15)
    organisation: str = ""  # who sends: in the heading, the sender name and the footer
    sender_name: str = ""  # the From display name when `[smtp] sender` has none
    footer: str = ""  # replaces the default footer line of emails and chat messages
    reply_to: Mailbox | None = None  # Reply-To of every email (the consultant's address)
    attach_table: bool = False  # attach the 新旧条文对照表 (DOCX) to change emails
    # who received a draft for comment is reminded this long before its deadline day
    remind_before: dt.timedelta = dt.timedelta(days=3)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConfig:
    """`[[channel]]`: a chat group's bot (企业微信, 钉钉, 飞书) or an Apprise URL.

    The webhook URL carries the bot's token: write it in `url`, or keep it out of the file
    with `url_env`. The signing secret (钉钉 加签, 飞书 签名校验) comes from `secret_env`.
    """

    name: str
    kind: str  # wecom | dingtalk | feishu | apprise
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    timeout: float = 10.0
    max_parts: int = 3  # messages one notification may be split into before it is truncated


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonConfig:
    """`[daemon]`: scheduling and housekeeping of `policywatch run`."""

    send_every: dt.timedelta = dt.timedelta(minutes=1)
    jitter: dt.timedelta = dt.timedelta(seconds=30)
    misfire_grace: dt.timedelta = dt.timedelta(minutes=10)
    heartbeat: dt.timedelta = dt.timedelta(seconds=10)
    failure_threshold: int = 5  # consecutive failures before a source is flagged for staff
    retention: dt.timedelta = dt.timedelta(days=90)  # fetch attempts older than this are pruned
    # one source's check (every page, item and attachment: OCR of a scanned attachment takes
    # minutes), also in `policywatch check`
    check_deadline: dt.timedelta = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderConfig:
    """`[reader]`: what the worker process that extracts, parses and diffs documents may spend
    on one of them (the programs it runs for some formats have `[parse]`'s budget)."""

    cpu_limit: dt.timedelta = dt.timedelta(seconds=30)  # CPU time per document
    # address space one document may take on top of the worker's own
    memory_limit: Annotated[ByteSize, _enough_for_a_read] = ByteSize(1024**3)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseConfig:
    """`[parse]`: the budgets of the local programs some formats need (LibreOffice for .doc,
    .wps and .rtf; pdftoppm and Tesseract for scanned pages), as `parsers.tools.Budget`."""

    convert_timeout: dt.timedelta = dt.timedelta(seconds=DEFAULT_BUDGET.seconds)  # per step
    ocr_timeout: dt.timedelta = dt.timedelta(seconds=DEFAULT_BUDGET.document_seconds)
    ocr_max_pages: int = DEFAULT_BUDGET.ocr_pages  # a PDF with more scanned pages is refused
    memory_limit: Annotated[ByteSize, _enough_memory] = ByteSize(DEFAULT_BUDGET.memory_bytes)

    @property
    def budget(self) -> Budget:
        """The parsers' budget these keys describe."""
        return Budget(
            seconds=self.convert_timeout.total_seconds(),
            memory_bytes=self.memory_limit,
            ocr_pages=self.ocr_max_pages,
            document_seconds=self.ocr_timeout.total_seconds(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WebConfig:
    """`[web]`: the staff review UI."""

    host: str = "127.0.0.1"
    port: Port = 8000
    secret_env: str = "POLICYWATCH_WEB_SECRET"  # signs session cookies
    secure_cookies: bool = False  # set true behind HTTPS


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration. `path` is the file it came from (None for defaults)."""

    path: Path | None = None
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    sources: tuple[SourceConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    smtp: SMTPConfig | None = None
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    web: WebConfig = field(default_factory=WebConfig)
    parse: ParseConfig = field(default_factory=ParseConfig)

    def source(self, name: str) -> SourceConfig:
        """The source called `name`, or ConfigError."""
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} (known: {', '.join(self.source_names)})")

    @property
    def source_names(self) -> tuple[str, ...]:
        """Names of the configured sources, in file order."""
        return tuple(s.name for s in self.sources)

    def channel(self, name: str) -> ChannelConfig | None:
        """The `[[channel]]` called `name`, or None."""
        return next((c for c in self.channels if c.name == name), None)


# Top-level TOML tables -> (Config attribute, dataclass).
SECTIONS: dict[str, type[Any]] = {
    "database": DatabaseConfig,
    "fetch": FetchConfig,
    "smtp": SMTPConfig,
    "outbox": OutboxConfig,
    "notifications": NotificationsConfig,
    "daemon": DaemonConfig,
    "reader": ReaderConfig,
    "web": WebConfig,
    "parse": ParseConfig,
}


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file; relative paths are taken from its folder."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (run `policywatch init`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_dict(data, where=str(path), base=path.parent)


def config_from_dict(
    data: dict[str, Any], *, where: str = "<config>", base: Path | None = None
) -> Config:
    """Build a `Config` from parsed TOML; errors name `where` and the key."""
    known = {*SECTIONS, "source", "channel"}
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        if name in data:
            values[name] = _build(cls, _table(data[name], where, name), where, name)
    sources = data.get("source", [])
    if not isinstance(sources, list):
        raise ConfigError(f"{where}: 'source' must be an array of tables ([[source]])")
    built = tuple(
        _build(SourceConfig, _table(s, where, f"source[{i}]"), where, f"source[{i}]")
        for i, s in enumerate(sources, 1)
    )
    _check_sources(built, values.get("fetch", FetchConfig()), where)
    channels = _channels(data.get("channel", []), where)
    config = Config(
        path=Path(where) if base is not None else None,
        sources=built,
        channels=channels,
        **values,
    )
    return _resolve_paths(config, base) if base is not None else config


def source_kinds() -> tuple[str, ...]:
    """The kinds a `[[source]]` may name: the registered `Source` subclasses."""
    return tuple(sorted(Source.registry))


def source_from_table(table: dict[str, Any], fetch: FetchConfig, *, where: str) -> SourceConfig:
    """One `[[source]]` table (a source added in the review UI) checked exactly as the config
    loader checks the file's: ConfigError names `where` and the key."""
    source: SourceConfig = _build(SourceConfig, table, where, "source")
    _check_source(source, HostPolicy(fetch.allow_hosts), f"{where}: source")
    return source


def _check_source(source: SourceConfig, policy: HostPolicy, key: str) -> None:
    if not source.name.strip():
        raise ConfigError(f"{key}.name: a source needs a name")
    if source.kind not in Source.registry:
        known = ", ".join(source_kinds())
        raise ConfigError(f"{key}.kind: unknown kind {source.kind!r} (known: {known})")
    problem = _url_problem(source.url, policy)
    if problem:
        raise ConfigError(f"{key}.url: {problem}")
    if source.every < MIN_EVERY and not _loopback(source.url):
        raise ConfigError(
            f"{key}.every: checks run at most every minute (a site polled more often may"
            f' block policywatch): write "1m" or more, not {format_duration(source.every)!r}'
        )
    if source.cron is not None:
        problem = _cron_problem(source.cron)
        if problem:
            raise ConfigError(f"{key}.cron: {problem}")
    problem = _selector_problem(source)
    if problem:
        raise ConfigError(f"{key}.{problem}")


def _check_sources(sources: tuple[SourceConfig, ...], fetch: FetchConfig, where: str) -> None:
    seen: set[str] = set()
    policy = HostPolicy(fetch.allow_hosts)
    for i, source in enumerate(sources, 1):
        key = f"{where}: source[{i}]"
        _check_source(source, policy, key)
        if source.name in seen:
            raise ConfigError(f"{key}.name: duplicate source name {source.name!r}")
        seen.add(source.name)


def _selector_problem(source: SourceConfig) -> str | None:
    """`key: what is wrong` with a source's CSS selectors (read as lxml reads them), or None."""
    written = [("selectors", css) for css in source.selectors]
    if source.body_selector is not None:
        written.append(("body_selector", source.body_selector))
    if not written:
        return None
    # cssselect is what lxml's `cssselect()` translates with; it loads without lxml.
    from cssselect import HTMLTranslator, SelectorError

    translator = HTMLTranslator()
    for key, css in written:
        if not css.strip():
            return f"{key}: empty CSS selector"
        try:
            translator.css_to_xpath(css)
        except SelectorError as exc:
            return f"{key}: {css!r} is not a valid CSS selector ({exc})"
    return None


EMAIL_CHANNEL = "email"  # the subscriber's own address: a reserved channel name


def _channels(tables: Any, where: str) -> tuple[ChannelConfig, ...]:
    if not isinstance(tables, list):
        raise ConfigError(f"{where}: 'channel' must be an array of tables ([[channel]])")
    built: list[ChannelConfig] = []
    for i, table in enumerate(tables, 1):
        key = f"channel[{i}]"
        channel = _build(ChannelConfig, _table(table, where, key), where, key)
        problem = _channel_problem(channel, {c.name for c in built})
        if problem:
            raise ConfigError(f"{where}: {key}.{problem}")
        built.append(channel)
    return tuple(built)


def _channel_problem(channel: ChannelConfig, seen: set[str]) -> str | None:
    """`key: what is wrong` for one `[[channel]]`, or None."""
    if channel.kind not in CHAT_KINDS:
        return f"kind: unknown kind {channel.kind!r} (known: {', '.join(sorted(CHAT_KINDS))})"
    if not channel.name.strip() or channel.name == EMAIL_CHANNEL:
        return f"name: {channel.name!r} is reserved or empty: choose a name such as 'acme-dingtalk'"
    if channel.name in seen:
        return f"name: duplicate channel name {channel.name!r}"
    if (channel.url is None) == (channel.url_env is None):
        return "url: write either url (the webhook URL) or url_env (the variable holding it)"
    if channel.url is not None:
        problem = webhook_problem(channel.kind, channel.url)
        if problem:
            return f"url: {problem}"
    if channel.max_parts < 1:
        return "max_parts: must be at least 1"
    return None


# exactly the str.isspace() characters (testing them one by one cost 1,000 sources 15 ms)
_SPACE = re.compile(r"\s")


def _url_problem(url: str, policy: HostPolicy) -> str | None:
    """Why a source URL cannot be fetched, or None."""
    if not url.startswith(("http://", "https://")) or _SPACE.search(url):
        return f"{url!r} must be an http:// or https:// URL without spaces"
    try:
        host, _port = check_url(url, policy)
    except URLNotAllowedError as exc:
        if "allow_hosts" in exc.message:
            return f"{exc.message} (add it there to watch this source)"
        return f"{url!r}: {exc.message}"
    address = literal_address(host)
    if address is not None and not policy.allows_address(address, named=False):
        return f"address {host} is not in [fetch] allow_hosts (add it there to watch this source)"
    return None


def _loopback(url: str) -> bool:
    """A replay on this machine may be checked faster than a public site."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    address = literal_address(host)
    return address is not None and address.is_loopback


def _cron_problem(text: str) -> str | None:
    """Why a crontab expression is invalid (APScheduler's reading of it), or None."""
    from apscheduler.triggers.cron import CronTrigger  # loaded only for configs that use cron

    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        return f"bad crontab expression {text!r}: {exc}"
    return None


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    return dataclasses.replace(
        config,
        database=dataclasses.replace(config.database, path=resolve(config.database.path)),
        outbox=dataclasses.replace(config.outbox, dir=resolve(config.outbox.dir)),
    )


def _table(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: must be a table")
    return value


@dataclass(frozen=True, slots=True)
class _Shape:
    """How `_build` reads one dataclass: its keys in order, each key's coercion and the
    required keys (worked out once per class, not once per `[[source]]`)."""

    keys: tuple[str, ...]
    coercers: dict[str, Callable[[Any], Any]]
    required: tuple[str, ...]


_SHAPES: dict[type[Any], _Shape] = {}


def _shape(cls: type[Any]) -> _Shape:
    if cls not in _SHAPES:
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = dataclasses.fields(cls)
        _SHAPES[cls] = _Shape(
            keys=tuple(f.name for f in fields),
            coercers={f.name: _coercer(hints[f.name]) for f in fields},
            required=tuple(
                f.name
                for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            ),
        )
    return _SHAPES[cls]


def _build(cls: type[Any], table: dict[str, Any], where: str, prefix: str) -> Any:
    shape = _shape(cls)
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        coerce = shape.coercers.get(key)
        if coerce is None:
            known = ", ".join(shape.keys)
            raise ConfigError(f"{where}: {prefix}.{key}: unknown key (known: {known})")
        try:
            kwargs[key] = coerce(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {prefix}.{key}: {exc}") from None
    missing = [name for name in shape.required if name not in kwargs]
    if missing:
        raise ConfigError(f"{where}: {prefix}.{missing[0]}: required key is missing")
    return cls(**kwargs)


def _coercer(hint: Any) -> Callable[[Any], Any]:
    """The function that checks and converts a TOML value for a field typed `hint`."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *checks = typing.get_args(hint)
        inner = _coercer(base)

        def checked(value: Any) -> Any:
            coerced = inner(value)
            for check in checks:
                check(coerced)
            return coerced

        return checked
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coercer(options[0])
    if origin is tuple:
        item = _coercer(typing.get_args(hint)[0])

        def each(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list, got {type(value).__name__}")
            return tuple(item(v) for v in value)

        return each
    coerce = _SCALARS.get(hint)
    if coerce is None:  # pragma: no cover - a bug in a dataclass
        raise TypeError(f"unsupported type {hint!r}")
    return coerce


def _duration(value: Any) -> dt.timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise TypeError(
            f'a duration needs a unit: write "{value}m" for {value} minutes'
            f' (or "{value}s", "{value}h", "{value}d")'
        )
    if not isinstance(value, str):
        raise TypeError("expected a duration string such as '30m'")
    return parse_duration(value)


def _time(value: Any) -> dt.time:
    found = _HHMM.match(value) if isinstance(value, str) else None
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError(f'expected a time of day as HH:MM (e.g. "09:00"), got {value!r}')
    return dt.time(int(found.group(1)), int(found.group(2)))


def _weekday(value: Any) -> Weekday:
    day = _DAY_NAMES.get(value.strip().lower()) if isinstance(value, str) else None
    if day is None:
        raise ValueError(f'expected a day such as "mon" (mon ... sun), got {value!r}')
    return day


def _size(value: Any) -> ByteSize:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return ByteSize(value)
    found = _SIZE.match(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f'expected a size such as "2GiB" or "512MiB" (or bytes), got {value!r}')
    return ByteSize(int(float(found.group(1)) * _SIZE_UNITS[found.group(2).lower()]))


def _path(value: Any) -> Path:
    if not isinstance(value, str):
        raise TypeError("expected a path string")
    return Path(value).expanduser()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"expected a non-negative integer, got {value!r}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TypeError(f"expected a non-negative number, got {value!r}")
    return float(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    dt.timedelta: _duration,
    dt.time: _time,
    Weekday: _weekday,
    ByteSize: _size,
    Path: _path,
    bool: _bool,
    int: _int,
    float: _float,
    str: _str,
}


def config_keys() -> dict[str, tuple[str, ...]]:
    """Every documented config key per table (the README's reference is checked against it)."""
    out = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in SECTIONS.items()}
    out["source"] = tuple(f.name for f in dataclasses.fields(SourceConfig))
    out["channel"] = tuple(f.name for f in dataclasses.fields(ChannelConfig))
    return out
