"""A source's first check is a baseline: what is already published is stored as history, not
queued for review; what was published within `baseline_recent` (or is still open for comment)
is news as on any other day. A source added later to a database is a first sight too."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, SourceConfig
from monitor.fetch.replay import ReplayServer
from parsers.records import AttemptOutcome, ChangeSetKind
from state.store import Store

ZJTX = "深圳市关于促进专精特新企业高质量发展的若干措施"
OLD_POLICY = "深圳市专精特新中小企业遴选办法"  # published 2020-02-09, on the gygh list


def _source(base: str, name: str, kind: str, path: str, **kw: object) -> SourceConfig:
    return SourceConfig(name=name, kind=kind, url=base + path, keywords=("专精特新",), **kw)  # type: ignore[arg-type]


def _config(*sources: SourceConfig) -> Config:
    fetch = FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01)
    return Config(fetch=fetch, sources=sources)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T10:00:00+08:00")


def _titles(store: Store) -> dict[str, list[ChangeSetKind]]:
    found: dict[str, list[ChangeSetKind]] = {d.title: [] for d in store.list_documents()}
    for cs in store.list_change_sets():
        found[cs.document_title].append(cs.kind)
    return found


def test_recent_news_passes_and_the_old_policy_is_history(
    replay: ReplayServer, store: Store
) -> None:
    config = _config(
        _source(replay.url, "tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html"),
        _source(replay.url, "gygh", "html-list", "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html"),
    )
    report = asyncio.run(run_check(config, store, now=_at("2022-06-21")))
    outcomes = {r.name: r.outcome for r in report.reports}
    assert outcomes == {"tzgg": AttemptOutcome.NEW_DOCUMENT, "gygh": AttemptOutcome.BASELINE}
    assert _titles(store) == {ZJTX + "（征求意见稿）": [ChangeSetKind.NEW_DOCUMENT], OLD_POLICY: []}
    old = next(d for d in store.list_documents() if d.title == OLD_POLICY)
    assert "baseline" in [e.event for e in store.status_events(old.id)]
    sources = {s.name: s for s in store.list_sources()}
    assert (sources["gygh"].baseline_count, sources["gygh"].baseline_new) == (1, 0)
    assert (sources["tzgg"].baseline_count, sources["tzgg"].baseline_new) == (0, 1)
    assert not any(s.first_sight for s in sources.values())
    again = asyncio.run(run_check(config, store, now=_at("2022-06-22")))
    assert not again.failed and len(store.list_change_sets()) == 1


def test_a_draft_still_open_for_comment_is_news_after_the_window(
    replay: ReplayServer, store: Store
) -> None:
    tzgg = _source(replay.url, "tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html")
    asyncio.run(run_check(_config(tzgg), store, now=_at("2022-07-15")))  # deadline 2022-07-20
    assert [cs.kind for cs in store.list_change_sets()] == [ChangeSetKind.NEW_DOCUMENT]


def test_a_closed_draft_outside_the_window_is_history(
    replay: ReplayServer, store: Store, tmp_path: Path
) -> None:
    tzgg = _source(replay.url, "tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html")
    asyncio.run(run_check(_config(tzgg), store, now=_at("2022-07-21")))
    assert store.list_change_sets() == [] and len(store.list_documents()) == 1
    wide = dataclasses.replace(tzgg, name="tzgg-wide", baseline_recent=dt.timedelta(days=60))
    other = Store(tmp_path / "other.db")
    other.migrate()
    try:
        asyncio.run(run_check(_config(wide), other, now=_at("2022-07-21")))
        assert [cs.kind for cs in other.list_change_sets()] == [ChangeSetKind.NEW_DOCUMENT]
    finally:
        other.close()


def test_a_source_added_later_is_a_first_sight_too(replay: ReplayServer, store: Store) -> None:
    tzgg = _source(replay.url, "tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html")
    asyncio.run(run_check(_config(tzgg), store, now=_at("2022-06-20")))
    gygh = _source(replay.url, "gygh", "html-list", "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html")
    report = asyncio.run(run_check(_config(tzgg, gygh), store, now=_at("2022-06-23")))
    assert {r.name: r.outcome for r in report.reports}["gygh"] is AttemptOutcome.BASELINE
    assert [cs.document_title for cs in store.list_change_sets()] == [ZJTX + "（征求意见稿）"]


def test_a_failed_first_check_keeps_the_source_at_first_sight(store: Store) -> None:
    broken = SourceConfig(name="down", kind="html-list", url="http://127.0.0.1:9/list.html")
    report = asyncio.run(run_check(_config(broken), store, now=_at("2022-06-20")))
    assert report.failed == 1
    assert store.get_source("down").first_sight
