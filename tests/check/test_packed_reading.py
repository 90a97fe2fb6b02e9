"""The reading worker packs what a version stores (bytes and text) exactly as the store would,
and only when a version can be stored."""

from __future__ import annotations

from monitor.check.reader import read
from state.base import compress, decompress, pack_text, unpack_text
from state.documents import LatestTree
from tests.conftest import SITE

PAGE = (SITE / "2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html").read_bytes()
URL = "http://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"


def test_a_new_tree_comes_with_its_bytes_and_text_packed_as_the_store_packs_them() -> None:
    reading = read(PAGE, "text/html; charset=utf-8", URL)

    assert reading.tree is not None and reading.raw is not None
    assert reading.packed_text == pack_text(reading.extracted.text)
    assert unpack_text(reading.packed_text) == reading.extracted.text
    assert reading.raw == compress(PAGE) and decompress(reading.raw) == PAGE


def test_the_previous_tree_again_packs_nothing() -> None:
    first = read(PAGE, "text/html; charset=utf-8", URL)
    assert first.tree is not None
    previous = LatestTree(
        version_id=1, tree_hash=first.tree.digest, tree_json=first.tree.json, parser_version=""
    )

    again = read(PAGE, "text/html; charset=utf-8", URL, previous)

    assert again.tree is not None and again.tree.digest == first.tree.digest
    assert again.raw is None and again.packed_text is None and again.diff is None
