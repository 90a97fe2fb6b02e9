"""From bytes and a media type to `Extracted`: decoded, normalised body text plus metadata.

The format comes from the bytes (`resolve_format`, `parsers.formats.sniff`); the declared
media type only tells HTML, JSON and text apart. Each `Extracted` names its `extractor`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from parsers import html as html_
from parsers.errors import ExtractionError, UnsupportedFormatError, UnsupportedMediaTypeError
from parsers.formats import (
    BINARY_DOCUMENT_TYPES,
    DOC,
    DOCX,
    GENERIC_TYPES,
    OFD,
    PDF,
    RTF,
    WORKS,
    looks_like_html,
    looks_like_json,
    sniff,
)
from parsers.model import Attachment, Extracted
from parsers.text import decode, normalise, strip_controls
from parsers.tools import DEFAULT_BUDGET, Budget

TEXT = "text/plain"
HTML = "text/html"
JSON = "application/json"
MEDIA_TYPES = (TEXT, HTML, JSON, DOCX, PDF, DOC, WORKS, RTF, OFD)
_ALIASES = {
    "application/xhtml+xml": HTML,
    "text/json": JSON,
    "application/x-pdf": PDF,
    "text/rtf": RTF,
}
_CONVERTED = frozenset({DOC, WORKS, RTF})  # read through LibreOffice, then as DOCX

_CONSULTATION = re.compile(
    r"征求.{0,80}意见的?(?:通告|通知|公告|函)|意见征集|征求意见(?:通告|公告)$"
)
_ISSUING = re.compile(r"关于印发.{0,80}的通知$|印发《")
_CLAUSE_START = re.compile(
    r"(?m)^(?:第[一二三四五六七八九十百\d]+[章条]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)"
)


def media_type_of(media_type: str) -> tuple[str, str | None]:
    """`text/html; charset=gb2312` -> (`text/html`, `gb2312`)."""
    main, _, params = media_type.partition(";")
    main = main.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return _ALIASES.get(main, main), charset


def extract(
    data: bytes,
    media_type: str,
    *,
    charset: str | None = None,
    url: str | None = None,
    body_selector: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
) -> Extracted:
    """Decode and normalise one rendition; the structure is read later by `parse`.

    The format is found by content (`resolve_format`), the declared media type only telling
    HTML, JSON and text apart. `body_selector` (a CSS selector) names an HTML page's body
    container; `budget` bounds LibreOffice conversions and OCR.
    """
    declared, declared_charset = media_type_of(media_type)
    kind = resolve_format(data, declared, label=_label(url, declared))
    charset = charset or declared_charset
    if kind == TEXT:
        text, encoding = decode(data, charset=charset)
        return _finish(None, normalise(text), encoding=encoding, extractor="text")
    if kind == HTML:
        return _from_html(data, charset, url, body_selector)
    if kind == JSON:
        return _from_json(data, charset, url)
    return _from_file(data, kind, budget)


def resolve_format(data: bytes, declared: str, *, label: str) -> str:
    """The media type to read `data` as: its signature's, else the declared text kind.

    Raises UnsupportedFormatError for content we do not read, ExtractionError for text
    served as a binary document (an error or login page in place of the attachment).
    """
    if not data:
        raise ExtractionError("empty document")
    sniffed = sniff(data)
    if sniffed is not None:
        if sniffed.media_type is None:
            raise UnsupportedFormatError(label, sniffed.name)
        return sniffed.media_type
    if declared in (TEXT, HTML, JSON):
        return declared
    what = "HTML" if looks_like_html(data) else "JSON" if looks_like_json(data) else "text"
    if declared in BINARY_DOCUMENT_TYPES:
        raise ExtractionError(f"declared {declared} but the content is {what}: not the document")
    if declared in GENERIC_TYPES:
        return {"HTML": HTML, "JSON": JSON}.get(what, TEXT)
    raise UnsupportedFormatError(label, f"{what} declared as {declared}")


def _label(url: str | None, declared: str) -> str:
    """How an unsupported file is named in errors: its suffix, else its media type."""
    suffix = PurePosixPath(urlsplit(url).path).suffix if url else ""
    return suffix or declared or "(no media type)"


def _from_file(data: bytes, kind: str, budget: Budget) -> Extracted:
    """DOCX, PDF (OCR for pages without a text layer), OFD, and LibreOffice's formats."""
    from parsers.docx import docx_text

    if kind == DOCX:
        return _finish(None, normalise(docx_text(data)), extractor="docx")
    if kind == PDF:
        from parsers.pdf import pdf_text

        found = pdf_text(data, budget=budget)
        return _finish(None, normalise(found.text), extractor=found.extractor, ocr=found.ocr)
    if kind == OFD:
        from parsers.ofd import ofd_text

        return _finish(None, normalise(ofd_text(data)), extractor="ofd")
    if kind in _CONVERTED:
        from parsers.office import to_docx

        converted = to_docx(data, kind, budget=budget)
        return _finish(None, normalise(docx_text(converted)), extractor="libreoffice+docx")
    raise UnsupportedMediaTypeError(f"no extractor for media type {kind!r}")


def _finish(title: str | None, text: str, **meta: Any) -> Extracted:
    is_notice = False
    if title:
        title = strip_controls(title)
        consultation = _CONSULTATION.search(title) is not None
        issuing = _ISSUING.search(title) is not None
        is_notice = consultation or (issuing and len(_CLAUSE_START.findall(text)) < 3)
    for key in ("doc_number", "issuer"):
        if isinstance(meta.get(key), str):
            meta[key] = strip_controls(meta[key])
    if meta.get("attachments"):
        meta["attachments"] = tuple(
            dataclasses.replace(a, name=strip_controls(a.name)) for a in meta["attachments"]
        )
    return Extracted(title=title, text=text, is_notice=is_notice, **meta)


def _from_html(
    data: bytes, charset: str | None, url: str | None, body_selector: str | None
) -> Extracted:
    raw, encoding = decode(data, charset=charset, html=True)
    detail = html_.gkmlpt_detail(raw) if "_CONFIG" in raw else None
    if detail is not None:
        return _from_detail(detail, url, encoding)
    tree = html_.parse_tree(raw)
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    text, extractor = _body_text(tree, body_selector)
    if not text:
        raise ExtractionError("the page has no body text")
    return _finish(
        html_.page_title(tree),
        text,
        attachments=html_.attachments_in(tree, url),
        published=html_.page_date(tree, lambda: _head_text(tree)),
        encoding=encoding,
        issuer=html_.page_source(tree),
        extractor=extractor,
    )


def _body_text(tree: Any, body_selector: str | None) -> tuple[str, str]:
    """The body's text and who found it: the operator's selector, a known template's, the
    element holding the numbered clauses, else trafilatura's main-content extraction, else the
    whole <body> (a page with no clutter)."""
    if body_selector:
        found = html_.select(tree, body_selector)
        if found is None:
            raise ExtractionError(f"body_selector {body_selector!r} matches nothing on the page")
        return normalise(html_.element_text(found)), "html:body_selector"
    body = html_.known_body(tree)
    if body is not None:
        return normalise(html_.element_text(body)), "html"
    clauses = html_.clause_body(tree)
    if clauses is not None:
        return normalise(html_.element_text(clauses)), "html:clauses"
    main = html_.main_content_text(tree)
    if main:
        return normalise(main), "html:trafilatura"
    return normalise(html_.element_text(html_.body_element(tree))), "html:body"


def _head_text(tree: Any) -> str:
    """The start of the page's text (where a `发布日期：…` line is looked for)."""
    body = tree.find("body")
    return normalise(html_.element_text(body if body is not None else tree))[:2000]


def _content_text(content: str, url: str | None) -> tuple[str, tuple[Attachment, ...]]:
    if not content.strip():
        raise ExtractionError("the post has an empty content field")
    tree = html_.parse_tree(f"<html><body>{content}</body></html>")
    text = normalise(html_.element_text(tree.find("body")))
    return text, html_.attachments_in(tree, url)


def _from_detail(detail: dict[str, Any], url: str | None, encoding: str) -> Extracted:
    text, inline = _content_text(str(detail.get("content") or ""), url)
    listed = html_.json_attachments(detail.get("attachment") or detail.get("attachments"), url)
    return _finish(
        _str(detail.get("title")),
        text,
        attachments=_unique(inline + listed),
        published=html_.detail_date(detail.get("date") or detail.get("publish_time")),
        encoding=encoding,
        doc_number=_str(detail.get("document_number")),
        issuer=_str(detail.get("publisher")),
        extractor="gkmlpt",
    )


def _from_json(data: bytes, charset: str | None, url: str | None) -> Extracted:
    raw, encoding = decode(data, charset=charset or "utf-8")
    try:
        post = json.loads(raw)
    except ValueError as exc:
        raise ExtractionError(f"not valid JSON: {exc}") from exc
    if not isinstance(post, dict) or not isinstance(post.get("content"), str):
        raise ExtractionError("JSON without a 'content' field: not a postmeta post")
    base = url or _str(post.get("url"))
    text, inline = _content_text(post["content"], base)
    listed = html_.json_attachments(post.get("attachment"), base)
    date = post.get("visible_publish_time") or post.get("date") or post.get("publish_time")
    return _finish(
        _str(post.get("title")),
        text,
        attachments=_unique(inline + listed),
        published=html_.detail_date(date),
        encoding=encoding,
        doc_number=_str(post.get("EXT_zh")),
        issuer=_str(post.get("EXT_fwdw")),
        extractor="postmeta",
    )


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _unique(items: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    seen: set[str] = set()
    out: list[Attachment] = []
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            out.append(item)
    return tuple(out)
