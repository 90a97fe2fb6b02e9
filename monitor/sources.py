"""Sources: the `[[source]]` table (`SourceConfig`) and the kinds of source, which say how a
configured source discovers the document URLs to check.

Every kind is a small `Source` subclass registered by `__init_subclass__(kind=...)`; its
docstring is the user documentation, and `Source.registry` is the only list of kinds (the
config loader accepts exactly its keys). `discover()` fetches what the source needs through a
`PageGetter` (conditional GETs, cached bodies on 304) and returns `Item`s; the check pipeline
(`monitor.check`) fetches and parses each item. This module sits beside `config`, below every
sub-package, because the config loader validates kinds against the registry.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

from monitor.errors import HTTPStatusError, LayoutError

# Fallback item selectors of NFCMS / Shenzhen column lists (see notes/gov-pages.md §3).
DEFAULT_SELECTORS = (
    "div.ListconC",
    "ul.column-article li",
    "div.zx_ml_list ul li",
    "div.listcontent_right ul li",
    "ul.News_list li",
)
_POST_LINK = "a[href*='content/post_']"
_NEXT_TEXT = ("下一页", "下页")  # "next page" link texts
_SID = re.compile(r"""["']?SID["']?\s*[:=]\s*["']?(\d+)""")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One `[[source]]` table: a page or list the monitor watches."""

    name: str
    kind: str  # a key of `Source.registry` (checked at load)
    url: str
    every: dt.timedelta = dt.timedelta(minutes=30)
    cron: str | None = None  # a crontab expression (Asia/Shanghai) instead of `every`
    keywords: tuple[str, ...] = ()  # list kinds keep items whose title contains one of these
    selectors: tuple[str, ...] = ()  # html-list: CSS selectors for items, tried in order
    body_selector: str | None = None  # CSS selector of the article body on this source's pages
    max_pages: int = 3  # list kinds: follow pagination up to this many pages
    max_items: int = 50  # list kinds: newest items considered per check
    attachments: bool = True  # fetch and parse DOCX/PDF attachments of articles
    auto_approve: bool = False  # change sets of this source skip staff review
    enabled: bool = True
    # At the first check, items published longer ago than this are recorded as history.
    baseline_recent: dt.timedelta = dt.timedelta(days=14)


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A fetched (or, on 304, remembered) page body."""

    url: str
    content: bytes
    content_type: str
    not_modified: bool


class PageGetter(Protocol):
    """Fetches a page conditionally and returns the current body (cached on 304)."""

    async def __call__(self, url: str) -> Page: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One URL a source wants checked: a document page, post JSON or attachment."""

    url: str
    title: str | None = None
    alt_url: str | None = None  # tried when `url` answers 404 (e.g. the article page)
    watched: bool = False  # a `page` source's own URL: first sight is a baseline
    expired: bool = False
    abolished: bool = False


class Source(ABC):
    """Base of the source kinds; `Source.registry` maps kind -> class."""

    registry: ClassVar[dict[str, type[Source]]] = {}
    kind: ClassVar[str]

    def __init_subclass__(cls, *, kind: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = kind
        Source.registry[kind] = cls

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    @abstractmethod
    async def discover(self, get: PageGetter) -> tuple[Item, ...]:
        """The items to check now (raises FetchError / LayoutError)."""

    def wanted(self, title: str | None) -> bool:
        """Keep an item whose title contains one of the keywords (all when none are set)."""
        if not self.config.keywords:
            return True
        return bool(title) and any(k in (title or "") for k in self.config.keywords)

    def _keep(self, items: list[Item]) -> tuple[Item, ...]:
        seen: set[str] = set()
        out: list[Item] = []
        for item in items:
            if item.url not in seen and self.wanted(item.title):
                seen.add(item.url)
                out.append(item)
        return tuple(out[: self.config.max_items])


def source_for(config: SourceConfig) -> Source:
    """The Source object of a configured source (kinds are validated when the config loads)."""
    return Source.registry[config.kind](config)


class PageSource(Source, kind="page"):
    """`page`: one document URL watched as it is. The first check stores a baseline version
    (no change set); later checks store a version and a change set when its clauses change."""

    async def discover(self, get: PageGetter) -> tuple[Item, ...]:
        """The page itself."""
        return (Item(url=self.config.url, watched=True),)


class HtmlListSource(Source, kind="html-list"):
    """`html-list`: a column list page (NFCMS `div.ListconC` and other layouts). Items are
    found by the CSS `selectors` (then built-in fallbacks, then any `content/post_` link);
    pagination (`a.next` / 下一页) is followed up to `max_pages`; items whose title contains one
    of `keywords` are checked. A page with no items at all is a layout error."""

    async def discover(self, get: PageGetter) -> tuple[Item, ...]:
        """Items of up to `max_pages` list pages."""
        import lxml.html  # type: ignore[import-untyped]

        items: list[Item] = []
        url: str | None = self.config.url
        for number in range(max(1, self.config.max_pages)):
            if url is None:
                break
            page = await get(url)
            tree = lxml.html.document_fromstring(page.content or b"<html></html>")
            found = self._items(tree, page.url)
            if not found and number == 0:
                raise LayoutError(f"{url}: no list items found (layout changed?)")
            items.extend(found)
            url = _next_page(tree, page.url)
        return self._keep(items)

    def _items(self, tree: Any, base: str) -> list[Item]:
        for selector in (*self.config.selectors, *DEFAULT_SELECTORS):
            found = [self._item(el, base) for el in tree.cssselect(selector)]
            items = [i for i in found if i is not None]
            if items:
                return items
        return [i for i in (self._item(a, base) for a in tree.cssselect(_POST_LINK)) if i]

    @staticmethod
    def _item(element: Any, base: str) -> Item | None:
        links = [element] if element.tag == "a" else element.cssselect("a[href]")
        if not links or not links[0].get("href"):
            return None
        link = links[0]
        title = link.get("title") or link.text_content().strip()
        return Item(url=urljoin(base, link.get("href").strip()), title=title)


def _next_page(tree: Any, base: str) -> str | None:
    for link in tree.cssselect("a.next[href], a[href]"):
        href = (link.get("href") or "").strip()
        text = link.text_content().strip()
        is_next = "next" in (link.get("class") or "").split() or text in _NEXT_TEXT
        if href and is_next and not href.startswith(("javascript:", "#")):
            return str(urljoin(base, href))
    return None


class PostmetaSource(Source, kind="postmeta"):
    """`postmeta`: an NFCMS column feed `/postmeta/i/<column>.json`. Each article matching
    `keywords` is checked through its post JSON `/postmeta/p/<id//1e6>/<id//1e3>/<id>.json`
    (body HTML and attachments in one GET), falling back to the article page when absent."""

    async def discover(self, get: PageGetter) -> tuple[Item, ...]:
        """Items of the column's articles."""
        page = await get(self.config.url)
        articles = _json(page).get("articles")
        if not isinstance(articles, list):
            raise LayoutError(f"{self.config.url}: no 'articles' in the column JSON")
        items: list[Item] = []
        for article in articles:
            if not isinstance(article, dict):
                continue
            url = str(article.get("url") or "")
            post = _int(article.get("id"))
            if post is None and not url:
                continue
            article_url = urljoin(page.url, url) if url else None
            items.append(
                Item(
                    url=_post_json_url(page.url, post) if post is not None else str(article_url),
                    alt_url=article_url if post is not None else None,
                    title=str(article.get("title") or ""),
                )
            )
        return self._keep(items)


def _post_json_url(base: str, post: int) -> str:
    return urljoin(base, f"/postmeta/p/{post // 1_000_000}/{post // 1_000}/{post}.json")


class GkmlptSource(Source, kind="gkmlpt"):
    """`gkmlpt`: a category of the Guangdong 政府信息公开目录 (`url` = `<site>/gkmlpt/api/all/<cat>`).
    The site's SID is read from `/gkmlpt/index` (`window._CONFIG`); pages `?page=N&sid=SID`
    are read up to `max_pages`; each article matching `keywords` is checked on its detail
    page. `is_expired` / `is_abolished` flags become status events of the document."""

    async def discover(self, get: PageGetter) -> tuple[Item, ...]:
        """Items of the category's article list."""
        parts = urlsplit(self.config.url)
        index = await get(urlunsplit((parts.scheme, parts.netloc, "/gkmlpt/index", "", "")))
        found = _SID.search(index.content.decode("utf-8", "replace"))
        if not found:
            raise LayoutError(f"{index.url}: no SID in window._CONFIG")
        items: list[Item] = []
        for number in range(1, max(1, self.config.max_pages) + 1):
            try:
                page = await get(f"{self.config.url}?page={number}&sid={found.group(1)}")
            except HTTPStatusError as exc:
                if number > 1 and exc.status == 404:  # some sites only serve page 1
                    break
                raise
            data = _json(page)
            articles = data.get("articles")
            if not isinstance(articles, list):
                raise LayoutError(f"{page.url}: no 'articles' in the gkmlpt list")
            items.extend(self._item(a, page.url) for a in articles if isinstance(a, dict))
            total = _int((data.get("classify") or {}).get("post_count")) or 0
            if not articles or len(items) >= total:
                break
        return self._keep([i for i in items if i.url])

    @staticmethod
    def _item(article: dict[str, Any], base: str) -> Item:
        url = str(article.get("url") or article.get("post_url") or "")
        return Item(
            url=urljoin(base, url) if url else "",
            title=str(article.get("title") or ""),
            expired=bool(article.get("is_expired")),
            abolished=bool(article.get("is_abolished")),
        )


def _json(page: Page) -> dict[str, Any]:
    try:
        data = json.loads(page.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{page.url}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise LayoutError(f"{page.url}: JSON is not an object")
    return data


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
