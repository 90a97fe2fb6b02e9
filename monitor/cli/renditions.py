"""Loading renditions for `parse` and `diff`: file paths or http(s) URLs, read in the worker.

A URL goes through the monitor's own fetcher (size cap, deadline, redirects checked, errors
mapped to `FetchError`), with the URL's host allowed for this one call: the user asked for it.
Extraction and parsing run in the check pipeline's worker process (`monitor.check.reader`),
under `[reader]`'s CPU and memory limits (the programs some formats need under `[parse]`'s
budget): a hostile PDF ends the command with an error instead of holding it for minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

if TYPE_CHECKING:
    from monitor.check.reader import Reader
    from monitor.config import Config
    from monitor.fetch.client import FetchResult
    from parsers.model import PolicyDocument


def is_url(source: str) -> bool:
    """True for an http:// or https:// address."""
    return source.startswith(("http://", "https://"))


async def _fetch_once(url: str) -> FetchResult:
    """GET one user-given URL (its host allowed for this call)."""
    from monitor.config import FetchConfig
    from monitor.fetch.client import Fetcher

    host = urlsplit(url).hostname or ""
    config = dataclasses.replace(FetchConfig(), allow_hosts=(host,), retries=1)
    async with Fetcher(config) as fetcher:
        return await fetcher.get(url)


class UnsupportedFormat(click.ClickException):
    """A file in no format policywatch reads: exit 2, like a usage error."""

    exit_code = 2


def load_documents(sources: list[str], config: Config) -> list[PolicyDocument]:
    """Parse files or URLs into clause trees, in the reading worker under `[reader]` and
    `[parse]`; one clear line on error (exit 1; 2 when a file does not exist, is a directory
    or is in a format we do not read)."""
    for source in sources:
        if not is_url(source) and Path(source).is_dir():
            raise click.UsageError(f"{source}: is a directory")
        if not is_url(source) and not Path(source).is_file():
            raise click.UsageError(f"no such file: {source}")
    return asyncio.run(_load_all(sources, config))


async def _load_all(sources: list[str], config: Config) -> list[PolicyDocument]:
    from monitor.check.reader import Reader

    # before the first look-up: fork is cheap; one worker, as the files are read in turn
    async with Reader.for_config(config, workers=1) as reader:
        return [await _load(reader, source) for source in sources]


async def _load(reader: Reader, source: str) -> PolicyDocument:
    from monitor.errors import FetchError, ReadLimitError
    from parsers import media_type_for
    from parsers.errors import ParseError, UnsupportedMediaTypeError
    from parsers.extraction import media_type_of

    try:
        if is_url(source):
            result = await _fetch_once(source)
            media_type, charset = media_type_of(result.content_type)
            if media_type in ("", "application/octet-stream"):
                media_type = media_type_for(Path(urlsplit(source).path), result.content)
            return await reader.parse(
                result.content, media_type, charset=charset, url=result.final_url
            )
        path = Path(source)
        data = path.read_bytes()
        return await reader.parse(data, media_type_for(path, data))
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None
    except UnsupportedMediaTypeError as exc:
        raise UnsupportedFormat(f"{source}: {exc.__class__.__name__}: {exc}") from exc
    except (ParseError, ReadLimitError) as exc:
        raise click.ClickException(f"{source}: {exc.__class__.__name__}: {exc}") from exc


def warn_ocr(source: str, doc: PolicyDocument, *, err: bool = False) -> None:
    """Say that a rendition's text was read by OCR (on stderr beside JSON output): it may hold
    misreadings, as the review UI and the emails say too."""
    from parsers.model import OCR_CAUTION

    if doc.ocr:
        message = f"Note: {source} was read by OCR ({doc.extractor}): {OCR_CAUTION}。"
        click.secho(message, fg="yellow", err=err)
