"""Migrations are recorded and re-runnable; the file is WAL with foreign keys on."""

from __future__ import annotations

from pathlib import Path

from state.schema import MIGRATIONS
from state.store import Store, open_store


def test_migrations_apply_once_then_noop(db_path: Path) -> None:
    store = open_store(db_path, migrate=False)
    try:
        first = store.migrate()
        second = store.migrate()
        tables = set(store.db.table_names())
    finally:
        store.close()
    assert first and second == []
    expected = {
        "sources",
        "fetch_attempts",
        "documents",
        "renditions",
        "versions",
        "change_sets",
        "changes",
        "status_events",
        "subscribers",
        "subscriptions",
        "reviews",
        "outbox",
        "users",
        "daemon_lock",
        "_sqlite_migrations",
    }
    assert expected <= tables
    reopened = open_store(db_path)
    try:
        assert reopened.migrate() == []
    finally:
        reopened.close()


def test_wal_and_foreign_keys(store: Store) -> None:
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.integrity_check() == "ok"


def test_outbox_unique_per_change_set_subscriber_channel(store: Store) -> None:
    import sqlite3

    import pytest

    sql = store.db.table("outbox").schema
    assert "UNIQUE (change_set_id, subscriber_id, channel)" in sql
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO outbox (change_set_id, subscriber_id, message_id, due_at, created_at)"
            " VALUES (999, 999, 'x', 'now', 'now')"
        )


def test_the_known_migration_names_are_the_registered_ones() -> None:
    from state.migrations import migrations
    from state.schema import MIGRATION_SET, MIGRATIONS

    assert migrations.name == MIGRATION_SET
    assert tuple(m.name for m in migrations._migrations) == MIGRATIONS


def test_m002_moves_url_states_out_of_kv(db_path: Path) -> None:
    import base64
    import json
    import zlib

    from state.migrations import migrations

    store = open_store(db_path, migrate=False)
    try:
        migrations.apply(store.db, stop_before="m002_url_states")
        body = base64.b64encode(zlib.compress(b"<ul>list</ul>")).decode("ascii")
        old = {
            "verdict": "list",
            "etag": '"e"',
            "clauses": 0,
            "content_type": "text/html",
            "body": body,
        }
        store.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?)",
            ("url:http://gxj.sz.gov.cn/list.html", json.dumps(old)),
        )
        assert store.migrate() == list(MIGRATIONS[1:])
        state = store.url_state("http://gxj.sz.gov.cn/list.html")
        assert state is not None and state.etag == '"e"' and state.body == b"<ul>list</ul>"
        assert store.scalar("SELECT count(*) FROM kv WHERE key LIKE 'url:%'") == 0
    finally:
        store.close()


def test_m114_sources_already_checked_are_past_their_first_sight(db_path: Path) -> None:
    from state.migrations import migrations

    store = open_store(db_path, migrate=False)
    try:
        migrations.apply(store.db, stop_before="m114_source_baseline")
        for name in ("checked", "failing", "new"):
            store.conn.execute(
                "INSERT INTO sources (name, kind, url, created_at)"
                " VALUES (?, 'page', 'u', '2022-01-01T00:00:00+00:00')",
                (name,),
            )
        ids = {r["name"]: r["id"] for r in store.rows("SELECT id, name FROM sources")}
        for name, outcome, at in (
            ("checked", "failed", "2022-01-01T00:00:00+00:00"),
            ("checked", "unchanged", "2022-01-02T00:00:00+00:00"),
            ("failing", "failed", "2022-01-03T00:00:00+00:00"),
        ):
            store.conn.execute(
                "INSERT INTO fetch_attempts (source_id, url, started_at, finished_at, outcome)"
                " VALUES (?, 'u', ?, ?, ?)",
                (ids[name], at, at, outcome),
            )
        store.migrate()
        first = {s.name: s.first_sight for s in store.list_sources()}
        assert first == {"checked": False, "failing": True, "new": True}
        assert all(s.origin == "config" for s in store.list_sources())
    finally:
        store.close()


def test_m115_gives_every_subscriber_email_and_keeps_the_outbox(db_path: Path) -> None:
    from state.migrations import migrations

    store = open_store(db_path, migrate=False)
    try:
        migrations.apply(store.db, stop_before="m115_channels")
        store.conn.execute(
            "INSERT INTO subscribers (name, email, created_at) VALUES ('甲', 'a@client.cn', 'x')"
        )
        assert store.migrate() == ["m115_channels"]
        assert store.channels_of(1) == ["email"]
        columns = {c.name for c in store.db.table("outbox").columns}
        assert {"parts_sent", "hold_reason"} <= columns
        assert "UNIQUE (change_set_id, subscriber_id, channel)" in store.db.table("outbox").schema
    finally:
        store.close()
