"""The check pipeline against the replay of the recorded site, and against faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.check.cycle import CycleReport, run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import ReplayServer
from parsers.model import ClauseRef, Status
from parsers.records import ChangeSetKind
from state.store import Store
from tests.conftest import snapshot_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEYWORDS = ("专精特新",)
ZJTX = "深圳市关于促进专精特新企业高质量发展的若干措施"


def site_config(base: str) -> Config:
    """The acceptance config: two column lists, the postmeta feed, the gkmlpt category."""
    fetch = FetchConfig(allow_hosts=("*.gov.cn", "127.0.0.1"), timeout=3.0, retries=1, backoff=0.01)

    def src(name: str, kind: str, path: str) -> SourceConfig:
        return SourceConfig(name=name, kind=kind, url=base + path, keywords=KEYWORDS)

    return Config(
        fetch=fetch,
        sources=(
            src("tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html"),
            src("gygh", "html-list", "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html"),
            src("postmeta", "postmeta", "/postmeta/i/61057.json"),
            src("gkmlpt", "gkmlpt", "/gkmlpt/api/all/3115"),
        ),
    )


def check(config: Config, store: Store, **kwargs: Any) -> CycleReport:
    return asyncio.run(run_check(config, store, **kwargs))


def _key(ref: ClauseRef | dict[str, Any] | None) -> tuple[Any, ...] | None:
    if ref is None:
        return None
    if isinstance(ref, ClauseRef):
        return (ref.number, ref.label, ref.heading)
    return (ref["number"], ref["label"], ref["heading"])


def assert_gold(store: Store, change_set_id: int, gold_name: str) -> None:
    gold = json.loads((FIXTURES / "expected" / gold_name).read_text(encoding="utf-8"))
    changes = store.get_change_set(change_set_id).diff.changes
    got = {(_key(c.old), _key(c.new)): c for c in changes}
    want = {(_key(g["old"]), _key(g["new"])): g for g in gold["changes"]}
    assert set(got) == set(want)
    for key, g in want.items():
        assert sorted(k.value for k in got[key].kinds) == sorted(g["kinds"])


@pytest.fixture
def zjtx_run(replay: ReplayServer, site: Path, store: Store) -> list[CycleReport]:
    """The three snapshots in order, then the last one again."""
    config = site_config(replay.url)
    reports = []
    for name in ("2022-06-20", "2022-12-30", "2023-03-01", "2023-03-01"):
        replay.switch(site / name)
        reports.append(check(config, store, now=snapshot_time(name)))
    return reports


def _zjtx(store: Store) -> int:
    found = [d for d in store.list_documents() if d.norm_title == ZJTX]
    assert len(found) == 1, [d.title for d in store.list_documents()]
    return found[0].id


def test_three_snapshots_make_one_document_with_three_versions(
    zjtx_run: list[CycleReport], store: Store
) -> None:
    assert [r.failed for r in zjtx_run] == [0, 0, 0, 0], [r.reports for r in zjtx_run]
    doc_id = _zjtx(store)
    versions = store.versions_of(doc_id)
    assert [v.document.status for v in versions] == [Status.DRAFT, Status.FINAL, Status.FINAL]
    assert versions[0].url.endswith("/attachment/0/98/98865/9886501.docx")
    assert versions[0].document.comment_deadline == dt.date(2022, 7, 20)
    sets = sorted(store.list_change_sets(document_id=doc_id), key=lambda c: c.id)
    assert [c.kind for c in sets] == [
        ChangeSetKind.NEW_DOCUMENT,
        ChangeSetKind.CHANGED,
        ChangeSetKind.CHANGED,
    ]
    assert sets[0].diff.changes == ()
    assert_gold(store, sets[1].id, "draft-to-final-a.json")
    assert_gold(store, sets[2].id, "final-a-correction.json")
    events = [e.event for e in store.status_events(doc_id)]
    for event in ("draft_published", "comment_deadline", "final_published", "corrected"):
        assert event in events


def test_the_final_on_four_renditions_is_one_version(
    zjtx_run: list[CycleReport], store: Store
) -> None:
    second = zjtx_run[1]
    assert second.changed == 1
    assert second.new_documents == 0
    keys = {r.key for r in store.renditions_of(_zjtx(store))}
    assert "post:10358920" in keys


def test_a_fourth_run_stores_nothing_and_gets_304s(
    zjtx_run: list[CycleReport], store: Store, replay: ReplayServer
) -> None:
    last = zjtx_run[3]
    assert (last.changed, last.new_documents, last.failed) == (0, 0, 0)
    assert last.requests > 0
    sets_before = len(store.list_change_sets())
    versions_before = sum(d.version_count for d in store.list_documents())
    replay.responses.clear()
    again = check(site_config(replay.url), store)
    assert len(store.list_change_sets()) == sets_before
    assert sum(d.version_count for d in store.list_documents()) == versions_before
    statuses = {status for _path, status in replay.responses}
    assert statuses == {304, 404}, replay.responses  # 404: feed entries the site never had
    assert again.not_modified == sum(1 for _p, s in replay.responses if s == 304)
    assert again.unchanged == again.checked
