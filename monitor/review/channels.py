"""Delivery channels: which transport carries the emails of a send run.

Today SMTP when `[smtp]` is configured, else the `.eml` folder writer; chat-group channels
(企业微信 / 钉钉 / 飞书 bots) belong here beside them, each built from its own config table.
"""

from __future__ import annotations

import os

from monitor.config import Config
from notifications.smtp import EmlTransport, SMTPSettings, SMTPTransport, Transport


def make_transport(config: Config) -> Transport:
    """SMTP when `[smtp]` is configured, else the `.eml` writer into `[outbox] dir`."""
    smtp = config.smtp
    if smtp is None:
        return EmlTransport(config.outbox.dir)
    password = os.environ.get(smtp.password_env) if smtp.password_env else None
    settings = SMTPSettings(
        host=smtp.host,
        port=smtp.port,
        starttls=smtp.starttls,
        ssl=smtp.ssl,
        username=smtp.username,
        password=password,
        sender=smtp.sender,
        timeout=smtp.timeout,
    )
    return SMTPTransport(settings)
