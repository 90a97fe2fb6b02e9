"""Posting to chat groups: 企业微信 group bot, 钉钉 custom robot, 飞书/Lark custom bot, Apprise.

Each bot kind is a `ChatBot` subclass registered by `kind=` (the `[[channel]] kind`). A bot
posts one part at a time (`post`); the sender records each part it confirmed, so a retry never
posts a part twice. Answers are mapped at this boundary to `notifications.errors`, by whose
fault they are: the platform saying the bot or chat no longer exists gives the message up for
that channel (`PermanentDeliveryError`); a rate limit (`RateLimitedError`, with the platform's
own pause), a refused signature, keyword or IP (`ConfigDeliveryError`: our configuration), a
5xx or an unknown error code (`ServerDeliveryError`), no connection (`ConnectionDeliveryError`)
hold the message. HTTP 200 with a non-zero `errcode`/`code` is a failure, not a success.

Signatures:
- 钉钉 加签: `sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}"))`, sent URL-
  encoded as `&timestamp=…&sign=…` (the timestamp must be within an hour of the platform's clock);
- 飞书 签名校验: `sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))`, sent in
  the JSON body beside `timestamp`.

Besides answering the platform's rate-limit codes, each bot paces itself within a run (企业微信
and 钉钉 allow 20 messages a minute per bot, 飞书 100): a post beyond that is held, not sent.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import hmac
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote_plus, urlsplit

from notifications.chat import PLATFORM_LABELS, redact
from notifications.chat.markdown import DIALECTS, Dialect
from notifications.errors import (
    ConfigDeliveryError,
    ConnectionDeliveryError,
    DeliveryError,
    PermanentDeliveryError,
    RateLimitedError,
    ServerDeliveryError,
)

if TYPE_CHECKING:  # imported by `open`: httpx imports its command line (rich, pygments),
    import httpx  # 0.2 s a process that starts the daemon, the review UI or a send run

MINUTE = dt.timedelta(minutes=1)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签 (not yet URL-encoded)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书 签名校验: the key is `timestamp\\nsecret`, the message empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class ChatBot(ABC):
    """One chat channel's bot: open once per send run, `post` each part, close."""

    registry: ClassVar[dict[str, type[ChatBot]]] = {}
    kind: ClassVar[str]
    platform: ClassVar[str]  # the name staff read in `status`
    dialect: ClassVar[Dialect]
    per_minute: ClassVar[int] = 20  # the platform's limit per bot
    needs_secret: ClassVar[bool] = False

    def __init_subclass__(cls, *, kind: str, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.kind = kind
        ChatBot.registry[kind] = cls

    def __init__(
        self,
        *,
        name: str,
        url: str,
        secret: str | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.clock = clock
        self._client: httpx.Client | None = None
        self._posted: collections.deque[float] = collections.deque()

    def __repr__(self) -> str:  # never the token
        return f"<{type(self).__name__} {self.name} {redact(self.url)}>"

    def open(self) -> None:
        """Start an HTTP client (one per run: connections are reused)."""
        import httpx

        self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)

    def close(self) -> None:
        """Close the HTTP client."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> ChatBot:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post(self, title: str, text: str) -> None:
        """Post one part, or raise a `DeliveryError` saying whose fault it is."""
        self._pace()
        client = self._client
        if client is None:
            raise ConnectionDeliveryError(f"{self.name}: not open")
        url, body = self.request(title, text)
        import httpx

        try:
            response = client.post(
                url,
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.TimeoutException as exc:
            raise ConnectionDeliveryError(f"{self._where}: timed out") from exc
        except httpx.HTTPError as exc:
            raise ConnectionDeliveryError(f"{self._where}: {type(exc).__name__}") from exc
        self._posted.append(time.monotonic())
        self._check(response)

    @property
    def _where(self) -> str:
        return f"{self.platform} {self.name} ({redact(self.url)})"

    def _pace(self) -> None:
        now = time.monotonic()
        while self._posted and now - self._posted[0] >= 60:
            self._posted.popleft()
        if len(self._posted) >= self.per_minute:
            wait = dt.timedelta(seconds=60 - (now - self._posted[0]) + 1)
            raise RateLimitedError(
                f"{self._where}: {self.per_minute} messages a minute sent, waiting",
                retry_after=wait,
            )

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            raise RateLimitedError(
                f"{self._where}: HTTP 429 (rate limit)",
                code=429,
                retry_after=_retry_after(response),
            )
        if status >= 500:
            raise ServerDeliveryError(f"{self._where}: HTTP {status}", code=status)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ServerDeliveryError(f"{self._where}: HTTP {status}, not a JSON answer")
        code, message = self.answer(answer)
        if status == 200 and code == 0:
            return
        raise self.error(code, f"{self._where}: {code} {message}".strip())

    @abstractmethod
    def request(self, title: str, text: str) -> tuple[str, dict[str, Any]]:
        """The URL (signed where the platform signs it) and the JSON body of one post."""

    def answer(self, data: dict[str, Any]) -> tuple[int | None, str]:
        """The platform's result code and message (`errcode`/`errmsg` by default)."""
        code = data.get("errcode")
        return (code if isinstance(code, int) else None), str(data.get("errmsg", ""))

    gone: ClassVar[frozenset[int]] = frozenset()  # the bot / chat does not exist
    limited: ClassVar[dict[int, dt.timedelta]] = {}  # rate-limit codes -> pause
    refused: ClassVar[frozenset[int]] = frozenset()  # signature, keyword, IP: our configuration

    def error(self, code: int | None, message: str) -> DeliveryError:
        """The error for a non-zero result code."""
        if code in self.gone:
            return PermanentDeliveryError(message, code=code)
        if code is not None and code in self.limited:
            return RateLimitedError(message, code=code, retry_after=self.limited[code])
        if code in self.refused:
            return ConfigDeliveryError(message, code=code)
        return ServerDeliveryError(message, code=code)


def _retry_after(response: httpx.Response) -> dt.timedelta:
    value = response.headers.get("Retry-After", "")
    return dt.timedelta(seconds=int(value)) if value.isdigit() else MINUTE


class WeComBot(ChatBot, kind="wecom"):
    """企业微信 group bot (群机器人): markdown up to 4,096 bytes, 20 messages a minute."""

    platform = PLATFORM_LABELS["wecom"]
    dialect = DIALECTS["wecom"]  # markdown.content up to 4,096 bytes
    gone = frozenset({93000})  # invalid webhook url: the bot was removed or the key is wrong
    limited = {45009: MINUTE}  # api freq out of limit

    def request(self, title: str, text: str) -> tuple[str, dict[str, Any]]:
        """`{"msgtype": "markdown", "markdown": {"content": …}}` to the URL as given."""
        return self.url, {"msgtype": "markdown", "markdown": {"content": text}}


class DingTalkRobot(ChatBot, kind="dingtalk"):
    """钉钉 custom robot (自定义机器人) with 加签: markdown, 20 messages a minute."""

    platform = PLATFORM_LABELS["dingtalk"]
    dialect = DIALECTS["dingtalk"]  # a request up to 20,000 bytes; a line ends "  \n"
    needs_secret = True
    gone = frozenset({300001, 300005, 400013, 400101, 400102})  # no such robot / group gone
    limited = {130101: 10 * MINUTE, 410100: 10 * MINUTE}  # send too fast: throttled 10 minutes
    refused = frozenset({310000})  # sign not match, keywords not in content, IP not allowed

    def request(self, title: str, text: str) -> tuple[str, dict[str, Any]]:
        """The URL with `timestamp` and `sign` when a secret is set; a markdown body."""
        url = self.url
        if self.secret:
            stamp = int(self.clock() * 1000)
            sign = quote_plus(dingtalk_sign(self.secret, stamp))
            url = f"{url}{'&' if urlsplit(url).query else '?'}timestamp={stamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


class FeishuBot(ChatBot, kind="feishu"):
    """飞书/Lark custom bot (自定义机器人) with 签名校验: an interactive card, 100 a minute."""

    platform = PLATFORM_LABELS["feishu"]
    dialect = DIALECTS["feishu"]  # the card's own header carries the title
    per_minute = 100
    needs_secret = True
    gone = frozenset({19001})  # param invalid: incoming webhook access token invalid
    limited = {11232: MINUTE}  # frequency limited
    refused = frozenset({19021, 19022, 19024})  # sign match fail, IP not allowed, key words

    def answer(self, data: dict[str, Any]) -> tuple[int | None, str]:
        """`code`/`msg`, or the older `StatusCode`/`StatusMessage`."""
        code = data.get("code", data.get("StatusCode"))
        message = data.get("msg", data.get("StatusMessage", ""))
        return (code if isinstance(code, int) else None), str(message)

    def request(self, title: str, text: str) -> tuple[str, dict[str, Any]]:
        """A card: header with the title, one markdown element; signed in the body."""
        body: dict[str, Any] = {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": title}, "template": "red"},
                "elements": [{"tag": "markdown", "content": text}],
            },
        }
        if self.secret:
            stamp = int(self.clock())
            body = {"timestamp": str(stamp), "sign": feishu_sign(self.secret, stamp), **body}
        return self.url, body


class AppriseChannel(ChatBot, kind="apprise"):
    """Any service Apprise knows (Slack, Teams, Telegram, ntfy, …), by its Apprise URL."""

    platform = PLATFORM_LABELS["apprise"]
    dialect = DIALECTS["apprise"]  # Apprise splits or cuts for the service itself
    per_minute = 60

    def open(self) -> None:
        """Load Apprise (only configs with an apprise channel pay for it) and add the URL."""
        import apprise

        self._apprise = apprise.Apprise()
        if not self._apprise.add(self.url):
            raise ConfigDeliveryError(f"{self.name}: Apprise does not understand this URL")

    def close(self) -> None:
        """Nothing to close."""

    def post(self, title: str, text: str) -> None:
        """Notify through Apprise; it only says whether it worked, so a failure is held."""
        import apprise

        self._pace()
        self._posted.append(time.monotonic())
        if not self._apprise.notify(
            body=text, title=title, body_format=apprise.NotifyFormat.MARKDOWN
        ):
            raise ServerDeliveryError(f"{self.name}: Apprise could not deliver (see the log)")

    def request(self, title: str, text: str) -> tuple[str, dict[str, Any]]:  # pragma: no cover
        """Unused: Apprise builds its own requests."""
        raise NotImplementedError
