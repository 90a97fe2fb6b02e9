"""`policywatch check` commits many sources' results in one transaction (`Batch`): it stores
what per-source commits store, in a handful of commits, and a kill loses whole sources only,
which the next check reads again. Also: a cycle keeps at most `in_flight` sources going."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

import monitor.check.cycle as cycle
from monitor.check.cycle import in_flight, run_check
from monitor.config import Config, FetchConfig, SourceConfig
from state.store import Store, open_store
from tests.conftest import SITE
from tests.loopback import loopback

ROOT = Path(__file__).resolve().parents[2]
PAGE = (SITE / "2022-12-30/xxgk/xxgkml/zcfgjzcjd/gygh/content/post_10358920.html").read_bytes()


def page(i: int) -> bytes:
    """Page `i`: the final measures with one amount of its own (a document of its own)."""
    return PAGE.replace("最高2万元".encode(), f"最高{i + 2}万元".encode(), 1)


class Pages(BaseHTTPRequestHandler):
    """`/p/<i>.html` with an ETag; `delay` seconds per request (a slow site)."""

    delay = 0.0

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        time.sleep(self.delay)
        body = page(int(self.path.rsplit("/", 1)[-1].split(".")[0]))
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SlowPages(Pages):
    delay = 0.05


@pytest.fixture
def site_url() -> Iterator[str]:
    with loopback(Pages) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


def config(base: str, count: int) -> Config:
    return Config(
        fetch=FetchConfig(allow_hosts=("127.0.0.1",), timeout=5.0, retries=1, backoff=0.01),
        sources=tuple(
            SourceConfig(name=f"p{i}", kind="page", url=f"{base}/p/{i}.html") for i in range(count)
        ),
    )


def stored(db: Path) -> dict[str, Any]:
    """What a check leaves behind, by URL (ids and times left out)."""
    conn = sqlite3.connect(db)
    try:
        return {
            "versions": sorted(
                conn.execute("SELECT url, seq, tree_hash, content_hash, text FROM versions")
            ),
            "url_states": sorted(
                conn.execute("SELECT url, verdict, etag, content_hash, tree_hash FROM url_states")
            ),
            "attempts": sorted(
                conn.execute(
                    "SELECT s.name, a.outcome FROM fetch_attempts a JOIN sources s"
                    " ON s.id = a.source_id"
                )
            ),
            "baselines": sorted(
                conn.execute(
                    "SELECT name, baseline_count, baseline_done_at IS NOT NULL FROM sources"
                )
            ),
            "events": sorted(
                conn.execute(
                    "SELECT d.url, e.event FROM status_events e JOIN documents d"
                    " ON d.id = e.document_id"
                )
            ),
            "change_sets": conn.execute("SELECT count(*) FROM change_sets").fetchone()[0],
        }
    finally:
        conn.close()


def commits_of(store: Store) -> list[str]:
    """The COMMITs the store's connection will run (its statement trace)."""
    seen: list[str] = []
    store.conn.set_trace_callback(lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


def test_a_batched_cycle_stores_what_per_source_commits_store(
    site_url: str, tmp_path: Path
) -> None:
    cfg = config(site_url, 12)
    results = {}
    commits = {}
    for batched in (False, True):
        db = tmp_path / f"batched-{batched}.db"
        with open_store(db) as store:
            seen = commits_of(store)
            first = asyncio.run(run_check(cfg, store, batched=batched))
            again = asyncio.run(run_check(cfg, store, batched=batched))  # all 304s
            commits[batched] = len(seen)
            # the bytes as fetched, compressed by the reading worker
            for version_id, url in store.conn.execute("SELECT id, url FROM versions"):
                assert store.version_raw(version_id) == page(int(url.rsplit("/", 1)[1][:-5]))
        assert first.failed == 0 and first.checked == 12 and again.not_modified == 12
        results[batched] = stored(db)
    assert results[True] == results[False]
    assert len(results[True]["versions"]) == 12  # one baseline version per page
    # per source: a version's transaction, then its attempt and baseline tally (x12), then
    # the quiet round's attempts; batched: a commit per 100 sources or 0.5 s
    assert commits[False] >= 2 * 12
    assert commits[True] * 4 <= commits[False]


def test_a_killed_check_loses_whole_sources_only(tmp_path: Path) -> None:
    count = 60
    with loopback(SlowPages) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        db = tmp_path / "killed.db"
        toml = tmp_path / "policywatch.toml"
        toml.write_text(
            f'[database]\npath = "{db}"\n\n[fetch]\nallow_hosts = ["127.0.0.1"]\n'
            + "".join(
                f'\n[[source]]\nname = "p{i}"\nkind = "page"\nurl = "{base}/p/{i}.html"\n'
                for i in range(count)
            ),
            encoding="utf-8",
        )
        command = [sys.executable, "-c", "from monitor.cli import main; main()"]
        command += ["--config", str(toml), "check"]
        env = {**os.environ, "NO_PROXY": "127.0.0.1"}
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        committed = 0
        try:
            deadline = time.monotonic() + 60
            while committed == 0 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
                committed = _versions(db)
            time.sleep(0.3)  # more sources finish into the next, uncommitted batch
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert 0 < committed < count, "the kill did not land inside the cycle"

        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # whole sources: a remembered URL has its version, attempt and baseline, and no
            # version lacks its URL's memory (else the next check would skip it, or store twice)
            urls = {r[0] for r in conn.execute("SELECT url FROM url_states")}
            versions = {r[0] for r in conn.execute("SELECT url FROM versions")}
            attempted = {
                r[0]
                for r in conn.execute(
                    "SELECT s.url FROM fetch_attempts a JOIN sources s ON s.id = a.source_id"
                )
            }
            done = {
                r[0]
                for r in conn.execute("SELECT url FROM sources WHERE baseline_done_at IS NOT NULL")
            }
        finally:
            conn.close()
        assert urls == versions == attempted == done
        assert 0 < len(urls) < count, len(urls)

        rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        clean = tmp_path / "clean.db"
        with open_store(clean) as store:
            asyncio.run(run_check(config(base, count), store))
    after, want = stored(db), stored(clean)
    assert after["versions"] == want["versions"]  # each page stored once, as a clean run does
    assert after["url_states"] == want["url_states"]
    assert after["baselines"] == want["baselines"]
    assert after["events"] == want["events"] and after["change_sets"] == 0
    # the sources committed before the kill were not read again: 304s the second time
    outcomes = [outcome for _name, outcome in after["attempts"]]
    assert outcomes.count("baseline") == count
    assert outcomes.count("not_modified") == len(urls)


def _versions(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM versions").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0
    finally:
        conn.close()


def test_a_cycle_keeps_at_most_in_flight_sources_going(
    site_url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = config(site_url, 3 * in_flight(config(site_url, 0)))
    running, most = 0, 0
    original = cycle.check_source

    async def counted(*args: Any, **kwargs: Any) -> cycle.SourceReport:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return await original(*args, **kwargs)
        finally:
            running -= 1

    monkeypatch.setattr(cycle, "check_source", counted)
    report = asyncio.run(run_check(cfg, store))
    assert report.failed == 0 and report.checked == len(cfg.sources)
    assert most == in_flight(cfg)  # bounded, and the bound is used
