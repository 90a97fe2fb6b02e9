"""Source kinds: registry, docstrings, discovery on the replayed site."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from monitor.check.items import ListPages, Traffic
from monitor.check.versions import UrlMemory
from monitor.config import FetchConfig, SourceConfig, config_from_dict, source_kinds
from monitor.errors import ConfigError, LayoutError
from monitor.fetch.client import Fetcher
from monitor.fetch.replay import ReplayServer
from monitor.sources import Item, PageGetter, Source, source_for
from state.store import Store

FETCH = FetchConfig(allow_hosts=("127.0.0.1",), retries=0)


def test_the_config_accepts_exactly_the_registered_kinds() -> None:
    assert source_kinds() == ("gkmlpt", "html-list", "page", "postmeta")

    def one(kind: str) -> dict[str, object]:
        return {"source": [{"name": "a", "kind": kind, "url": "http://a.gov.cn/"}]}

    with pytest.raises(ConfigError, match="unknown kind 'rss'"):
        config_from_dict(one("rss"))

    class RssSource(Source, kind="rss"):
        """`rss`: a test kind, registered only for this test."""

        async def discover(self, get: PageGetter) -> tuple[Item, ...]:
            return ()

    try:
        assert config_from_dict(one("rss")).sources[0].kind == "rss"  # no second list to edit
    finally:
        del Source.registry["rss"]


@pytest.mark.parametrize("kind", sorted(Source.registry))
def test_every_kind_has_a_docstring(kind: str) -> None:
    doc = Source.registry[kind].__doc__ or ""
    assert doc.strip().startswith(f"`{kind}`")


def discover(config: SourceConfig, store: Store) -> tuple[Item, ...]:
    async def main() -> tuple[Item, ...]:
        async with Fetcher(FETCH) as fetcher:
            return await source_for(config).discover(ListPages(Traffic(fetcher), UrlMemory(store)))

    return asyncio.run(main())


def _paths(items: tuple[Item, ...], base: str) -> list[str]:
    return [i.url.removeprefix(base) for i in items]


def test_html_list_follows_pagination_and_filters_by_keyword(
    replay: ReplayServer, store: Store
) -> None:
    url = replay.url + "/xxgk/xxgkml/qt/tzgg/index.html"
    everything = discover(SourceConfig(name="a", kind="html-list", url=url), store)
    assert len(everything) == 8  # 6 on page 1, 2 on index_2.html
    wanted = discover(
        SourceConfig(name="a", kind="html-list", url=url, keywords=("专精特新",)), store
    )
    assert _paths(wanted, replay.url) == [
        "/xxgk/xxgkml/qt/tzgg/content/post_9886501.html",
        "/xxgk/xxgkml/qt/tzgg/content/post_9871543.html",
    ]
    assert wanted[0].title and wanted[0].title.startswith("关于公开征求")
    one_page = discover(SourceConfig(name="a", kind="html-list", url=url, max_pages=1), store)
    assert len(one_page) == 6


def test_html_list_without_items_is_a_layout_error(replay: ReplayServer, store: Store) -> None:
    url = replay.url + "/gkmlpt/index"  # an HTML page that is not a list
    with pytest.raises(LayoutError):
        discover(SourceConfig(name="a", kind="html-list", url=url), store)


def test_postmeta_items_are_post_json_with_the_article_as_fallback(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    replay.switch(site / "2022-12-30")
    items = discover(
        SourceConfig(name="p", kind="postmeta", url=replay.url + "/postmeta/i/61057.json"), store
    )
    assert items[0].url == replay.url + "/postmeta/p/10/10358/10358920.json"
    assert items[0].alt_url == replay.url + "/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"


def test_gkmlpt_reads_the_sid_from_the_index(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    replay.switch(site / "2022-12-30")
    items = discover(
        SourceConfig(
            name="g", kind="gkmlpt", url=replay.url + "/gkmlpt/api/all/3115", keywords=("专精特新",)
        ),
        store,
    )
    assert "/gkmlpt/api/all/3115?page=1&sid=755035" in replay.requests
    assert _paths(items, replay.url) == [
        "/gkmlpt/content/10/10358/post_10358920.html",
        "/gkmlpt/content/19/19005/post_19005892.html",
    ]


def test_page_is_its_own_item(store: Store) -> None:
    config = SourceConfig(name="x", kind="page", url="http://gxj.sz.gov.cn/a.html")
    assert asyncio.run(source_for(config).discover(None)) == (  # type: ignore[arg-type]
        Item(url="http://gxj.sz.gov.cn/a.html", watched=True),
    )
