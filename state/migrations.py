"""The schema, as recorded sqlite-utils migrations (`_sqlite_migrations`); re-running is a no-op.

Never edit a migration that has shipped: add a new one below it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from state.schema import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)

_INITIAL = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    auto_approve INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE fetch_attempts (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    error TEXT,
    detail TEXT
);
CREATE INDEX fetch_attempts_source ON fetch_attempts(source_id, started_at);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    norm_title TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT,
    first_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    latest_version_id INTEGER REFERENCES versions(id)
);
CREATE INDEX documents_norm_title ON documents(norm_title);
CREATE TABLE renditions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    key TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    tree_hash TEXT,
    last_version_id INTEGER REFERENCES versions(id),
    checked_at TEXT
);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    rendition_id INTEGER REFERENCES renditions(id) ON DELETE SET NULL,
    seq INTEGER NOT NULL,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    http_status INTEGER,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT NOT NULL,
    raw BLOB,
    media_type TEXT NOT NULL,
    text TEXT NOT NULL,
    tree_json TEXT NOT NULL,
    tree_hash TEXT NOT NULL,
    parser_version TEXT NOT NULL,
    UNIQUE (document_id, seq)
);
CREATE TABLE change_sets (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    from_version_id INTEGER REFERENCES versions(id),
    to_version_id INTEGER REFERENCES versions(id),
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    detected_at TEXT NOT NULL,
    document_changes_json TEXT NOT NULL DEFAULT '[]',
    reviewed_by TEXT,
    reviewed_at TEXT,
    note TEXT
);
CREATE INDEX change_sets_state ON change_sets(state, detected_at);
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    change_set_id INTEGER NOT NULL REFERENCES change_sets(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kinds TEXT NOT NULL,
    change_json TEXT NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,
    suppress_reason TEXT,
    summary_override TEXT,
    UNIQUE (change_set_id, position)
);
CREATE TABLE status_events (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    UNIQUE (document_id, event, detail)
);
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    company TEXT,
    language TEXT NOT NULL DEFAULT 'zh-CN',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    documents_json TEXT NOT NULL DEFAULT '[]',
    sources_json TEXT NOT NULL DEFAULT '[]',
    topics_json TEXT NOT NULL DEFAULT '[]',
    keywords_json TEXT NOT NULL DEFAULT '[]',
    min_severity INTEGER NOT NULL DEFAULT 0,
    cadence TEXT NOT NULL DEFAULT 'immediate'
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    change_set_id INTEGER REFERENCES change_sets(id) ON DELETE CASCADE,
    change_id INTEGER REFERENCES changes(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    change_set_id INTEGER NOT NULL REFERENCES change_sets(id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL DEFAULT 'email',
    cadence TEXT NOT NULL DEFAULT 'immediate',
    state TEXT NOT NULL DEFAULT 'pending',
    message_id TEXT NOT NULL UNIQUE,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (change_set_id, subscriber_id, channel)
);
CREATE INDEX outbox_due ON outbox(state, due_at);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE daemon_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    """Every table the mission needs: sources to outbox."""
    for statement in _INITIAL.split(";"):
        if statement.strip():
            db.execute(statement)


_URL_STATES = """
CREATE TABLE url_states (
    url TEXT PRIMARY KEY,
    verdict TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,
    tree_hash TEXT,
    clauses INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body BLOB
) WITHOUT ROWID
"""


@migrations(name="m002_url_states")
def m002_url_states(db: Database) -> None:
    """What the monitor remembers per fetched URL gets its own table (it was JSON in `kv`)."""
    import base64
    import json

    db.execute(_URL_STATES)
    for key, value in db.execute("SELECT key, value FROM kv WHERE key LIKE 'url:%'").fetchall():
        data = json.loads(value)
        body = data.get("body")
        db.execute(
            "INSERT INTO url_states (url, verdict, etag, last_modified, content_hash, tree_hash,"
            " clauses, content_type, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key[len("url:") :],
                data.get("verdict", "document"),
                data.get("etag"),
                data.get("last_modified"),
                data.get("content_hash"),
                data.get("tree_hash"),
                int(data.get("clauses") or 0),
                data.get("content_type") or "",
                base64.b64decode(body) if body else None,  # still zlib-compressed
            ),
        )
    db.execute("DELETE FROM kv WHERE key LIKE 'url:%'")


@migrations(name="m114_source_baseline")
def m114_source_baseline(db: Database) -> None:
    """A source's first check records what is already published as history (a baseline):
    when it ended, how many documents it recorded and how many it let through as recent.
    Sources checked successfully before this migration are past their first sight."""
    db.execute("ALTER TABLE sources ADD COLUMN baseline_at TEXT")
    db.execute("ALTER TABLE sources ADD COLUMN baseline_count INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sources ADD COLUMN baseline_new INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sources ADD COLUMN baseline_done_at TEXT")
    db.execute(
        "UPDATE sources SET baseline_done_at = (SELECT min(a.finished_at) FROM fetch_attempts a"
        " WHERE a.source_id = sources.id AND a.outcome != 'failed')"
    )


@migrations(name="m114_ui_sources")
def m114_ui_sources(db: Database) -> None:
    """Sources added in the review UI live in the database (`origin = 'ui'`, their
    `[[source]]` table as JSON); the config file's own sources keep `origin = 'config'`."""
    db.execute("ALTER TABLE sources ADD COLUMN origin TEXT NOT NULL DEFAULT 'config'")
    db.execute("ALTER TABLE sources ADD COLUMN settings_json TEXT")


@migrations(name="m114_version_notice")
def m114_version_notice(db: Database) -> None:
    """A version read from a notice's attachment remembers the notice page it came from."""
    db.execute("ALTER TABLE versions ADD COLUMN notice_url TEXT")


_CHANNELS = """
CREATE TABLE subscriber_channels (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, channel)
) WITHOUT ROWID;
INSERT INTO subscriber_channels (subscriber_id, channel) SELECT id, 'email' FROM subscribers;
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN hold_reason TEXT
"""


@migrations(name="m115_channels")
def m115_channels(db: Database) -> None:
    """Subscribers get channels ('email' or a `[[channel]]` name; every subscriber keeps email);
    outbox rows remember how many parts of a split chat message were posted, and why a
    message is held on our side."""
    for statement in _CHANNELS.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="m116_session_version")
def m116_session_version(db: Database) -> None:
    """A per-user session version: logout and `users disable` move it on, ending every cookie
    issued before (#16)."""
    db.execute("ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")


@migrations(name="m118_history_indexes")
def m118_history_indexes(db: Database) -> None:
    """Indexes that keep the send run's reminder query from growing with the history (#18):
    change sets by the version they lead to, lifecycle events by kind and detail."""
    db.execute("CREATE INDEX change_sets_to_version ON change_sets(to_version_id)")
    db.execute("CREATE INDEX status_events_event ON status_events(event, detail)")


def apply(db: Database) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending
