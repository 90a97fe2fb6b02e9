"""Loopback stand-ins for the three chat platforms' webhook endpoints.

One `ThreadingHTTPServer` on 127.0.0.1 answers like the platforms do: HTTP 200 with an
`errcode`/`code` body. It checks what the real ones check — the 钉钉 加签 signature and its
timestamp (within an hour), the 飞书 签名校验 signature, the payload's shape and size — and
answers scripted errors (rate limits, a vanished bot) when a test queues them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.loopback import loopback

SECRET = "SEC0123456789abcdef"  # the secret both sides know (the platform's 加签 secret)
WECOM_LIMIT = 4096
BODY_LIMIT = 20_000


@dataclass
class Posted:
    """One message a platform accepted."""

    platform: str
    path: str
    body: dict[str, Any]
    signed: bool  # a signature was present and verified
    token: str = ""  # which bot: the URL's access_token / key / hook id

    @property
    def text(self) -> str:
        """The markdown the group shows."""
        if self.platform == "dingtalk":
            return str(self.body["markdown"]["text"])
        if self.platform == "wecom":
            return str(self.body["markdown"]["content"])
        if self.platform == "feishu":
            return str(self.body["card"]["elements"][0]["content"])
        return str(self.body.get("message", ""))


@dataclass
class Platforms:
    """What the server accepted, and the answers queued for the next posts."""

    accepted: list[Posted] = field(default_factory=list)
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # platform -> bodies
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, platform: str, token: str = "tok") -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "dingtalk": f"{base}/robot/send?access_token={token}",
            "wecom": f"{base}/cgi-bin/webhook/send?key={token}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{token}",
            "json": f"json://127.0.0.1:{self.port}/apprise",
        }[platform]

    def queue(self, platform: str, *answers: dict[str, Any]) -> None:
        with self.lock:
            self.answers.setdefault(platform, []).extend(answers)

    def of(self, platform: str) -> list[Posted]:
        with self.lock:
            return [p for p in self.accepted if p.platform == platform]


def _dingtalk(query: dict[str, list[str]], body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not stamp or not sign:
        return {"errcode": 310000, "errmsg": "sign not match (no timestamp/sign)"}, False
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    if not hmac.compare_digest(expected, sign) or abs(time.time() * 1000 - int(stamp)) > 3600e3:
        return {"errcode": 310000, "errmsg": "sign not match"}, False
    markdown = body.get("markdown")
    ok = (
        body.get("msgtype") == "markdown"
        and isinstance(markdown, dict)
        and isinstance(markdown.get("title"), str)
        and isinstance(markdown.get("text"), str)
        and markdown["title"]
    )
    return ({"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 40035, "errmsg": "bad"}), True


def _wecom(body: dict[str, Any]) -> dict[str, Any]:
    markdown = body.get("markdown")
    if body.get("msgtype") != "markdown" or not isinstance(markdown, dict):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    content = markdown.get("content")
    if not isinstance(content, str) or not content:
        return {"errcode": 44004, "errmsg": "empty content"}
    if len(content.encode("utf-8")) > WECOM_LIMIT:
        return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
    return {"errcode": 0, "errmsg": "ok"}


def _feishu(body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
    key = f"{stamp}\n{SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    if not stamp or not hmac.compare_digest(expected, sign) or abs(time.time() - int(stamp)) > 3600:
        return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, False
    card = body.get("card")
    ok = (
        body.get("msg_type") == "interactive"
        and isinstance(card, dict)
        and card.get("header", {}).get("title", {}).get("content")
        and card.get("elements", [{}])[0].get("tag") == "markdown"
    )
    return (
        {"code": 0, "msg": "success", "data": {}} if ok else {"code": 9499, "msg": "Bad Request"}
    ), True


def _handler(state: Platforms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            platform = (
                "dingtalk"
                if parts.path == "/robot/send"
                else "wecom"
                if parts.path == "/cgi-bin/webhook/send"
                else "feishu"
                if parts.path.startswith("/open-apis/bot/v2/hook/")
                else "json"
            )
            with state.lock:
                state.requests += 1
                scripted = state.answers.get(platform, [])
                forced = scripted.pop(0) if scripted else None
            if len(raw) > BODY_LIMIT:
                self._answer({"errcode": 460101, "errmsg": "message too long"})
                return
            body = json.loads(raw.decode("utf-8"))
            if forced is not None:
                self._answer(forced)
                return
            signed = False
            if platform == "dingtalk":
                answer, signed = _dingtalk(parse_qs(parts.query), body)
            elif platform == "wecom":
                answer = _wecom(body)
            elif platform == "feishu":
                answer, signed = _feishu(body)
            else:
                answer = {}
            if answer.get("errcode", answer.get("code", 0)) == 0:
                query = parse_qs(parts.query)
                token = (query.get("access_token") or query.get("key") or [""])[0]
                token = token or parts.path.rsplit("/", 1)[-1]
                with state.lock:
                    state.accepted.append(Posted(platform, parts.path, body, signed, token))
            self._answer(answer)

        def _answer(self, answer: dict[str, Any]) -> None:
            status = int(answer.pop("_status", 200))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the kill test) is not an error of the platform."""


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    """The three platforms (and an Apprise `json://` endpoint) on one loopback port."""
    state = Platforms()
    with loopback(_handler(state), _Server) as server:
        state.port = server.server_address[1]
        yield state
