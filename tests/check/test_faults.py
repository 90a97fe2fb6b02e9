"""A watched `page` source: baseline, change, flip-flop, and every fault as a failed attempt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.check.cycle import CycleReport, run_check
from monitor.config import Config, DaemonConfig, FetchConfig, SourceConfig
from monitor.fetch.replay import Fault, ReplayServer, serve_in_thread
from parsers.diff import diff_documents
from parsers.records import AttemptOutcome, ChangeSetKind
from state.store import Store

FINAL = "xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
PATH = "/" + FINAL


class Site:
    """A one-page snapshot in tmp_path whose page a test can rewrite."""

    def __init__(self, folder: Path, original: Path) -> None:
        self.folder = folder
        self.original = original.read_bytes()
        folder.mkdir()
        self.write(self.original)

    def write(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        (self.folder / "page.html").write_bytes(body)
        entry = {"url": PATH, "file": "page.html", "content_type": content_type}
        manifest = {"host": "http://gxj.sz.gov.cn", "entries": [entry]}
        (self.folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def page_site(tmp_path: Path, site: Path) -> Iterator[tuple[Site, ReplayServer]]:
    one = Site(tmp_path / "snap", site / "2022-12-30" / FINAL)
    server = serve_in_thread(one.folder)
    try:
        yield one, server
    finally:
        server.close()


def page_config(base: str, **fetch: float) -> Config:
    settings = {"timeout": 1.0, "retries": 1, "backoff": 0.01, **fetch}
    return Config(
        fetch=FetchConfig(allow_hosts=("127.0.0.1",), **settings),  # type: ignore[arg-type]
        sources=(SourceConfig(name="final", kind="page", url=base + PATH),),
        daemon=DaemonConfig(failure_threshold=2),
    )


def check(
    server: ReplayServer, store: Store, site_: Site | None = None, **fetch: float
) -> CycleReport:
    if site_ is not None:
        server.switch(site_.folder)
    return asyncio.run(run_check(page_config(server.url, **fetch), store))


def _changed_copy(body: bytes) -> bytes:
    return body.replace("最高2万元".encode(), "最高3万元".encode(), 1)


def test_first_sight_is_a_baseline_then_a_change(
    page_site: tuple[Site, ReplayServer], store: Store
) -> None:
    one, server = page_site
    first = check(server, store)
    assert first.reports[0].outcome is AttemptOutcome.BASELINE
    assert store.list_change_sets() == []
    assert sum(d.version_count for d in store.list_documents()) == 1
    one.write(_changed_copy(one.original))
    second = check(server, store, one)
    assert second.reports[0].outcome is AttemptOutcome.CHANGED
    [cs] = store.list_change_sets()
    assert cs.kind is ChangeSetKind.CHANGED and len(cs.changes) == 1
    assert check(server, store).reports[0].outcome is AttemptOutcome.NOT_MODIFIED


def test_flip_flop_is_noticed(page_site: tuple[Site, ReplayServer], store: Store) -> None:
    one, server = page_site
    check(server, store)
    one.write(_changed_copy(one.original))
    check(server, store, one)
    one.write(one.original)
    check(server, store, one)
    latest = store.list_change_sets()[0]
    assert latest.note and "flip-flop" in latest.note
    events = [e.event for e in store.status_events(latest.document_id)]
    assert "flip_flop" in events


def _broken_layout(body: bytes) -> bytes:
    text = body.decode("utf-8")
    start = text.index('<div class="news_cont_d_wrap">')
    return (text[:start] + "<div class='new-template'><p>页面改版</p></div></body></html>").encode()


def _truncated_clauses(body: bytes) -> bytes:
    text = body.decode("utf-8")
    cut = text.index("（四）")
    return (text[:cut] + "</div></div></div></body></html>").encode()


FAULTS = {
    "500": lambda one, server: server.set_fault(PATH, Fault.ERROR_500),
    "timeout": lambda one, server: server.set_fault(PATH, Fault.HANG),
    "reset": lambda one, server: server.set_fault(PATH, Fault.RESET),
    "truncated": lambda one, server: server.set_fault(PATH, Fault.TRUNCATE),
    "empty": lambda one, server: server.set_fault(PATH, Fault.EMPTY),
    "layout": lambda one, server: one.write(_broken_layout(one.original)),
    "collapse": lambda one, server: one.write(_truncated_clauses(one.original)),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faults_are_failed_attempts_never_change_sets(
    fault: str, page_site: tuple[Site, ReplayServer], store: Store
) -> None:
    one, server = page_site
    check(server, store)  # baseline
    FAULTS[fault](one, server)
    server.switch(one.folder)
    report = check(server, store, timeout=0.3)
    assert report.failed == 1, report.reports
    assert store.list_change_sets() == []
    assert sum(d.version_count for d in store.list_documents()) == 1
    source = store.get_source("final")
    assert [a.outcome for a in store.attempts(source.id)] == [
        AttemptOutcome.FAILED,
        AttemptOutcome.BASELINE,
    ]


def test_source_is_flagged_after_consecutive_failures(
    page_site: tuple[Site, ReplayServer], store: Store
) -> None:
    one, server = page_site
    server.set_fault(PATH, Fault.ERROR_500)
    check(server, store)
    assert not store.get_source("final").flagged
    check(server, store)
    assert store.get_source("final").flagged
    server.set_fault(PATH, None)
    check(server, store)
    assert not store.get_source("final").flagged


def test_a_wrong_declared_charset_is_no_change(
    page_site: tuple[Site, ReplayServer], store: Store
) -> None:
    one, server = page_site
    check(server, store)
    one.write(one.original.decode("utf-8").encode("gb18030"), "text/html; charset=utf-8")
    report = check(server, store, one)
    assert report.reports[0].outcome in (AttemptOutcome.UNCHANGED, AttemptOutcome.FAILED)
    assert store.list_change_sets() == []
    assert sum(d.version_count for d in store.list_documents()) == 1


def test_a_cycle_read_in_the_worker_process_stores_the_same(
    page_site: tuple[Site, ReplayServer],
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    one, server = page_site  # a one-source cycle reads in the worker too (#16)
    assert check(server, store).reports[0].outcome is AttemptOutcome.BASELINE
    one.write(_changed_copy(one.original))
    assert check(server, store, one).reports[0].outcome is AttemptOutcome.CHANGED
    [cs] = store.list_change_sets()
    assert cs.kind is ChangeSetKind.CHANGED and len(cs.changes) == 1
    assert cs.from_version_id is not None and cs.to_version_id is not None
    before, after = store.get_version(cs.from_version_id), store.get_version(cs.to_version_id)
    inline = diff_documents(before.document, after.document)  # what reading inline gives
    assert [c.change for c in cs.changes] == list(inline.changes)
    assert not [r for r in caplog.records if r.name == "monitor.check.worker"]  # the worker lived
