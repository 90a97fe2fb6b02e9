"""Body text of HTML renditions: NFCMS/TRS article pages, gkmlpt detail pages, postmeta JSON.

The body container is the first match of `BODY_SELECTORS` (ordered, from the site templates in
`notes/gov-pages.md` and other CMSs used by government sites: TRS, 国脉 `Custom_UnionStyle`, the
`zoom`/`pages_content` and `article-content` templates), or an operator's CSS selector; on a
page no selector knows, the element that holds every paragraph opening a numbered clause
(`clause_body`: a policy's body is its clauses), else trafilatura's main content
(`main_content_text`, some 30 times the cost). A gkmlpt page
(`window._CONFIG` with a `DETAIL`) is read from its JSON. Paragraph-level elements become lines;
everything else is inline.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from parsers.errors import ExtractionError
from parsers.fields import to_date
from parsers.model import Attachment

# (kind, name): "class" matches a class token, "id" an id. First match wins.
BODY_SELECTORS: tuple[tuple[str, str], ...] = (
    ("class", "TRS_Editor"),
    ("class", "trs_editor_view"),
    ("class", "TRS_UEDITOR"),
    ("class", "Custom_UnionStyle"),
    ("class", "news_cont_d_con"),
    ("class", "article-content"),
    ("id", "UCAP-CONTENT"),
    ("id", "zoomcon"),
    ("id", "zoom"),
    ("id", "ivs_content"),
    ("class", "Article_content"),
    ("class", "pages_content"),
    ("class", "tyxxy_main"),
    ("class", "zx_xxgk_cont"),
    ("class", "news_cont_d_wrap"),
)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "blockquote",
        "pre",
        "dd",
        "dt",
    ]
)
_DROP = "//script | //style | //noscript | //template"
_FILE = re.compile(r"\.(pdf|docx?|wps|xlsx?|zip|ofd|rar|et)$", re.I)
_CONFIG = re.compile(r"window\._CONFIG\s*=\s*")
_CONTENT = re.compile(r'"content"\s*:\s*"((?:[^"\\]|\\.)*)"')
_PUBDATE = re.compile(
    r"(?:信息提供日期|发布日期|发布时间|日期)[：:]\s*(\d{4}[-年./]\d{1,2}[-月./]\d{1,2})"
)
_SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A paragraph that opens a numbered clause (第X编/章/节/条, （一）, 一、: `parsers.clauses`' schemes
# a policy's body is made of), after any indent of full-width spaces.
_CLAUSE_OPENING = re.compile(
    r"^[\s\u3000]*(?:第[零〇一二两三四五六七八九十百千\d]+[编章节条]|（[零〇一二三四五六七八九十百]+）"
    r"|[一二三四五六七八九十百]+、)"
)
_PARAGRAPHS = ("p", "div", "li", "td", "dd", "h1", "h2", "h3", "h4", "h5", "h6")
MIN_OPENINGS = 3  # fewer numbered paragraphs say too little about where the body is
MAX_LINK_SHARE = 0.2  # a container whose text is more links than this is a menu or a list


_WITH_CLASS_OR_ID = etree.XPath("//*[@class or @id]")
_RANK_BY_CLASS = {name: i for i, (kind, name) in enumerate(BODY_SELECTORS) if kind == "class"}
_RANK_BY_ID = {name: i for i, (kind, name) in enumerate(BODY_SELECTORS) if kind == "id"}


def _rank(element: Any) -> int | None:
    """Index in BODY_SELECTORS of the best selector the element matches, or None."""
    ranks = [_RANK_BY_CLASS[c] for c in (element.get("class") or "").split() if c in _RANK_BY_CLASS]
    found = _RANK_BY_ID.get(element.get("id") or "")
    if found is not None:
        ranks.append(found)
    return min(ranks) if ranks else None


def parse_tree(text: str) -> Any:
    """An lxml HTML tree of `text` (raises ExtractionError when it is not HTML)."""
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not an HTML document: {exc}") from exc


def element_text(element: Any) -> str:
    """Text of an element with one line per paragraph-level element."""
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in _BLOCK:
                parts.append("\n")
            if tag in ("td", "th"):
                parts.append(" ")
            if node.text and tag not in ("script", "style"):
                parts.append(node.text)
        else:
            if tag in _BLOCK:
                parts.append("\n")
            if node is not element and node.tail:
                parts.append(node.tail)
    return "".join(_unwrap(p) for p in parts)


def _unwrap(part: str) -> str:
    """Source newlines inside a paragraph are not line breaks: keep only our own."""
    return part if part == "\n" else part.replace("\r", "").replace("\n", "")


def known_body(tree: Any) -> Any | None:
    """The body container a known template selector finds, or None.

    One pass over the elements that have a class or an id: the earliest selector wins, and
    among its matches the first in document order (as one XPath per selector would give).
    """
    best: tuple[int, Any] | None = None
    for element in _WITH_CLASS_OR_ID(tree):
        rank = _rank(element)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, element)
            if rank == 0:
                break
    return best[1] if best is not None else None


def body_element(tree: Any) -> Any:
    """The body container of a page (first matching selector, else <body>)."""
    found = known_body(tree)
    if found is not None:
        return found
    body = tree.find("body")
    return body if body is not None else tree


def clause_body(tree: Any) -> Any | None:
    """The smallest element holding every paragraph that opens a numbered clause, or None.

    None when fewer than `MIN_OPENINGS` paragraphs open one, when only the whole `<body>`
    holds them all (the layout mixes them with furniture: trafilatura's case), or when the
    element is mostly link text (a menu, a list of articles). One pass over the paragraphs
    and their ancestors: well under a millisecond where trafilatura takes about ten.
    """
    openings = [el for el in tree.iter(*_PARAGRAPHS) if _CLAUSE_OPENING.match(_lead_text(el))]
    if len(openings) < MIN_OPENINGS:
        return None
    common = openings[0]
    for element in openings[1:]:
        ancestors = list(element.iterancestors())  # held: lxml proxies compare by identity
        while common is not None and common is not element and common not in ancestors:
            common = common.getparent()
    if common is None or common.tag in ("body", "html"):
        return None
    text = len(common.text_content().strip())
    links = sum(len(a.text_content().strip()) for a in common.iter("a"))
    return common if text and links <= MAX_LINK_SHARE * text else None


def _lead_text(element: Any) -> str:
    """The text a paragraph starts with: its own, or its first inline child's
    (`<p><strong>（一）</strong>…`); a wrapper of paragraphs starts with none."""
    head = element.text or ""
    if not head.strip() and len(element):
        first = element[0]
        if isinstance(first.tag, str) and first.tag not in _BLOCK:
            head = first.text or ""
    return head


def select(tree: Any, css: str) -> Any | None:
    """The first element matching a CSS selector (ExtractionError when it is not valid CSS)."""
    from cssselect import SelectorError

    try:
        found = tree.cssselect(css)
    except SelectorError as exc:
        raise ExtractionError(f"body_selector {css!r} is not a valid CSS selector: {exc}") from exc
    return found[0] if found else None


def main_content_text(tree: Any) -> str:
    """The main content of a page no template selector knows (trafilatura), one paragraph a
    line; empty when trafilatura finds none. Menus, sidebars and footers are left out.

    Tables are left out too: on the table layouts of older government sites trafilatura
    would read the whole layout as one table, menus included. A site whose bodies hold tables
    is better served by its own `body_selector`."""
    import copy
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    text = trafilatura.extract(
        copy.deepcopy(tree),  # trafilatura prunes the tree it is given
        include_tables=False,
        include_comments=False,
        include_links=False,
        include_images=False,
        deduplicate=False,
        fast=True,
    )
    return text or ""


def attachments_in(tree: Any, base: str | None) -> tuple[Attachment, ...]:
    """Attachment links (`a.nfw-cms-attachment`, or href/alt ending in a document suffix)."""
    out: list[Attachment] = []
    seen: set[str] = set()
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        alt = (link.get("alt") or link.get("title") or "").strip()
        marked = "nfw-cms-attachment" in (link.get("class") or "")
        if not href or not (marked or _FILE.search(href) or _FILE.search(alt)):
            continue
        url = urljoin(base, href) if base else href
        if url in seen:
            continue
        seen.add(url)
        name = alt or " ".join(link.text_content().split()) or url.rsplit("/", 1)[-1]
        out.append(Attachment(url=url, name=name))
    return tuple(out)


def _meta(tree: Any, name: str) -> str | None:
    found = tree.xpath(f"//meta[@name='{name}']/@content")
    value = str(found[0]).strip() if found else ""
    return value or None


def page_title(tree: Any) -> str | None:
    """The article title: `<meta name=ArticleTitle>`, the first <h1>, else <title> trimmed."""
    title = _meta(tree, "ArticleTitle")
    if title:
        return title
    h1 = tree.find(".//h1")
    if h1 is not None and h1.text_content().strip():
        return " ".join(h1.text_content().split())
    node = tree.find(".//title")
    if node is not None and node.text:
        return node.text.strip().split("-")[0].strip() or None
    return None


def page_date(tree: Any, head_text: str | Callable[[], str]) -> dt.date | None:
    """Publication date from `<meta name=PubDate>` or a `信息提供日期：…` / `发布日期：…` line.

    `head_text` (the page's first text) may be a callable: it is then read only when needed.
    """
    value = _meta(tree, "PubDate")
    if value:
        return to_date(value)
    match = _PUBDATE.search(head_text if isinstance(head_text, str) else head_text())
    return to_date(match.group(1)) if match else None


def page_source(tree: Any) -> str | None:
    """The issuer as the page gives it (`<meta name=ContentSource>`)."""
    return _meta(tree, "ContentSource")


# --- gkmlpt detail pages and postmeta JSON ------------------------------------------------------


def gkmlpt_detail(text: str) -> dict[str, Any] | None:
    """The `window._CONFIG.DETAIL` object of a gkmlpt page, or None when there is none."""
    match = _CONFIG.search(text)
    if match is None or "DETAIL" not in text[match.end() :]:
        return None
    try:
        config, _ = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError:
        config = None
    detail = config.get("DETAIL") if isinstance(config, dict) else None
    if isinstance(detail, dict):
        return detail
    content = _CONTENT.search(text, match.end())
    if content is None:
        return None
    try:
        return {"content": json.loads(f'"{content.group(1)}"')}
    except ValueError:
        return None


def detail_date(value: Any) -> dt.date | None:
    """A gkmlpt/postmeta date: unix seconds (Asia/Shanghai) or `YYYY-MM-DD…` text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, tz=_SHANGHAI).date()
        except (OverflowError, OSError, ValueError):
            return None
    return to_date(value) if isinstance(value, str) else None


def json_attachments(items: Any, base: str | None) -> tuple[Attachment, ...]:
    """Attachments listed in gkmlpt DETAIL / postmeta `attachment` (dicts or strings)."""
    out: list[Attachment] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            url, name = item, item.rsplit("/", 1)[-1]
        elif isinstance(item, dict):
            url = str(item.get("url") or item.get("href") or item.get("path") or "")
            name = str(item.get("name") or item.get("title") or item.get("alt") or "")
            name = name or url.rsplit("/", 1)[-1]
        else:
            continue
        if url:
            out.append(Attachment(url=urljoin(base, url) if base else url, name=name))
    return tuple(out)
