"""Chat channels: 企业微信 group bots, 钉钉 custom robots (加签), 飞书/Lark custom bots (签名校验),
and Apprise URLs for every other service.

`markdown` renders the message model emails use (`notifications.render.EmailView`) into each
platform's markdown within its size limit; `bots` posts it (signing, error codes, rate limits).
This module stays light: the config checks webhook URLs with it at load without importing httpx.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qs, urlsplit

# kind -> what a webhook URL of that kind must carry (checked at config load).
CHAT_KINDS: dict[str, str] = {
    "wecom": "a `key` parameter (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)",
    "dingtalk": "an `access_token` parameter (https://oapi.dingtalk.com/robot/send?access_token=…)",
    "feishu": "a hook id (https://open.feishu.cn/open-apis/bot/v2/hook/…)",
    "apprise": "an Apprise URL such as tgram://…, ntfy://…, json://…",
}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_problem(kind: str, url: str) -> str | None:
    """Why `url` cannot be the webhook of a `kind` channel, or None. Plain http is allowed on
    loopback only (a test robot); the platforms themselves are https."""
    if any(c.isspace() for c in url):
        return "the URL contains spaces"
    if kind == "apprise":
        scheme, sep, rest = url.partition("://")
        return None if sep and scheme.isalnum() and rest else f"expected {CHAT_KINDS[kind]}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        return f"expected an https:// URL with {CHAT_KINDS[kind]}"
    if parts.scheme == "http" and not _loopback(host):
        return "the platform's webhooks are https:// (http:// only for a loopback test robot)"
    query = parse_qs(parts.query)
    if kind == "wecom" and not query.get("key"):
        return f"expected {CHAT_KINDS[kind]}"
    if kind == "dingtalk" and not query.get("access_token"):
        return f"expected {CHAT_KINDS[kind]}"
    if kind == "feishu" and "/hook/" not in parts.path:
        return f"expected {CHAT_KINDS[kind]}"
    return None


def redact(url: str) -> str:
    """The URL without what identifies the bot (logs and errors never carry a token)."""
    if "://" not in url:
        return "<channel>"
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.hostname or ''}"
    return f"{parts.scheme}://…"
