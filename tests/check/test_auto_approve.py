"""Auto-approval happens inside the transaction that stores a change set; the review UI's toggle
survives config syncs; gkmlpt's is_abolished flag becomes a status change set."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from monitor.check.cycle import run_check
from monitor.config import Config, FetchConfig, OutboxConfig, SourceConfig
from monitor.fetch.replay import ReplayServer, serve_in_thread
from parsers.records import ChangeSetKind, ChangeSetState, Subscriber, Subscription
from state.store import Store
from tests.conftest import snapshot_time

NOW = dt.datetime(2023, 3, 1, 2, 0, tzinfo=dt.UTC)


def _config(base: str, tmp_path: Path, *, auto: bool) -> Config:
    def src(name: str, kind: str, path: str) -> SourceConfig:
        return SourceConfig(
            name=name, kind=kind, url=base + path, keywords=("若干措施",), auto_approve=auto
        )

    return Config(
        fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01),
        outbox=OutboxConfig(dir=tmp_path / "outbox"),
        sources=(
            src("tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html"),
            src("gkmlpt", "gkmlpt", "/gkmlpt/api/all/3115"),
        ),
    )


def _subscribe(store: Store) -> None:
    store.add_subscriber(Subscriber(name="李总", email="li@example.com"), [Subscription()], now=NOW)


def test_auto_approved_change_sets_are_queued_with_the_version(
    replay: ReplayServer, site: Path, store: Store, tmp_path: Path
) -> None:
    _subscribe(store)
    config = _config(replay.url, tmp_path, auto=True)
    for name in ("2022-06-20", "2022-12-30"):
        replay.switch(site / name)
        asyncio.run(run_check(config, store, now=NOW))
    sets = store.list_change_sets()
    assert sets and all(cs.state is ChangeSetState.APPROVED for cs in sets)
    assert all(cs.reviewed_by == "auto" for cs in sets)
    queued = store.rows("SELECT change_set_id FROM outbox ORDER BY change_set_id")
    assert [r["change_set_id"] for r in queued] == sorted(cs.id for cs in sets)


def test_a_failing_approval_rolls_the_version_back_and_the_next_check_retries(
    replay: ReplayServer, site: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.review.actions

    _subscribe(store)
    config = _config(replay.url, tmp_path, auto=True)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("routing bug")

    monkeypatch.setattr(monitor.review.actions, "approve_change_set", broken)
    then = snapshot_time("2022-06-20")  # the draft is news that day (not a baseline)
    report = asyncio.run(run_check(config, store, now=then))
    assert report.failed  # the item failed, loudly ...
    assert store.list_change_sets() == [] and store.list_documents() == []  # ... and left nothing
    monkeypatch.undo()
    report = asyncio.run(run_check(config, store, now=then))
    assert not report.failed
    [cs] = store.list_change_sets()
    assert cs.state is ChangeSetState.APPROVED


def test_the_ui_toggle_survives_a_config_without_auto_approve(store: Store) -> None:
    source = store.sync_source(name="s", kind="page", url="http://a.gov.cn/")
    assert not source.auto_approve
    store.set_source_auto_approve(source.id, auto_approve=True)  # what the review UI does
    assert store.sync_source(name="s", kind="page", url="http://a.gov.cn/").auto_approve
    forced = store.sync_source(name="t", kind="page", url="http://b.gov.cn/", auto_approve=True)
    assert forced.auto_approve  # the config can force it on


def test_an_abolished_flag_becomes_one_status_change_set(
    site: Path, store: Store, tmp_path: Path
) -> None:
    snapshot = tmp_path / "abolished"
    shutil.copytree(site / "2022-12-30", snapshot)
    feed = snapshot / "gkmlpt" / "api" / "all" / "3115-page1.json"
    data = json.loads(feed.read_text(encoding="utf-8"))
    for article in data["articles"]:
        if article["id"] == 10358920:
            article["is_abolished"] = 1
    feed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    server = serve_in_thread(site / "2022-12-30")
    try:
        config = _config(server.url, tmp_path, auto=False)
        asyncio.run(run_check(config, store, now=NOW))
        server.switch(snapshot)
        for _ in range(2):  # the flag stays up: one event, not one per check
            asyncio.run(run_check(config, store, now=NOW))
    finally:
        server.close()
    status_sets = [cs for cs in store.list_change_sets() if cs.kind is ChangeSetKind.STATUS]
    assert len(status_sets) == 1
    [change] = status_sets[0].diff.document_changes
    assert (change.field, change.old, change.new) == ("status", "final", "abolished")
    assert change.summary == "状态由“正式稿”调整为“已废止”"
    assert store.get_document(status_sets[0].document_id).status.value == "abolished"
