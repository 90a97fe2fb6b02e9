"""Small text helpers every email part shares: one-line values, Chinese dates, safe links."""

from __future__ import annotations

import datetime as dt
import re

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$")


def one_line(text: str) -> str:
    """Text with control characters (CR, LF, tabs...) collapsed to single spaces, trimmed."""
    return " ".join(_CONTROL_RE.sub(" ", text).split())


def chinese_date(day: dt.date) -> str:
    """2022-07-20 -> 2022年7月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def safe_url(url: str | None) -> str | None:
    """`url` if it is a plain http(s) URL on one line, else None (no javascript: links)."""
    if url and _SAFE_URL.match(url):
        return url
    return None
