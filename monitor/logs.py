"""Logging set-up: human lines on a terminal, or one JSON object per line (`--log-json`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

_SECRET_KEYS = ("password", "secret", "token")


class JSONFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key.startswith("pw_") and not any(s in key for s in _SECRET_KEYS):
                out[key[3:]] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(*, verbose: int = 0, json_lines: bool = False) -> None:
    """Configure the root logger once: WARNING by default, INFO with -v, DEBUG with -vv."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_policywatch", False):
            root.removeHandler(old)
    handler._policywatch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
