"""`[[source]] body_selector`: a check reads that source's pages with the operator's selector
(the version says `html:body_selector`); a selector that no longer matches (the site changed its
template) is a failed attempt naming it, never an empty or "all deleted" version."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from monitor.check.cycle import CycleReport, run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import serve_in_thread
from parsers.records import AttemptOutcome
from state.store import Store

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "table-layout-gbk.html"


def _snapshot(tmp_path: Path, page: Path = PAGE) -> Path:
    """An old table-layout site (GBK) whose body only `td.main` names exactly."""
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "page.html").write_bytes(page.read_bytes())
    entry = {
        "url": "/zwgk/zcfg/201901/t20190110_1.htm",
        "file": "page.html",
        "content_type": "text/html",
    }
    manifest = {"host": "http://www.dpxq.gov.cn", "entries": [entry]}
    (snap / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return snap


def _check(snapshot: Path, store: Store, body_selector: str | None) -> CycleReport:
    server = serve_in_thread(snapshot)
    try:
        source = SourceConfig(
            name="dpxq",
            kind="page",
            url=server.url + "/zwgk/zcfg/201901/t20190110_1.htm",
            body_selector=body_selector,
        )
        config = Config(
            fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
            sources=(source,),
        )
        return asyncio.run(run_check(config, store))
    finally:
        server.close()


def test_a_sources_body_selector_reads_its_pages(tmp_path: Path, store: Store) -> None:
    report = _check(_snapshot(tmp_path), store, "td.main")
    assert report.reports[0].outcome is AttemptOutcome.BASELINE, report.reports
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None
    assert version.document.extractor == "html:body_selector"
    assert version.document.title == "大鹏新区关于支持企业专精特新发展的若干措施"
    assert len(version.document.walk()) == 8


def test_without_it_the_same_page_is_read_by_its_clauses(tmp_path: Path, store: Store) -> None:
    _check(_snapshot(tmp_path), store, None)
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None and version.document.extractor == "html:clauses"
    assert len(version.document.walk()) == 8


def test_a_page_of_items_is_read_by_the_fallback(tmp_path: Path, store: Store) -> None:
    items = PAGE.with_name("table-layout-items.html")
    _check(_snapshot(tmp_path, items), store, None)
    [doc] = store.list_documents()
    version = store.latest_version(doc.id)
    assert version is not None and version.document.extractor == "html:trafilatura"
    assert [c.path for c in version.document.walk()] == [("1",), ("2",), ("3",), ("4",)]


def test_a_body_selector_that_matches_nothing_is_a_failed_attempt(
    tmp_path: Path, store: Store
) -> None:
    report = _check(_snapshot(tmp_path), store, "div.zw")
    assert report.failed == 1
    error = report.reports[0].error or ""
    assert "ExtractionError: body_selector 'div.zw' matches nothing on the page" in error
    assert store.list_documents() == [] and store.list_change_sets() == []
