"""A site first watched after its final is out: the draft still listed beside it is history,
never a newer version (no "正式稿 -> 征求意见稿" change set with every clause reversed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import ReplayServer
from parsers.model import Status
from parsers.records import ChangeSetKind
from state.store import Store
from tests.conftest import snapshot_time


def test_first_check_after_the_final_keeps_the_final_as_latest(
    replay: ReplayServer, site: Path, store: Store
) -> None:
    def src(name: str, kind: str, path: str) -> SourceConfig:
        return SourceConfig(name=name, kind=kind, url=replay.url + path, keywords=("若干措施",))

    config = Config(
        fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
        sources=(
            src("tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html"),  # notice + final
            src("gkmlpt", "gkmlpt", "/gkmlpt/api/all/3115"),
        ),
    )
    replay.switch(site / "2022-12-30")
    for _ in range(2):
        report = asyncio.run(run_check(config, store, now=snapshot_time("2022-12-30")))
        assert not report.failed
    [doc] = store.list_documents()
    assert doc.status is Status.FINAL
    assert [v.document.status for v in store.versions_of(doc.id)] == [Status.FINAL]
    assert [cs.kind for cs in store.list_change_sets()] == [ChangeSetKind.NEW_DOCUMENT]
