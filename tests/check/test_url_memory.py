"""A cycle reads its source URLs' states in one query, and never hands out one older than its
own last write of that URL."""

from __future__ import annotations

from monitor.check.versions import UrlMemory
from state.sources import UrlState
from state.store import Store

A = "http://a.gov.cn/a.html"
B = "http://a.gov.cn/b.html"


def test_a_state_read_ahead_is_what_the_store_holds_and_is_handed_out_once(store: Store) -> None:
    store.set_url_state(UrlState(url=A, verdict="document", etag='"1"'))
    memory = UrlMemory(store, ahead=[A, B])
    store.set_url_state(UrlState(url=A, verdict="document", etag='"2"'))  # behind its back

    assert memory.get(A) == UrlState(url=A, verdict="document", etag='"1"')  # read ahead
    assert memory.get(A) == UrlState(url=A, verdict="document", etag='"2"')  # the store's now
    assert memory.get(B) is None


def test_a_write_drops_the_state_read_ahead(store: Store) -> None:
    store.set_url_state(UrlState(url=A, verdict="document", etag='"1"'))
    memory = UrlMemory(store, ahead=[A, B])
    # another source of the same cycle on the same URLs writes first
    memory.set(UrlState(url=A, verdict="document", etag='"2"'))
    memory.set(UrlState(url=B, verdict="not_document"))

    assert memory.get(A) == UrlState(url=A, verdict="document", etag='"2"')
    assert memory.get(B) == UrlState(url=B, verdict="not_document")
    assert store.url_state(A) == UrlState(url=A, verdict="document", etag='"2"')
