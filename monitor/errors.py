"""Errors of the monitor layer. Third-party errors are mapped to these where they enter.

MonitorError
 ├── ConfigError              the configuration file is missing, malformed or invalid (exit 2)
 ├── DaemonLockedError        another daemon holds the database (exit 2)
 ├── FetchError               a URL could not be fetched (mapped from aiohttp in fetch/client.py)
 │    ├── FetchTimeoutError   connect/read timeout
 │    │    └── FetchDeadlineError  no complete answer within `[fetch] deadline` (not retried)
 │    ├── FetchConnectionError  refused, reset, DNS, TLS
 │    ├── HTTPStatusError     the server answered an error status (4xx/5xx)
 │    ├── BodyTooLargeError   the body exceeded the size cap
 │    └── URLNotAllowedError  the scheme or host is not allowed
 └── UnreadablePageError      fetched, but not to be trusted as a version: a failed attempt,
      │                       never a change set ("all clauses deleted")
      ├── EmptyPageError      the body is empty, or has no text at all
      ├── LayoutError         a list page no longer looks like a list (no items found)
      ├── CollapseError       the clause tree shrank to under half of what the URL showed last
      └── ReadLimitError      reading the document went over `[reader]` CPU or memory budget
                              (or its worker process died): a hostile or broken file

Parser errors (`parsers.ParseError`, `SuspiciousParseError`) are the parsers' own tree; the
check pipeline treats them like an `UnreadablePageError`.
"""

from __future__ import annotations

import click


class MonitorError(Exception):
    """Base class of the monitor's errors."""


class ConfigError(MonitorError, click.ClickException):
    """The configuration is invalid; the message names the file and the key (exit 2)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        click.ClickException.__init__(self, message)


class DaemonLockedError(MonitorError):
    """Another `policywatch run` holds this database."""


class FetchError(MonitorError):
    """A URL could not be fetched."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message


class FetchTimeoutError(FetchError):
    """The connection or the read timed out."""


class FetchDeadlineError(FetchTimeoutError):
    """The whole request (connect, headers, body) took longer than `[fetch] deadline`."""


class FetchConnectionError(FetchError):
    """The connection failed or was reset."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status


class BodyTooLargeError(FetchError):
    """The response body exceeded the configured cap."""


class URLNotAllowedError(FetchError):
    """The URL's scheme or host is not in the allowlist."""


class UnreadablePageError(MonitorError):
    """A page was fetched but cannot be trusted as a version of its document."""


class EmptyPageError(UnreadablePageError):
    """The page came back empty (or with no text at all)."""


class LayoutError(UnreadablePageError):
    """A list page no longer looks like a list (no items found): never 'all removed'."""


class CollapseError(UnreadablePageError):
    """The clause tree shrank to under half of what this URL showed last time."""


class ReadLimitError(UnreadablePageError):
    """Reading a document took more CPU time or memory than `[reader]` allows (or killed its
    worker process): that read fails, nothing else does."""
