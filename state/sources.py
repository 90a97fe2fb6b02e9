"""Store mixin: sources and fetch attempts (the health of every source)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from parsers.records import AttemptOutcome, FetchAttempt, SourceRecord
from state.base import StoreBase, compress, decompress, from_ts, must_ts, ts, utcnow
from state.errors import ConflictError, NotFoundError


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceHealth:
    """What `status` shows for one source, computed from its attempts."""

    source: SourceRecord
    last_attempt: dt.datetime | None
    last_success: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    consecutive_failures: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlState:
    """What the monitor remembers about one fetched URL (the `url_states` table).

    Conditional GETs use its validators; `tree_hash` is the clause tree this URL showed last
    (each URL remembers its own content); `body` is kept for list pages and notices, whose
    items or attachments must be known again when the server answers 304.
    """

    url: str
    verdict: str  # "list", "document", "notice", "not_document"
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    tree_hash: str | None = None
    clauses: int = 0
    content_type: str = ""
    body: bytes | None = None


_URL_STATE_SELECT = (
    "SELECT url, verdict, etag, last_modified, content_hash, tree_hash, clauses, content_type,"
    " body FROM url_states"
)


def _url_state(row: tuple[Any, ...]) -> UrlState:
    """A row of `_URL_STATE_SELECT`."""
    return UrlState(
        url=row[0],
        verdict=row[1],
        etag=row[2],
        last_modified=row[3],
        content_hash=row[4],
        tree_hash=row[5],
        clauses=row[6],
        content_type=row[7],
        body=decompress(row[8]) if row[8] is not None else None,
    )


def _source(row: dict[str, Any]) -> SourceRecord:
    return SourceRecord(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        url=row["url"],
        auto_approve=bool(row["auto_approve"]),
        flagged=bool(row["flagged"]),
        created_at=must_ts(row["created_at"]),
        origin=row.get("origin") or "config",
        settings=row.get("settings_json"),
        baseline_at=from_ts(row.get("baseline_at")),
        baseline_count=row.get("baseline_count") or 0,
        baseline_new=row.get("baseline_new") or 0,
        baseline_done_at=from_ts(row.get("baseline_done_at")),
    )


def _attempt(row: dict[str, Any]) -> FetchAttempt:
    return FetchAttempt(
        id=row["id"],
        source_id=row["source_id"],
        url=row["url"],
        started_at=must_ts(row["started_at"]),
        finished_at=must_ts(row["finished_at"]),
        outcome=AttemptOutcome(row["outcome"]),
        http_status=row["http_status"],
        error=row["error"],
        detail=row["detail"],
    )


class SourcesMixin(StoreBase):
    """Sources (synced from the config) and their fetch attempts."""

    def sync_source(
        self, *, name: str, kind: str, url: str, auto_approve: bool = False
    ) -> SourceRecord:
        """Insert or update the source called `name`: kind and url come from the config;
        `auto_approve` from the config turns the flag on, else the review UI's toggle stands."""
        return self.sync_sources([(name, kind, url, auto_approve)])[name]

    def sync_sources(
        self, sources: list[tuple[str, str, str, bool]], *, origin: str = "config"
    ) -> dict[str, SourceRecord]:
        """`sync_source` for many `(name, kind, url, auto_approve)` in one transaction.

        A config source whose name a UI-defined source already had takes that row over (the
        file is the source of truth for what it defines); UI sources pass `origin="ui"`.
        """
        with self.atomic():
            known = {r["name"]: r for r in self.rows("SELECT * FROM sources")}
            created = ts(utcnow())
            written = False
            for name, kind, url, auto_approve in sources:
                row = known.get(name)
                values: dict[str, Any] = {"kind": kind, "url": url}
                if origin == "config" and (row is None or row.get("origin") != "config"):
                    values.update(origin="config", settings_json=None)
                if auto_approve or row is None:  # the config forces it on; else the UI decides
                    values["auto_approve"] = int(auto_approve)
                if row is None:
                    self.insert("sources", {"name": name, **values, "created_at": created})
                    written = True
                elif any(row[k] != v for k, v in values.items()):
                    self.update("sources", row["id"], values)
                    written = True
            # read again only what changed: a check of an unchanged config (every run) writes
            # nothing and reads the table once (1,000 sources: 40 -> 20 ms)
            if written:
                known = {r["name"]: r for r in self.rows("SELECT * FROM sources")}
        return {name: _source(known[name]) for name, *_ in sources}

    def get_source(self, name: str) -> SourceRecord:
        """The source called `name`."""
        row = self.row("SELECT * FROM sources WHERE name = ?", (name,))
        if row is None:
            raise NotFoundError(f"no source named {name!r}")
        return _source(row)

    def get_source_by_id(self, source_id: int) -> SourceRecord:
        """The source with this id."""
        row = self.row("SELECT * FROM sources WHERE id = ?", (source_id,))
        if row is None:
            raise NotFoundError(f"no source {source_id}")
        return _source(row)

    def list_sources(self) -> list[SourceRecord]:
        """Every source, by name."""
        return [_source(r) for r in self.rows("SELECT * FROM sources ORDER BY name")]

    def add_ui_source(
        self, *, name: str, kind: str, url: str, settings: str, now: dt.datetime
    ) -> SourceRecord:
        """A source added in the review UI (`settings`: its `[[source]]` table as JSON)."""
        with self.atomic():
            if self.scalar("SELECT id FROM sources WHERE name = ?", (name,)) is not None:
                raise ConflictError(f"a source named {name!r} exists")
            source_id = self.insert(
                "sources",
                {
                    "name": name,
                    "kind": kind,
                    "url": url,
                    "origin": "ui",
                    "settings_json": settings,
                    "created_at": ts(now),
                },
            )
        return self.get_source_by_id(source_id)

    def update_ui_source(self, source_id: int, *, kind: str, url: str, settings: str) -> None:
        """Change a UI-defined source (ConflictError for one the config file defines)."""
        with self.atomic():
            source = self.get_source_by_id(source_id)
            if source.origin != "ui":
                raise ConflictError(f"source {source.name!r} is defined in the config file")
            self.update("sources", source_id, {"kind": kind, "url": url, "settings_json": settings})

    def ui_sources(self) -> list[SourceRecord]:
        """Sources defined in the review UI, by name."""
        rows = self.rows("SELECT * FROM sources WHERE origin = 'ui' ORDER BY name")
        return [_source(r) for r in rows]

    def record_baseline(
        self, source_id: int, *, baselines: int, recent: int, at: dt.datetime, done: bool
    ) -> None:
        """Count what a first-sight check recorded as history (`baselines`) and let through as
        recent; `done`: the check succeeded, so the source's first sight is over."""
        self.conn.execute(
            "UPDATE sources SET baseline_count = baseline_count + ?,"
            " baseline_new = baseline_new + ?,"
            " baseline_at = coalesce(baseline_at, ?),"
            " baseline_done_at = CASE WHEN ? THEN coalesce(baseline_done_at, ?)"
            " ELSE baseline_done_at END WHERE id = ?",
            (baselines, recent, ts(at), int(done), ts(at), source_id),
        )

    def set_source_flag(self, source_id: int, *, flagged: bool) -> None:
        """Flag (or clear) a source for staff attention."""
        self.update("sources", source_id, {"flagged": int(flagged)})

    def set_source_auto_approve(self, source_id: int, *, auto_approve: bool) -> None:
        """Let change sets of this source skip review (or not)."""
        self.update("sources", source_id, {"auto_approve": int(auto_approve)})

    def record_attempt(self, attempt: FetchAttempt) -> int:
        """Store one fetch attempt; returns its id."""
        return self.insert(
            "fetch_attempts",
            {
                "source_id": attempt.source_id,
                "url": attempt.url,
                "started_at": ts(attempt.started_at),
                "finished_at": ts(attempt.finished_at),
                "outcome": attempt.outcome.value,
                "http_status": attempt.http_status,
                "error": attempt.error,
                "detail": attempt.detail,
            },
        )

    def record_attempts(self, attempts: list[FetchAttempt]) -> None:
        """Store many fetch attempts in one transaction (the quiet results of a cycle)."""
        if not attempts:
            return
        with self.atomic():
            self.conn.executemany(
                "INSERT INTO fetch_attempts (source_id, url, started_at, finished_at, outcome,"
                " http_status, error, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.source_id,
                        a.url,
                        ts(a.started_at),
                        ts(a.finished_at),
                        a.outcome.value,
                        a.http_status,
                        a.error,
                        a.detail,
                    )
                    for a in attempts
                ],
            )

    def attempts(self, source_id: int, *, limit: int = 50) -> list[FetchAttempt]:
        """The newest attempts of a source, newest first."""
        rows = self.rows(
            "SELECT * FROM fetch_attempts WHERE source_id = ? ORDER BY started_at DESC, id DESC"
            " LIMIT ?",
            (source_id, limit),
        )
        return [_attempt(r) for r in rows]

    def last_attempt_at(self, source_id: int) -> dt.datetime | None:
        """When the source was last checked (None: never)."""
        return from_ts(
            self.scalar(
                "SELECT max(started_at) FROM fetch_attempts WHERE source_id = ?", (source_id,)
            )
        )

    def consecutive_failures(self, source_id: int) -> int:
        """Failed checks since the last successful one."""
        last_ok = self.scalar(
            "SELECT max(started_at) FROM fetch_attempts WHERE source_id = ? AND outcome != ?",
            (source_id, AttemptOutcome.FAILED.value),
        )
        return int(
            self.scalar(
                "SELECT count(*) FROM fetch_attempts WHERE source_id = ? AND outcome = ?"
                " AND started_at > ?",
                (source_id, AttemptOutcome.FAILED.value, last_ok or ""),
            )
        )

    def source_health(self, source: SourceRecord) -> SourceHealth:
        """Last success, last error and the failure streak of one source."""
        failed = AttemptOutcome.FAILED.value
        last_error = self.row(
            "SELECT error, started_at FROM fetch_attempts WHERE source_id = ? AND outcome = ?"
            " ORDER BY started_at DESC LIMIT 1",
            (source.id, failed),
        )
        return SourceHealth(
            source=source,
            last_attempt=self.last_attempt_at(source.id),
            last_success=from_ts(
                self.scalar(
                    "SELECT max(started_at) FROM fetch_attempts WHERE source_id = ? AND outcome != ?",
                    (source.id, failed),
                )
            ),
            last_error=last_error["error"] if last_error else None,
            last_error_at=from_ts(last_error["started_at"]) if last_error else None,
            consecutive_failures=self.consecutive_failures(source.id),
        )

    def prune_attempts(self, *, older_than: dt.datetime) -> int:
        """Delete attempts older than `older_than`; returns how many."""
        with self.atomic():
            cursor = self.conn.execute(
                "DELETE FROM fetch_attempts WHERE started_at < ?", (ts(older_than),)
            )
        return int(cursor.rowcount)

    # -- per-URL memory (validators, last tree) ---------------------------------------------

    def url_state(self, url: str) -> UrlState | None:
        """What was remembered about `url`, or None."""
        row = self.conn.execute(f"{_URL_STATE_SELECT} WHERE url = ?", (url,)).fetchone()
        return _url_state(row) if row is not None else None

    def url_states(self, urls: Collection[str]) -> dict[str, UrlState | None]:
        """`url_state` of many URLs in one query (a cycle's sources: one SELECT, not 1,000):
        None for a URL never fetched. A state that keeps a body (a list page's, a notice's)
        is left out, to be read with `url_state` when its turn comes, so that a cycle does
        not hold every list page of its sources in memory at once."""
        if not urls:
            return {}
        rows = self.conn.execute(
            "SELECT j.value, s.verdict, s.etag, s.last_modified, s.content_hash, s.tree_hash,"
            " s.clauses, s.content_type, NULL, s.url IS NULL FROM json_each(?) j"
            " LEFT JOIN url_states s ON s.url = j.value WHERE s.body IS NULL",
            (json.dumps(list(urls)),),
        )
        return {row[0]: None if row[9] else _url_state(row) for row in rows}

    def set_url_state(self, state: UrlState) -> None:
        """Remember `state` for its URL (replacing what was there)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO url_states (url, verdict, etag, last_modified, content_hash,"
            " tree_hash, clauses, content_type, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.url,
                state.verdict,
                state.etag,
                state.last_modified,
                state.content_hash,
                state.tree_hash,
                state.clauses,
                state.content_type,
                compress(state.body) if state.body is not None else None,
            ),
        )
