"""Loading one rendition for `parse` and `diff`: a file path or an http(s) URL.

A URL goes through the monitor's own fetcher (size cap, timeouts, redirects checked, errors
mapped to `FetchError`), with the URL's host allowed for this one call: the user asked for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

if TYPE_CHECKING:
    from monitor.cli.context import AppContext
    from monitor.fetch.client import FetchResult
    from parsers.model import PolicyDocument
    from parsers.tools import Budget


def is_url(source: str) -> bool:
    """True for an http:// or https:// address."""
    return source.startswith(("http://", "https://"))


def fetch_once(url: str) -> FetchResult:
    """GET one user-given URL (its host allowed for this call); ClickException on failure."""
    from monitor.config import FetchConfig
    from monitor.errors import FetchError
    from monitor.fetch.client import Fetcher

    host = urlsplit(url).hostname or ""
    config = dataclasses.replace(FetchConfig(), allow_hosts=(host,), retries=1)

    async def get() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.get(url)

    try:
        return asyncio.run(get())
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None


class UnsupportedFormat(click.ClickException):
    """A file in no format policywatch reads: exit 2, like a usage error."""

    exit_code = 2


def budget_of(app: AppContext) -> Budget:
    """The `[parse]` budget of the config file when there is one, else the parsers' default."""
    return app.config_or_default().parse.budget


def load_document(source: str, *, budget: Budget | None = None) -> PolicyDocument:
    """Parse a file or URL into its clause tree (local programs under `budget`); one clear
    line on error (exit 1; 2 when the file does not exist, is a directory or is in a format we
    do not read)."""
    from parsers import media_type_for, parse, parse_path
    from parsers.errors import ParseError, UnsupportedMediaTypeError
    from parsers.extraction import media_type_of
    from parsers.tools import DEFAULT_BUDGET

    budget = budget or DEFAULT_BUDGET

    try:
        if is_url(source):
            result = fetch_once(source)
            media_type, charset = media_type_of(result.content_type)
            if media_type in ("", "application/octet-stream"):
                media_type = media_type_for(Path(urlsplit(source).path), result.content)
            return parse(
                result.content, media_type, charset=charset, url=result.final_url, budget=budget
            )
        path = Path(source)
        if path.is_dir():
            raise click.UsageError(f"{source}: is a directory")
        if not path.is_file():
            raise click.UsageError(f"no such file: {source}")
        return parse_path(path, budget=budget)
    except UnsupportedMediaTypeError as exc:
        raise UnsupportedFormat(f"{source}: {exc.__class__.__name__}: {exc}") from exc
    except ParseError as exc:
        raise click.ClickException(f"{source}: {exc.__class__.__name__}: {exc}") from exc


def warn_ocr(source: str, doc: PolicyDocument, *, err: bool = False) -> None:
    """Say that a rendition's text was read by OCR (on stderr beside JSON output): it may hold
    misreadings, as the review UI and the emails say too."""
    from parsers.model import OCR_CAUTION

    if doc.ocr:
        message = f"Note: {source} was read by OCR ({doc.extractor}): {OCR_CAUTION}。"
        click.secho(message, fg="yellow", err=err)
