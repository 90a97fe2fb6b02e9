"""A review-desk database built the real way: the bundled replica replayed through the check
pipeline, each snapshot checked on its own day (so the draft is news on 2022-06-20, the final
on 2022-12-30), with the demo's three subscribers and two staff accounts. Nothing is approved:
the draft's new-document change set and the 17-change draft -> final set wait for review."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import parsers
from monitor.check.cycle import run_check
from monitor.cli.demo import SUBSCRIBERS
from monitor.config import (
    Config,
    DatabaseConfig,
    FetchConfig,
    NotificationsConfig,
    OutboxConfig,
    SourceConfig,
)
from monitor.fetch.replay import serve_in_thread
from monitor.web.auth import hash_password
from parsers.records import ChangeSetKind, Fetched, Role, Subscriber, Subscription
from state.store import Store, open_store
from tests.conftest import SITE, snapshot_time

PASSWORDS = {"alice": "alice-admin-pw", "bob": "bob-reviewer-pw"}
SOURCES = (
    ("gxj-tzgg", "html-list", "/xxgk/xxgkml/qt/tzgg/index.html"),
    ("gxj-gygh", "html-list", "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html"),
    ("gxj-postmeta", "postmeta", "/postmeta/i/61057.json"),
    ("gxj-gkmlpt", "gkmlpt", "/gkmlpt/api/all/3115"),
)
FINAL_TEXT = Path(__file__).resolve().parent / "fixtures" / "texts" / "zjtx-final-a.txt"
FINAL_URL = "http://gxj.sz.gov.cn/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html"
# The review desk's "now": a day after the notice, well before its deadline (2022-07-20).
DRAFT_DAY = snapshot_time("2022-06-20") + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Replica:
    """Where the replayed database is and what it holds."""

    path: Path
    draft_set: int  # the new 征求意见稿 (NEW_DOCUMENT)
    final_set: int | None  # draft -> final, 17 changes (None: only the first snapshot)


def replica_config(path: Path, outbox: Path, base: str = "http://127.0.0.1:9") -> Config:
    """The config the replica was checked with (sources point at `base`)."""
    fetch = FetchConfig(allow_hosts=("127.0.0.1",), timeout=3.0, retries=1, backoff=0.01)
    sources = tuple(
        SourceConfig(name=name, kind=kind, url=base + url, keywords=("专精特新",))
        for name, kind, url in SOURCES
    )
    return Config(
        database=DatabaseConfig(path=path),
        fetch=fetch,
        sources=sources,
        outbox=OutboxConfig(dir=outbox),
        notifications=NotificationsConfig(base_url="http://127.0.0.1:8000"),
    )


def store_final(store: Store, replica: Replica, at: dt.datetime) -> None:
    """The final arrives (as a check would store it) after the draft was approved."""
    cs = store.get_change_set(replica.draft_set)
    final = parsers.parse_path(FINAL_TEXT)
    raw = FINAL_TEXT.read_bytes()
    store.add_version(
        document_id=cs.document_id,
        rendition_id=None,
        fetched=Fetched(
            url=FINAL_URL,
            fetched_at=at,
            http_status=200,
            media_type="text/plain",
            content=raw,
            content_hash="final",
        ),
        text=FINAL_TEXT.read_text(encoding="utf-8"),
        document=final,
        tree_hash="final",
        parser_version=parsers.PARSER_VERSION,
    )


def build_replica(path: Path, snapshots: tuple[str, ...] = ("2022-06-20", "2022-12-30")) -> Replica:
    """Replay the snapshots (each on its day) into a new database at `path`."""
    server = serve_in_thread(SITE / "2022-06-20")
    try:
        config = replica_config(path, path.parent / "outbox", server.url)
        with open_store(path) as store:
            for name in snapshots:
                server.switch(SITE / name)
                # a thread of its own: Playwright's sync API may own this thread's event loop
                with ThreadPoolExecutor(1) as pool:
                    check = run_check(config, store, now=snapshot_time(name))
                    report = pool.submit(asyncio.run, check).result()
                assert not report.failed, report.reports
            for name, email, company, topics, cadence in SUBSCRIBERS:
                store.add_subscriber(
                    Subscriber(name=name, email=email, company=company),
                    [Subscription(topics=topics, cadence=cadence)],
                    now=DRAFT_DAY,
                )
            for user, role in (("alice", Role.ADMIN), ("bob", Role.REVIEWER)):
                store.add_user(
                    name=user,
                    role=role,
                    password_hash=hash_password(PASSWORDS[user]),
                    now=DRAFT_DAY,
                )
            sets = {cs.kind: cs.id for cs in store.list_change_sets()}
    finally:
        server.close()
    return Replica(
        path=path,
        draft_set=sets[ChangeSetKind.NEW_DOCUMENT],
        final_set=sets.get(ChangeSetKind.CHANGED),
    )
