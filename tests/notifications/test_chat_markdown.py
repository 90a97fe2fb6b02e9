"""Chat markdown: document text made inert, messages split at lines within the byte limit,
cut with the link to the full change set beyond `max_parts`; signatures as the platforms sign."""

from __future__ import annotations

import base64
import hashlib
import hmac

from notifications.chat import redact, webhook_problem
from notifications.chat.bots import dingtalk_sign, feishu_sign
from notifications.chat.markdown import Dialect, split, text


def test_document_text_cannot_inject_markup() -> None:
    evil = '[点我](javascript:alert(1)) <font color="warning">**急**</font>\n# 标题'
    safe = text(evil)
    assert "[" not in safe and "<" not in safe and "*" not in safe and "\n" not in safe
    assert "点我" in safe and "急" in safe


def test_split_keeps_every_line_under_the_limit_and_numbers_the_parts() -> None:
    dialect = Dialect(limit=300)
    lines = [f"- 第{n}条：" + "资金" * 20 for n in range(12)]
    message = split(
        "标题", lines, ["[完整对照](https://pw.example/report/x)"], dialect, max_parts=9
    )
    assert not message.truncated and len(message.parts) > 1
    assert all(len(p.encode()) <= 300 for p in message.parts)
    assert message.parts[1].startswith(f"（续2/{len(message.parts)}）")
    joined = "\n".join(message.parts)
    assert all(line in joined for line in lines)  # nothing lost, nothing doubled
    assert sum(joined.count(line) for line in lines) == len(lines)
    assert message.parts[-1].endswith("(https://pw.example/report/x)")


def test_beyond_max_parts_the_last_part_says_what_is_left_and_links() -> None:
    dialect = Dialect(limit=300)
    lines = [f"- 第{n}条：" + "资金" * 20 for n in range(40)]
    message = split("标题", lines, ["[完整对照](https://pw.example/r)"], dialect, max_parts=2)
    assert message.truncated and len(message.parts) == 2
    assert all(len(p.encode()) <= 300 for p in message.parts)
    last = message.parts[-1]
    assert "行未显示" in last and last.endswith("(https://pw.example/r)")
    shown = sum(("\n".join(message.parts)).count(line) for line in lines)
    assert f"另有{40 - shown}行未显示" in last


def test_signatures_match_the_platforms_documented_algorithms() -> None:
    secret, ms = "SECxyz", 1_700_000_000_000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert dingtalk_sign(secret, ms) == expected
    key = f"{ms // 1000}\n{secret}".encode()
    assert (
        feishu_sign(secret, ms // 1000)
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )


def test_webhook_urls_are_checked_and_redacted() -> None:
    good = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    assert webhook_problem("dingtalk", good) is None
    assert "access_token" in (
        webhook_problem("dingtalk", "https://oapi.dingtalk.com/robot/send") or ""
    )
    assert "https" in (webhook_problem("wecom", "http://qyapi.weixin.qq.com/x?key=k") or "")
    assert webhook_problem("wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=k") is None
    assert webhook_problem("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/id") is None
    assert webhook_problem("apprise", "tgram://bottoken/ChatID") is None
    assert webhook_problem("apprise", "not a url") is not None
    assert redact(good) == "https://oapi.dingtalk.com" and "abc" not in redact(good)
