"""Delivery channels: which transport carries a send run's messages, and what is missing.

The channel "email" is SMTP when `[smtp]` is configured, else the `.eml` folder writer. Any
other channel name is a `[[channel]]` table: a 企业微信 / 钉钉 / 飞书 bot or an Apprise URL
(`notifications.chat.bots`), its webhook URL and secret read from the environment here.
A variable that is not set is a warning when the daemon starts (`delivery_problems`) and holds
the channel's messages when they are sent (`ConfigDeliveryError`): nothing is lost.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from monitor.config import EMAIL_CHANNEL, ChannelConfig, Config
from monitor.review.compose import sender_address
from notifications.chat import webhook_problem
from notifications.errors import ConfigDeliveryError
from notifications.smtp import EmlTransport, SMTPSettings, SMTPTransport, Transport

if TYPE_CHECKING:
    from notifications.chat.bots import ChatBot


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
        sender=sender_address(config),
        timeout=smtp.timeout,
        missing_password=smtp.password_env if smtp.password_env and not password else None,
    )
    return SMTPTransport(settings)


def make_bot(config: Config, name: str) -> ChatBot:
    """The bot of `[[channel]] name`, or ConfigDeliveryError saying what is missing."""
    # httpx and the bots load only for a run that posts to a chat (not for `status`)
    from notifications.chat.bots import ChatBot

    channel = config.channel(name)
    if channel is None:
        raise ConfigDeliveryError(
            f"channel {name!r} is not configured (no [[channel]] with that name)"
        )
    problem = channel_problem(channel)
    if problem:
        raise ConfigDeliveryError(f"channel {name!r}: {problem}")
    url = channel.url or os.environ.get(channel.url_env or "", "")
    secret = os.environ.get(channel.secret_env) if channel.secret_env else None
    bot = ChatBot.registry[channel.kind]
    return bot(name=channel.name, url=url, secret=secret, timeout=channel.timeout)


def channel_problem(channel: ChannelConfig) -> str | None:
    """What the environment lacks for a channel, or None."""
    if channel.url_env and not os.environ.get(channel.url_env):
        return f"url_env: the variable {channel.url_env} is not set"
    if channel.secret_env and not os.environ.get(channel.secret_env):
        return f"secret_env: the variable {channel.secret_env} is not set"
    if channel.url_env:
        found = webhook_problem(channel.kind, os.environ[channel.url_env])
        if found:
            return f"url_env: the URL in {channel.url_env}: {found}"
    return None


def delivery_problems(config: Config) -> list[str]:
    """Every unset variable a channel needs (the daemon warns at start; `status` lists them)."""
    problems = []
    smtp = config.smtp
    if smtp is not None and smtp.password_env and not os.environ.get(smtp.password_env):
        login = f" (the login of {smtp.username} needs it)" if smtp.username else ""
        problems.append(f"[smtp] password_env: the variable {smtp.password_env} is not set{login}")
    for channel in config.channels:
        problem = channel_problem(channel)
        if problem:
            problems.append(f"[[channel]] {channel.name}: {problem}")
    return problems


def known_channel(config: Config, name: str) -> bool:
    """True for "email" and for the name of a `[[channel]]`."""
    return name == EMAIL_CHANNEL or config.channel(name) is not None
