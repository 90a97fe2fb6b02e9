"""A hostile PDF under `run --serve` (#16, break 5): while the worker chews on it, the daemon's
heartbeat keeps ticking and the review UI answers; the check fails at `[reader] cpu_limit`,
and the daemon goes on."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from monitor.fetch.replay import ReplayServer
from state.store import open_store
from tests.check.hostile import nested_forms_pdf
from tests.daemon.conftest import DaemonProcess, write_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _heartbeat(db: Path) -> float:
    with open_store(db, migrate=False) as store:
        lock = store.daemon_lock()
    assert lock is not None
    return lock.heartbeat_at.timestamp()


def test_the_heartbeat_and_the_ui_go_on_while_a_hostile_pdf_is_read(
    tmp_path: Path, spawn: Callable[..., DaemonProcess]
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "slow.pdf").write_bytes(nested_forms_pdf())
    entry = {"url": "/attachment/slow.pdf", "file": "slow.pdf", "content_type": "application/pdf"}
    (site / "manifest.json").write_text(json.dumps({"host": "", "entries": [entry]}))
    port = _free_port()
    with ReplayServer(site).start() as replay:
        source = (
            f'[[source]]\nname = "slow"\nkind = "page"\nurl = "{replay.url}/attachment/slow.pdf"\n'
            'every = "1h"\n'
        )
        config = write_config(
            tmp_path,
            daemon={"heartbeat": "500ms"},
            sources=source,
            extra=(
                '[fetch]\nallow_hosts = ["127.0.0.1"]\nretries = 0\n\n'
                '[reader]\ncpu_limit = "2s"\n\n'
                f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
            ),
        )
        daemon = spawn(config, "--serve")
        daemon.wait_for(lambda r: "Uvicorn running" in r["message"])
        deadline = time.monotonic() + 20
        while "/attachment/slow.pdf" not in replay.requests:  # the check has begun
            assert time.monotonic() < deadline, "the PDF was never fetched"
            time.sleep(0.05)
        beats, latencies = set(), []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as ui:
            watch_until = time.monotonic() + 1.6  # inside the 2 s of CPU the PDF is allowed
            while time.monotonic() < watch_until:
                started = time.monotonic()
                assert ui.get("/login").status_code == 200
                latencies.append(time.monotonic() - started)
                beats.add(_heartbeat(tmp_path / "policywatch.db"))
                time.sleep(0.2)
        checked = daemon.wait_event("checked", timeout=60)
        assert daemon.proc.poll() is None  # still running
        assert daemon.stop() == 0
    assert len(beats) >= 3, beats  # one every 500 ms while the PDF was being read
    assert max(latencies) < 1.0, latencies
    assert checked["source"] == "slow" and checked["outcome"] == "failed"
    assert "of CPU" in checked["error"]
