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
