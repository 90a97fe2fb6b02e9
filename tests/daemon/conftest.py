"""Helpers for daemon tests: a config file writer and `policywatch` run as a real subprocess."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ENTRY = "from monitor.cli import main; main()"


def policywatch(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one `policywatch` command to completion."""
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    env["POLICYWATCH_SECRET"] = "test-secret-for-unsubscribe-links"
    env["COLUMNS"] = "200"  # rich tables stay on one line per row
    return env


def write_config(
    folder: Path,
    *,
    sources: str = "",
    daemon: dict[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """A policywatch.toml in `folder` with fast daemon settings (overridable)."""
    settings = {"heartbeat": "1s", "send_every": "1s", "jitter": "1ms", **(daemon or {})}
    lines = ["[database]", 'path = "policywatch.db"', "", "[daemon]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    text = "\n".join(lines) + "\n\n" + extra + "\n\n" + sources
    path = folder / "policywatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


class DaemonProcess:
    """`policywatch -v --log-json run` as a subprocess; its JSON log lines are collected."""

    def __init__(self, config: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, "--config", str(config), "-v", "--log-json", "run"]
            + list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line)
        self._queue.put(None)

    @property
    def pid(self) -> int:
        """The daemon's process id."""
        return self.proc.pid

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """Block until a JSON log line satisfies `match`; returns it (fails on exit or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail("daemon log line not seen in time:\n" + "".join(self.lines[-30:]))
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail("daemon exited:\n" + "".join(self.lines[-30:]))
            self.lines.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if match(record):
                return dict(record)

    def wait_event(self, event: str, timeout: float = 30) -> dict[str, Any]:
        """Block until a log line with this `event` (see monitor/daemon.py) appears."""
        return self.wait_for(lambda r: r.get("event") == event, timeout)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit code (killed after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self) -> None:
        """SIGKILL and reap."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def drain(self) -> str:
        """Everything logged (after the process ended)."""
        self._reader.join(timeout=5)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)


@pytest.fixture
def spawn() -> Iterator[Callable[..., DaemonProcess]]:
    """Start daemons; any still running at teardown are killed."""
    started: list[DaemonProcess] = []

    def start(config: Path, *args: str) -> DaemonProcess:
        process = DaemonProcess(config, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.drain()
        for stream in (process.proc.stdout, process.proc.stderr):
            if stream is not None:
                stream.close()


REPLAY_SOURCES = (
    (
        "tzgg",
        "html-list",
        "/xxgk/xxgkml/qt/tzgg/index.html",
        '["专精特新", "若干措施", "征求意见"]',
    ),
    ("gygh", "html-list", "/xxgk/xxgkml/zcfgjzcjd/gygh/index.html", '["专精特新", "若干措施"]'),
    ("postmeta", "postmeta", "/postmeta/i/61057.json", '["专精特新", "若干措施"]'),
    ("gkmlpt", "gkmlpt", "/gkmlpt/api/all/3115", '["专精特新", "若干措施"]'),
)
SOURCE_NAMES = tuple(name for name, *_ in REPLAY_SOURCES)


def replay_config(
    folder: Path,
    base_url: str,
    *,
    auto_approve: bool = False,
    extra: str = "",
    daemon: dict[str, Any] | None = None,
    timeout: float = 5.0,
) -> Path:
    """A config watching the replayed bureau site's four sources, checked every second."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = [
        f'[[source]]\nname = "{name}"\nkind = "{kind}"\nurl = "{base_url}{path}"\n'
        f'every = "1s"\nkeywords = {keywords}\nauto_approve = {str(auto_approve).lower()}\n'
        for name, kind, path, keywords in REPLAY_SOURCES
    ]
    fetch = f'[fetch]\nallow_hosts = ["127.0.0.1"]\nretries = 0\ntimeout = {timeout}\n'
    return write_config(
        folder, sources="\n".join(tables), daemon=daemon, extra=fetch + "\n" + extra
    )


def db_dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Documents, versions and change sets of a database, without ids or times (comparable).

    Which rendition (HTML page, postmeta JSON, gkmlpt detail) delivers a new version first
    depends on which source is checked first, so versions compare by clause tree, not by URL
    or bytes.
    """
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return {
            "documents": conn.execute(
                "SELECT title, norm_title, status FROM documents ORDER BY title"
            ).fetchall(),
            "versions": conn.execute(
                "SELECT d.title, v.seq, v.tree_hash"
                " FROM versions v JOIN documents d ON d.id = v.document_id ORDER BY d.title, v.seq"
            ).fetchall(),
            "change_sets": conn.execute(
                "SELECT d.title, cs.kind, cs.state, fv.seq, tv.seq, cs.document_changes_json,"
                " (SELECT group_concat(c.kinds || ':' || c.change_json, '|') FROM changes c"
                "  WHERE c.change_set_id = cs.id ORDER BY c.position)"
                " FROM change_sets cs JOIN documents d ON d.id = cs.document_id"
                " LEFT JOIN versions fv ON fv.id = cs.from_version_id"
                " LEFT JOIN versions tv ON tv.id = cs.to_version_id"
                " ORDER BY d.title, tv.seq, cs.kind"
            ).fetchall(),
        }
    finally:
        conn.close()
