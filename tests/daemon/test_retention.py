"""Retention: old attempts pruned (each source keeps its newest), superseded unchanged raw bodies
dropped, every version kept; `db vacuum` on a real file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from parsers.model import PolicyDocument, Status
from parsers.records import AttemptOutcome, FetchAttempt, Fetched
from state.store import Store
from tests.daemon.conftest import policywatch, write_config

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def attempt(store: Store, source_id: int, at: dt.datetime) -> None:
    store.record_attempt(
        FetchAttempt(
            source_id=source_id,
            url="http://127.0.0.1:9/",
            started_at=at,
            finished_at=at,
            outcome=AttemptOutcome.UNCHANGED,
        )
    )


def version(
    store: Store, doc_id: int, rendition_id: int, body: bytes, tree: str, at: dt.datetime
) -> int:
    return store.add_version(
        document_id=doc_id,
        rendition_id=rendition_id,
        fetched=Fetched(
            url="http://127.0.0.1:9/post_1.html",
            fetched_at=at,
            http_status=200,
            media_type="text/html",
            content=body,
            content_hash=hashlib.sha256(body).hexdigest(),
        ),
        text=body.decode(),
        document=PolicyDocument(title="若干措施", status=Status.FINAL),
        tree_hash=tree,
        parser_version="t",
    )


def test_old_attempts_are_pruned_but_each_source_keeps_its_newest(store: Store) -> None:
    busy = store.sync_source(name="busy", kind="page", url="http://127.0.0.1:9/a")
    quiet = store.sync_source(name="quiet", kind="page", url="http://127.0.0.1:9/b")
    for days in (200, 120, 100, 10, 1):
        attempt(store, busy.id, T0 - days * DAY)
    attempt(store, quiet.id, T0 - 300 * DAY)  # disabled long ago: its only attempt stays
    report = store.apply_retention(older_than=T0 - 90 * DAY)
    assert report.attempts_deleted == 3
    assert [a.started_at for a in store.attempts(busy.id)] == [T0 - DAY, T0 - 10 * DAY]
    assert store.last_attempt_at(quiet.id) == T0 - 300 * DAY


def test_raw_bodies_of_superseded_unchanged_versions_are_dropped_versions_kept(
    store: Store,
) -> None:
    doc = store.add_document(
        title="若干措施", norm_title="若干措施", status=Status.FINAL, url=None, now=T0
    )
    rendition = store.add_rendition(document_id=doc, key="post:1", url="http://x/1", source_id=None)
    v1 = version(store, doc, rendition, b"<p>v1</p>", "tree-a", T0 - 400 * DAY)
    v2 = version(store, doc, rendition, b"<p>v1 counter 2</p>", "tree-a", T0 - 300 * DAY)
    v3 = version(store, doc, rendition, b"<p>v3</p>", "tree-b", T0 - 200 * DAY)
    v4 = version(store, doc, rendition, b"<p>v3 counter 4</p>", "tree-b", T0 - 5 * DAY)
    v5 = version(store, doc, rendition, b"<p>v3 counter 5</p>", "tree-b", T0 - 1 * DAY)
    report = store.apply_retention(older_than=T0 - 90 * DAY)
    # Only v2 is old, superseded and unchanged against its predecessor; v1 and v3 carry changes
    # (first sight, new tree), v4 is too young, v5 is the latest.
    assert report.raw_bodies_dropped == 1
    assert store.version_raw(v2) == b""
    for kept, body in ((v1, b"<p>v1</p>"), (v3, b"<p>v3</p>"), (v5, b"<p>v3 counter 5</p>")):
        assert store.version_raw(kept) == body
    assert store.version_raw(v4) == b"<p>v3 counter 4</p>"
    assert [v.seq for v in store.versions_of(doc)] == [1, 2, 3, 4, 5]
    assert store.get_version(v2).text == "<p>v1 counter 2</p>"
    assert store.apply_retention(older_than=T0 - 90 * DAY).raw_bodies_dropped == 0


def test_db_vacuum_prunes_and_shrinks_the_file(tmp_path: Path, store: Store) -> None:
    config = write_config(tmp_path, daemon={"retention": "30d"})
    source = store.sync_source(name="s", kind="page", url="http://127.0.0.1:9/")
    now = dt.datetime.now(dt.UTC)
    for i in range(3000):
        store.record_attempt(
            FetchAttempt(
                source_id=source.id,
                url="http://127.0.0.1:9/",
                started_at=now - dt.timedelta(days=60, minutes=i),
                finished_at=now - dt.timedelta(days=60, minutes=i),
                outcome=AttemptOutcome.FAILED,
                error="timeout " * 20,
            )
        )
    attempt(store, source.id, now - DAY)
    result = policywatch(config, "db", "vacuum")
    assert result.returncode == 0, result.stderr
    assert "Pruned 3000 attempt(s)" in result.stdout
    before, after = (
        int(n.replace(",", "")) for n in result.stdout.split(";")[1].split("bytes")[0].split("->")
    )
    assert after < before
    assert len(store.attempts(source.id)) == 1
    assert store.integrity_check() == "ok"
