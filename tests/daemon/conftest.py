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
